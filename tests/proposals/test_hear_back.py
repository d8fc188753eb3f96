"""Hearing back: when a proposal is decided, a "we did" is published or a decision cites a consultation,
everyone who took part and accepts emails about decisions gets ONE email (through the outbox), and
everyone who took part sees it on their account page.

Decided here: people who accept no emails about decisions (contact by email off, or "Tell me about
meetings and decisions" not ticked) still see the message on their own account page. That page is their
record, not a contact: nothing is sent to them, and their contact consent covers emails only.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from consultations import analysis_services
from consultations.models import Response, ResponseStatement
from portal.accounts.models import Profile
from portal.hear_back.jobs import digests_enqueue
from portal.hear_back.models import HearBackAddress, HearBackChoice, HearBackMessage
from portal.privacy.retention import retention_apply
from proposals import services
from proposals.hear_back import proposal_hear_back
from tests.consultations.factories import make_consultation, make_response
from tests.factories import UserFactory
from tests.governance.factories import make_meeting, make_theme, recorder

from .factories import council, make_proposal, service_user

pytestmark = pytest.mark.django_db


def wants_news(user, *, email=True, meetings=True, weekly=False):
    Profile.objects.update_or_create(user=user, defaults={
        "contact_method": Profile.ContactMethod.EMAIL if email else Profile.ContactMethod.NONE,
        "contact_about_meetings": meetings,
    })
    if weekly:
        HearBackChoice.objects.create(person=user, how=HearBackChoice.How.WEEKLY)
    return user


def inbox(person) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [person.email]]


@pytest.fixture
def world(home_page, django_capture_on_commit_callbacks):
    """A council proposal with its proposer and five supporters (one withdrawn), a consultation with a
    theme, and one person who both answered the consultation and supports the proposal."""
    body = council()
    meeting = make_meeting(body, held=False)
    page = make_consultation(title="Weekend groups")
    theme = make_theme(consultation=page, name="Weekends", published=False)
    people = {
        "author": wants_news(service_user()),
        "both": wants_news(service_user()),
        "supporter": wants_news(service_user()),
        "withdrawn": wants_news(service_user()),
        "no_email": wants_news(service_user(), email=False),
        "no_meetings_news": wants_news(service_user(), meetings=False),
        "weekly": wants_news(service_user(), weekly=True),
    }
    make_response(page, respondent=people["both"])
    make_response(page, respondent=people["withdrawn"], status=Response.Status.WITHDRAWN)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = make_proposal(body, author=people["author"], title="Open on Sundays")
        services.support_add(proposal=proposal, user=people["withdrawn"])
        services.support_withdraw(proposal=proposal, user=people["withdrawn"])
        for key in ("both", "supporter", "no_email", "no_meetings_news", "weekly"):
            services.support_add(proposal=proposal, user=people[key])
    proposal.refresh_from_db()
    mail.outbox.clear()
    return {"body": body, "meeting": meeting, "page": page, "theme": theme, "proposal": proposal, **people}


def decide(world, capture):
    with capture(execute=True):
        return services.proposal_decide(
            proposal=world["proposal"], outcome="carried", text="We will open on Sundays.",
            theme=world["theme"], user=recorder(),  # not at a meeting: the agenda's meeting is still ahead
        )


def test_a_decided_proposal_emails_each_person_once_even_if_they_answered_and_supported(
    world, django_capture_on_commit_callbacks
):
    decision = decide(world, django_capture_on_commit_callbacks)

    title = "A proposal you backed has a decision: Open on Sundays"
    cited = f"A decision used what people said: {decision.reference} Open on Sundays"
    # The decision cites the consultation (through its theme) AND decides the proposal: one message.
    assert HearBackMessage.objects.filter(person=world["both"]).count() == 1
    assert len(inbox(world["both"])) == 1 and inbox(world["both"])[0] in (title, cited)
    assert inbox(world["author"]) == [title]
    assert inbox(world["supporter"]) == [title]
    # Nobody else is written to: not the withdrawn supporter, not those who said no, not weekly people.
    for key in ("withdrawn", "no_email", "no_meetings_news", "weekly"):
        assert inbox(world[key]) == [], key
    assert not HearBackMessage.objects.filter(person=world["withdrawn"]).exists()


def test_the_email_holds_a_link_and_no_answers_and_no_other_names(world, django_capture_on_commit_callbacks):
    decide(world, django_capture_on_commit_callbacks)

    body = next(m.body for m in mail.outbox if m.to == [world["supporter"].email])
    assert reverse("proposals:detail", args=[world["proposal"].pk]) in body
    for other in ("author", "both", "no_email", "weekly"):
        assert world[other].display_name not in body
    assert world["supporter"].display_name in body  # "Hello <their own name>"


def test_people_who_accept_no_decision_emails_see_it_on_their_account_page(world, client,
                                                                           django_capture_on_commit_callbacks):
    decide(world, django_capture_on_commit_callbacks)

    for key in ("no_email", "no_meetings_news"):
        client.force_login(world[key])
        page = client.get(reverse("accounts:profile")).content.decode()
        assert "What came of it" in page
        assert "A proposal you backed has a decision: Open on Sundays" in page
        assert reverse("proposals:detail", args=[world["proposal"].pk]) in page
        listing = client.get(reverse("hear_back:list")).content.decode()
        assert "We do not email you about this now" in listing
    client.force_login(world["withdrawn"])
    assert "Open on Sundays" not in client.get(reverse("accounts:profile")).content.decode()


def test_deciding_again_or_a_retried_signal_sends_nothing_more(world, django_capture_on_commit_callbacks):
    decide(world, django_capture_on_commit_callbacks)
    sent = len(mail.outbox)
    world["proposal"].refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        proposal_hear_back(world["proposal"])

    assert len(mail.outbox) == sent
    assert HearBackMessage.objects.filter(person=world["supporter"]).count() == 1


def test_weekly_people_get_one_list_a_week_and_no_single_emails(world, django_capture_on_commit_callbacks):
    decide(world, django_capture_on_commit_callbacks)
    assert inbox(world["weekly"]) == []

    with django_capture_on_commit_callbacks(execute=True):
        assert digests_enqueue(now=timezone.now()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_enqueue(now=timezone.now()) == 0  # the same week: nothing more

    assert inbox(world["weekly"]) == ["What came of it this week: 1 update"]
    body = next(m.body for m in mail.outbox if m.to == [world["weekly"].email])
    assert "Open on Sundays" in body
    assert HearBackMessage.objects.get(person=world["weekly"]).digested_at is not None
    # A week later there is nothing new, so no list.
    with django_capture_on_commit_callbacks(execute=True):
        assert digests_enqueue(now=timezone.now() + timedelta(days=7)) == 0


def test_a_published_we_did_tells_the_people_who_answered(world, django_capture_on_commit_callbacks):
    statement = ResponseStatement.objects.get(theme=world["theme"])
    analyst = UserFactory(is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        analysis_services.statement_publish(statement=statement, user=analyst)
    with django_capture_on_commit_callbacks(execute=True):  # hidden and shown again: nobody twice
        analysis_services.statement_publish(statement=statement, user=analyst, published=False)
        analysis_services.statement_publish(statement=statement, user=analyst)

    assert inbox(world["both"]) == ["You said, we did: Weekends (Weekend groups)"]
    assert inbox(world["withdrawn"]) == []  # their response was withdrawn


# --- anonymous respondents ------------------------------------------------------------------------------
def anonymous_done(world):
    response = make_response(world["page"])
    done = world["page"].url + world["page"].reverse_subpage("done", args=[response.resume_token])
    box = world["page"].url + world["page"].reverse_subpage("hear-back", args=[response.resume_token])
    return response, done, box


def test_the_done_page_offers_an_anonymous_respondent_the_email_box(world, client):
    response, done, _box = anonymous_done(world)
    assert "Hear what came of it" in client.get(done).content.decode()
    named = make_response(world["page"], respondent=world["supporter"])
    client.force_login(world["supporter"])
    page = client.get(world["page"].url + world["page"].reverse_subpage("done", args=[named.resume_token]))
    assert "Hear what came of it" not in page.content.decode()


def test_a_left_address_is_kept_apart_from_the_answers(world, client):
    response, done, box = anonymous_done(world)

    result = client.post(box, {"email": " Someone@Example.org "})

    assert result.status_code == 302 and result["Location"] == done
    row = HearBackAddress.objects.get()
    assert row.email == "someone@example.org" and row.consultation_id == world["page"].pk
    # Nothing in the row points at the response: only a random key, the consultation, the address, the day.
    assert {f.name for f in HearBackAddress._meta.get_fields()} == {"id", "consultation_id", "email", "left_on"}
    assert str(row.pk) not in (response.resume_token, response.reference, str(response.pk))
    assert "We have your email address" in client.get(done).content.decode()
    assert client.post(box, {"email": "second@example.org"}).status_code == 302  # the same session: no second one
    assert HearBackAddress.objects.count() == 1


def test_a_wrong_address_shows_the_box_again_with_a_clear_message(world, client):
    _response, _done, box = anonymous_done(world)

    result = client.post(box, {"email": "not an address"})

    assert result.status_code == 400
    assert "Enter an email address in the right format" in result.content.decode()
    assert not HearBackAddress.objects.exists()


def test_the_address_is_used_once_when_the_loop_closes_then_deleted(world, client,
                                                                    django_capture_on_commit_callbacks):
    _response, _done, box = anonymous_done(world)
    client.post(box, {"email": "someone@example.org"})

    decide(world, django_capture_on_commit_callbacks)  # cites the consultation: the loop closes
    statement = ResponseStatement.objects.get(theme=world["theme"])
    with django_capture_on_commit_callbacks(execute=True):
        analysis_services.statement_publish(statement=statement, user=UserFactory(is_superuser=True))

    to_address = [m for m in mail.outbox if m.to == ["someone@example.org"]]
    assert len(to_address) == 1
    assert "We have now deleted your address" in to_address[0].body
    assert not HearBackAddress.objects.exists()


def test_an_address_whose_loop_never_closed_is_deleted_a_year_after_the_consultation_closed(home_page, settings):
    page = make_consultation(title="Old question", opens_at=timezone.now() - timedelta(days=40),
                             closes_at=timezone.now() - timedelta(days=30))
    HearBackAddress.objects.create(consultation_id=page.pk, email="someone@example.org")
    assert retention_apply()["unused_hear_back_addresses"] == 0
    later = timezone.now() + timedelta(days=settings.PORTAL_HEAR_BACK_ADDRESS_DAYS)
    assert retention_apply(now=later)["unused_hear_back_addresses"] == 1
    assert not HearBackAddress.objects.exists()
