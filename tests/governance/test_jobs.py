"""Governance emails: meeting reminders once per person and meeting, overdue actions once a week per owner.

Celery is eager in tests and the outbox hands messages over on commit, so every run of a periodic task
happens inside `django_capture_on_commit_callbacks(execute=True)`: that is where the emails are sent.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from freezegun import freeze_time

from governance import jobs
from governance.models import Action, AgendaItem, Body, Decision, Meeting, Membership
from governance.tasks import governance_tick, overdue_actions_weekly
from portal.accounts.models import Profile
from portal.jobs.models import OutboxMessage
from portal.site_links import site_root_url

LONDON = ZoneInfo(settings.TIME_ZONE)
MEETING_AT = datetime(2026, 3, 12, 18, 30, tzinfo=LONDON)
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=LONDON)  # ISO week 2026-W10
REMINDER = "Reminder:"
OVERDUE = "You have"


@pytest.fixture
def body(db):
    return Body.objects.create(name="Service User Council", slug="suc", code="SUC", quorum=3)


@pytest.fixture
def person(user_factory):
    """A person with saved contact preferences (email unless told otherwise)."""

    def make(*, method=Profile.ContactMethod.EMAIL, **fields):
        user = user_factory(**fields)
        Profile.objects.create(user=user, contact_method=method)
        return user

    return make


@pytest.fixture
def member(body, person):
    def make(*, starts_on=date(2025, 1, 1), ends_on=None, **fields):
        user = person(**fields)
        Membership.objects.create(body=body, person=user, starts_on=starts_on, ends_on=ends_on)
        return user

    return make


@pytest.fixture
def meeting(body):
    def make(**fields):
        fields = {
            "title": "Spring meeting",
            "starts_at": MEETING_AT,
            "location": "Mill Street centre",
            **fields,
        }
        return Meeting.objects.create(body=body, **fields)

    return make


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a periodic task at `moment`, then everything it queued, as beat and a worker would."""

    def go(task, moment):
        with freeze_time(moment), django_capture_on_commit_callbacks(execute=True):
            task.delay()

    return go


def sent(subject_start: str) -> list[list[str]]:
    return sorted(m.to for m in mail.outbox if m.subject.startswith(subject_start))


# --- meeting reminders ----------------------------------------------------------------------------
def test_each_member_is_reminded_once_per_meeting_however_often_the_tick_runs(member, meeting, run):
    first, second = member(), member()
    spring = meeting()

    run(governance_tick, MEETING_AT - timedelta(hours=49))
    assert mail.outbox == []

    run(governance_tick, MEETING_AT - timedelta(hours=47))
    run(governance_tick, MEETING_AT - timedelta(hours=47))
    run(governance_tick, MEETING_AT - timedelta(hours=2))

    assert sent(REMINDER) == sorted([[first.email], [second.email]])
    for user in (first, second):
        key = f"meeting-reminder-{spring.pk}-{user.pk}"
        assert OutboxMessage.objects.filter(idempotency_key=key, status="done").count() == 1


def test_two_meetings_each_get_their_own_reminder(member, meeting, run):
    only = member()
    meeting()
    meeting(title="Extra meeting", starts_at=MEETING_AT + timedelta(hours=1))

    run(governance_tick, MEETING_AT - timedelta(hours=24))
    run(governance_tick, MEETING_AT - timedelta(hours=23))

    assert sent(REMINDER) == [[only.email], [only.email]]


def test_people_who_asked_for_no_email_and_people_without_a_current_seat_are_not_reminded(
    member, person, meeting, run
):
    wanted = member()
    member(method=Profile.ContactMethod.NONE)
    member(ends_on=date(2026, 2, 1))  # term over before the meeting
    member(starts_on=date(2026, 4, 1))  # not on the body yet
    member(is_active=False)
    person()  # not a member at all
    meeting()

    run(governance_tick, MEETING_AT - timedelta(hours=12))

    assert sent(REMINDER) == [[wanted.email]]


def test_someone_who_opts_out_after_the_reminder_is_queued_gets_nothing(member, meeting):
    opted_out = member()
    spring = meeting()
    Profile.objects.filter(user=opted_out).update(contact_method=Profile.ContactMethod.NONE)

    with freeze_time(MEETING_AT - timedelta(hours=12)):
        jobs.send_meeting_reminder(meeting_id=spring.pk, user_id=opted_out.pk)

    assert mail.outbox == []


def test_cancelled_held_and_past_meetings_send_no_reminder(member, meeting, run):
    member()
    meeting(status=Meeting.Status.CANCELLED)
    meeting(status=Meeting.Status.HELD)
    meeting(starts_at=MEETING_AT - timedelta(days=3))

    run(governance_tick, MEETING_AT - timedelta(hours=12))

    assert mail.outbox == []


def test_the_reminder_is_plain_text_with_time_place_public_agenda_and_absolute_links(member, meeting, run):
    reader = member(display_name="Robin")
    spring = meeting()
    AgendaItem.objects.create(meeting=spring, order=1, title="Saturday opening trial")
    AgendaItem.objects.create(meeting=spring, order=2, title="Staff pay & grading", confidential=True)

    run(governance_tick, MEETING_AT - timedelta(hours=30))

    (email,) = mail.outbox
    site = site_root_url()
    assert email.subject == "Reminder: Service User Council meets on Thursday 12 March 2026"
    assert "Hello Robin," in email.body and "Spring meeting" in email.body
    assert "Thursday 12 March 2026 at 6:30pm" in email.body and "Mill Street centre" in email.body
    assert "1. Saturday opening trial" in email.body
    assert "Staff pay" not in email.body and "1 private item" in email.body
    assert site + reverse("governance:body-detail", kwargs={"slug": "suc"}) + "\n" in email.body
    assert f"{site}/account/profile/" in email.body
    assert email.to == [reader.email] and not email.alternatives


# --- overdue actions ------------------------------------------------------------------------------
@pytest.fixture
def decision(body):
    return Decision.objects.create(
        body=body, reference="SUC-2026-001", title="Open on Saturdays", text="We will open on Saturdays."
    )


@pytest.fixture
def action(decision):
    def make(owner, title, due_on, status=Action.Status.NOT_STARTED):
        return Action.objects.create(
            decision=decision, owner=owner, title=title, due_on=due_on, status=status
        )

    return make


def test_each_owner_gets_one_email_a_week_listing_only_their_open_overdue_actions(person, action, run):
    owner, tidy = person(), person()
    action(owner, "Find Saturday volunteers", date(2026, 2, 1))
    action(owner, "Book the hall", date(2026, 2, 20), Action.Status.BLOCKED)
    action(owner, "Buy a kettle", date(2026, 2, 1), Action.Status.DONE)
    action(owner, "Print flyers", date(2026, 2, 1), Action.Status.CANCELLED)
    action(owner, "Write the rota", date(2026, 3, 20))  # not due yet
    action(tidy, "Order signs", date(2026, 1, 10), Action.Status.DONE)
    action(tidy, "Paint the room", date(2026, 1, 10), Action.Status.CANCELLED)

    run(overdue_actions_weekly, MONDAY)
    run(overdue_actions_weekly, MONDAY + timedelta(hours=2))

    assert sent(OVERDUE) == [[owner.email]]
    (email,) = mail.outbox
    assert email.subject == "You have 2 overdue actions"
    assert "Find Saturday volunteers" in email.body and "Book the hall" in email.body
    assert not {"Buy a kettle", "Print flyers", "Write the rota"} & {
        line.strip("- ").strip() for line in email.body.splitlines()
    }
    site = site_root_url()
    first = Action.objects.get(title="Find Saturday volunteers")
    assert site + reverse("governance:action-status", kwargs={"pk": first.pk}) + "\n" in email.body
    assert site + reverse("governance:decision-detail", kwargs={"reference": "SUC-2026-001"}) in email.body
    assert OutboxMessage.objects.filter(idempotency_key=f"actions-overdue-{owner.pk}-2026-W10").count() == 1


def test_the_overdue_email_comes_again_the_next_week_while_the_action_is_still_open(person, action, run):
    owner = person()
    late = action(owner, "Find Saturday volunteers", date(2026, 2, 1))

    run(overdue_actions_weekly, MONDAY)
    run(overdue_actions_weekly, MONDAY + timedelta(days=7))
    late.status = Action.Status.DONE
    late.save()
    run(overdue_actions_weekly, MONDAY + timedelta(days=14))

    assert sent(OVERDUE) == [[owner.email], [owner.email]]


def test_owners_who_asked_for_no_email_get_no_overdue_list(person, action, run):
    quiet = person(method=Profile.ContactMethod.NONE)
    action(quiet, "Find Saturday volunteers", date(2026, 2, 1))

    run(overdue_actions_weekly, MONDAY)

    assert (
        mail.outbox == [] and not OutboxMessage.objects.filter(job="governance.send_overdue_actions").exists()
    )


def test_an_action_finished_before_the_email_goes_is_left_out_and_an_empty_list_is_not_sent(person, action):
    owner = person()
    late = action(owner, "Find Saturday volunteers", date(2026, 2, 1))
    late.status = Action.Status.DONE
    late.save()

    with freeze_time(MONDAY):
        jobs.send_overdue_actions(user_id=owner.pk, week="2026-W10")

    assert mail.outbox == []


def test_iso_weeks_cross_the_new_year_the_iso_way():
    assert jobs.iso_week(date(2026, 12, 31)) == "2026-W53"
    assert jobs.iso_week(date(2027, 1, 3)) == "2026-W53"
    assert jobs.iso_week(date(2027, 1, 4)) == "2027-W01"
