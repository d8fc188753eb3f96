"""The consultation schedule: opened and closed ledger events once, and each email once, to the right people.

Celery is eager in tests and the outbox hands messages over on commit, so every tick runs inside
`django_capture_on_commit_callbacks(execute=True)`: that is where the emails are actually sent.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time

from consultations import jobs
from consultations.models import Audience, Identity, Response
from consultations.tasks import consultation_schedule_tick
from portal.accounts import roles
from portal.accounts.models import Profile
from portal.audit.models import AuditEvent
from portal.jobs.models import OutboxMessage
from portal.site_links import site_link, site_root_url

from .factories import make_consultation, make_index, make_response

OPENED_SUBJECT = "A new consultation is open"
REMINDER_SUBJECT = "Your answers are not sent yet"
CLOSED_SUBJECT = "Consultation closed"


@pytest.fixture
def consultation(home_page):
    """A consultation that opens tomorrow and closes a week later (published today)."""
    index = make_index(home_page)

    def make(**fields):
        opens_at = timezone.now() + timedelta(days=1)
        fields = {"opens_at": opens_at, "closes_at": opens_at + timedelta(days=7), **fields}
        return make_consultation(parent=index, **fields)

    return make


@pytest.fixture
def person(user_factory):
    def make(*, about=True, method=Profile.ContactMethod.EMAIL, role_names=(), **fields):
        user = user_factory(roles=list(role_names), **fields)
        Profile.objects.create(user=user, contact_about_consultations=about, contact_method=method)
        return user

    return make


@pytest.fixture
def tick(django_capture_on_commit_callbacks):
    """Run the periodic task at `moment`, then everything it queued, as beat and a worker would."""

    def run(moment):
        with freeze_time(moment), django_capture_on_commit_callbacks(execute=True):
            consultation_schedule_tick.delay()

    return run


def sent(subject_start: str) -> list[list[str]]:
    return sorted(m.to for m in mail.outbox if m.subject.startswith(subject_start))


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- opened --------------------------------------------------------------------------------------
def test_opened_emails_each_person_who_asked_once_however_often_the_tick_runs(
    consultation, person, user_factory, tick
):
    page = consultation(audience=Audience.MEMBERS)
    keen, also_keen = person(), person()
    person(about=False)
    person(method=Profile.ContactMethod.NONE)
    person(is_active=False)
    user_factory()  # never saved preferences: not asked, so not told

    tick(page.opens_at + timedelta(minutes=1))
    tick(page.opens_at + timedelta(minutes=2))
    tick(page.opens_at + timedelta(hours=3))

    assert sent(OPENED_SUBJECT) == sorted([[keen.email], [also_keen.email]])
    assert len(events("consultation.opened")) == 1
    assert (
        OutboxMessage.objects.filter(idempotency_key=f"consultation-opened-{page.pk}-{keen.pk}").count() == 1
    )


def test_nothing_happens_before_a_consultation_opens(consultation, person, tick):
    page = consultation()
    person()

    tick(page.opens_at - timedelta(minutes=1))

    assert mail.outbox == [] and events("consultation.opened") == []


def test_a_service_users_consultation_is_announced_to_service_users_only(consultation, person, tick):
    page = consultation(audience=Audience.SERVICE_USERS)
    service_user = person(role_names=[roles.SERVICE_USERS])
    person(role_names=[roles.EDITORS])
    person()

    tick(page.opens_at + timedelta(minutes=1))

    assert sent(OPENED_SUBJECT) == [[service_user.email]]


def test_the_opened_email_is_plain_text_with_an_absolute_link_and_a_way_to_stop(consultation, person, tick):
    page = consultation(title="Evening groups & you")
    keen = person()

    tick(page.opens_at + timedelta(minutes=1))

    (email,) = mail.outbox
    site = site_root_url()
    assert email.subject == "A new consultation is open: Evening groups & you"
    assert f"Hello {keen.display_name}," in email.body and "Evening groups & you" in email.body
    assert f"{site}{page.url}\n" in email.body and f"{site}/account/" in email.body
    assert "&amp;" not in email.body and not email.alternatives


def test_someone_who_opts_out_before_their_email_is_sent_gets_nothing(consultation, person):
    page = consultation()
    keen = person()
    Profile.objects.filter(user=keen).update(contact_about_consultations=False)

    with freeze_time(page.opens_at + timedelta(minutes=1)):
        jobs.send_opened_email(page_id=page.pk, user_id=keen.pk)

    assert mail.outbox == []


def test_old_news_is_not_sent_when_the_scheduler_first_runs(home_page, person, tick):
    long_ago = timezone.now() - timedelta(days=30)
    with freeze_time(long_ago):
        still_open = make_consultation(
            parent=make_index(home_page), opens_at=long_ago, closes_at=long_ago + timedelta(days=40)
        )
        closed_long_ago = make_consultation(
            parent=make_index(home_page), opens_at=long_ago, closes_at=long_ago + timedelta(days=10)
        )
    person()

    tick(timezone.now())

    assert still_open.pk and closed_long_ago.pk
    assert mail.outbox == [] and not AuditEvent.objects.filter(action__startswith="consultation.").exists()


def test_an_unpublished_consultation_is_left_alone(consultation, person, tick):
    page = consultation()
    person()
    page.unpublish()

    tick(page.opens_at + timedelta(minutes=1))

    assert mail.outbox == [] and events("consultation.opened") == []


# --- reminder -----------------------------------------------------------------------------------
def test_reminder_48_hours_before_closing_goes_once_to_people_with_a_named_draft(consultation, person, tick):
    page = consultation(identity=Identity.CHOOSE)
    drafter = person(about=False)
    make_response(page, status=Response.Status.DRAFT, respondent=drafter)
    sender = person(about=False)
    make_response(page, {"short_text": "Done"}, respondent=sender)
    no_contact = person(about=False, method=Profile.ContactMethod.NONE)
    make_response(page, status=Response.Status.DRAFT, respondent=no_contact)
    make_response(page, status=Response.Status.DRAFT)  # anonymous: no one to write to
    person(about=False)  # no draft at all

    tick(page.closes_at - timedelta(hours=49))
    assert sent(REMINDER_SUBJECT) == []

    tick(page.closes_at - timedelta(hours=47))
    tick(page.closes_at - timedelta(hours=46))
    tick(page.closes_at - timedelta(minutes=10))

    assert sent(REMINDER_SUBJECT) == [[drafter.email]]
    (email,) = [m for m in mail.outbox if m.subject.startswith(REMINDER_SUBJECT)]
    assert site_link(page.url) in email.body


def test_a_consultation_shorter_than_48_hours_gets_its_reminder_once_it_is_open(consultation, person, tick):
    page = consultation(closes_at=timezone.now() + timedelta(days=2))  # open for one day
    drafter = person(about=False)

    tick(page.opens_at - timedelta(minutes=5))
    make_response(page, status=Response.Status.DRAFT, respondent=drafter)
    tick(page.opens_at + timedelta(hours=1))

    assert sent(REMINDER_SUBJECT) == [[drafter.email]]


def test_no_reminder_once_the_draft_is_sent(consultation, person):
    page = consultation()
    drafter = person(about=False)
    draft = make_response(page, status=Response.Status.DRAFT, respondent=drafter)
    Response.objects.filter(pk=draft.pk).update(status=Response.Status.SUBMITTED)

    with freeze_time(page.closes_at - timedelta(hours=47)):
        jobs.send_reminder_email(page_id=page.pk, user_id=drafter.pk)

    assert mail.outbox == []


# --- closed -------------------------------------------------------------------------------------
def test_closing_summary_goes_to_the_owner_once_with_counts_and_a_results_link(consultation, person, tick):
    owner = person(about=False, role_names=[roles.EDITORS])
    page = consultation(owner=owner)
    for _ in range(3):
        make_response(page, {"short_text": "Yes"})
    make_response(page, {"short_text": "Changed my mind"}, status=Response.Status.WITHDRAWN)
    make_response(page, status=Response.Status.DRAFT)

    tick(page.closes_at + timedelta(minutes=1))
    tick(page.closes_at + timedelta(minutes=6))
    tick(page.closes_at + timedelta(days=2))

    assert sent(CLOSED_SUBJECT) == [[owner.email]]
    (email,) = mail.outbox
    assert "Responses sent: 3" in email.body
    assert "Responses withdrawn by the people who sent them: 1" in email.body
    assert "Started but never sent (not counted): 1" in email.body
    assert site_link(f"{page.url}results/") in email.body


def test_an_owner_who_asked_not_to_be_contacted_gets_no_summary(consultation, person, tick):
    page = consultation(owner=person(method=Profile.ContactMethod.NONE))

    tick(page.closes_at + timedelta(minutes=1))

    assert mail.outbox == [] and len(events("consultation.closed")) == 1


def test_opened_and_closed_are_each_in_the_ledger_once_with_ids_and_counts_only(consultation, person, tick):
    page = consultation(owner=person())
    make_response(page, {"short_text": "Something personal"})
    moments = [page.opens_at + timedelta(minutes=m) for m in (1, 2, 7)]
    moments += [page.closes_at - timedelta(hours=40), page.closes_at + timedelta(minutes=1)]
    moments += [page.closes_at + timedelta(minutes=2), page.closes_at + timedelta(hours=5)]

    for moment in moments:
        tick(moment)

    (opened,) = events("consultation.opened")
    (closed,) = events("consultation.closed")
    assert (opened.target_id, closed.target_id) == (str(page.pk), str(page.pk))
    assert opened.actor_key == "" and opened.occurred_at >= page.opens_at
    assert set(closed.data) == {"closes_at", "submitted", "withdrawn"}
    assert (closed.data["submitted"], closed.data["withdrawn"]) == (1, 0)


def test_job_payloads_hold_ids_and_a_phase_code_only(consultation, person, tick):
    page = consultation(owner=person())
    drafter = person()
    make_response(page, status=Response.Status.DRAFT, respondent=drafter)

    for moment in (
        page.opens_at + timedelta(minutes=1),
        page.closes_at - timedelta(hours=47),
        page.closes_at + timedelta(minutes=1),
    ):
        tick(moment)

    messages = OutboxMessage.objects.filter(job__startswith="consultations.")
    assert {m.job for m in messages} == {
        "consultations.phase_reached",
        "consultations.send_opened_email",
        "consultations.send_reminder_email",
        "consultations.send_closing_summary",
    }
    assert all(set(m.payload) <= {"page_id", "user_id", "phase"} for m in messages)
    assert all(m.status == OutboxMessage.Status.DONE for m in messages)
    assert len(mail.outbox) == 4  # opened to two people, one reminder, one summary
