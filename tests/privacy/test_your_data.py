"""The "Your data" page: plain words, grouped as a person thinks, only the person's own data; its PDF,
the file for computers, and withdrawn answers deleted after PORTAL_WITHDRAWN_RESPONSE_DAYS days."""

import subprocess
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultations.models import Answer, Identity, Response
from consultations.services import response_withdraw
from portal.accounts.services import user_sign_up
from portal.audit.models import ActorPseudonym, AuditEvent
from portal.jobs.models import OutboxMessage
from portal.jobs.services import outbox_enqueue
from portal.privacy.erasure import SELF, person_erase
from portal.privacy.models import ConsentRecord
from portal.privacy.retention import RETENTION_ACTION, retention_apply
from tests.consultations.factories import make_consultation
from voting.models import Ballot, BallotOption
from voting.services import ballot_open, vote_cast

from .world import EMAIL, KINDS, NAME, PASSWORD, answer, build_world

pytestmark = pytest.mark.django_db

HEADINGS = ["My account", "What I answered", "How I voted", "Meetings I was part of", "What I agreed to",
            "What we sent you"]
SECRET_OPTIONS = ["Marigold Thistlewaite", "Osric Pennyfeather"]


def your_data(client) -> str:
    response = client.get(reverse("privacy:my-data"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return response.content.decode()


def secret_election(world, title="Peer lead election"):
    """A secret ballot with names found nowhere else, in which the person votes for the first one."""
    now = timezone.now()
    ballot = Ballot.objects.create(title=title, kind=Ballot.Kind.SINGLE, body=world.council, secret=True,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    options = [BallotOption.objects.create(ballot=ballot, label=label, order=n) for n, label in enumerate(SECRET_OPTIONS)]
    ballot_open(ballot=ballot, user=None)
    vote_cast(ballot=ballot, user=world.person, choices=[options[0].pk])
    return ballot


@pytest.fixture
def world(client, home_page):
    return build_world(client)


def test_the_page_says_what_we_hold_in_plain_words(client, world):
    client.force_login(world.person)
    page = your_data(client)
    for heading in HEADINGS:
        assert f">{heading}</h2>" in page
    assert NAME in page and EMAIL in page
    # What I answered: each consultation, where it stands, and the answers as typed.
    assert world.named_response.consultation.title in page and "Sent on " in page
    assert f"I am {NAME} (" in page and "Saved but not sent." in page
    assert "You typed in answers for someone else" in page
    # How I voted: the open ballot's choice; the secret one only that they voted.
    assert "You voted in “Open on Thursdays”. This was an open (named) ballot." in page
    assert "You voted in “Council chair”." in page and "we cannot see how you voted" in page
    # Meetings, and what they agreed to, with the words and the version.
    assert "Service User Council" in page and "You are still in this group." in page
    assert "Your contact choices" in page and "contact-2026-1" in page and "lived-experience-2026-1" in page
    assert "We delete withdrawn answers after 30 days." in page
    assert "Download as PDF" in page and "Download as a file for computers (JSON)" in page


def test_no_hashes_or_pseudonyms_on_the_page(client, world):
    client.force_login(world.person)
    page = your_data(client)
    key = ActorPseudonym.objects.get(user=world.person).key
    hashes = list(AuditEvent.objects.values_list("hash", flat=True))
    hashes += list(ConsentRecord.objects.filter(person=world.person).values_list("wording_hash", flat=True))
    assert key not in page and not [h for h in hashes if h in page]
    assert "Technical details" in page  # where they are explained, not shown


def test_a_secret_vote_shows_only_that_the_person_voted(client, world):
    secret_election(world)
    client.force_login(world.person)
    page = your_data(client)
    assert "You voted in “Peer lead election”." in page
    assert not [label for label in SECRET_OPTIONS if label in page]
    pdf = client.get(reverse("privacy:my-data-pdf"))
    text = pdf_text(pdf.content)
    assert "You voted in “Peer lead election”." in text
    assert not [label for label in SECRET_OPTIONS if label in text]


def test_another_persons_data_never_shows(client, world):
    other = user_sign_up(email="rowan.other@example.org", display_name="Rowan Otherby", password=PASSWORD)
    theirs = answer(world.pages[0], other, named=True, text="Rowan's own private words")
    client.force_login(world.person)
    page = your_data(client)
    assert "Rowan" not in page and "rowan.other@example.org" not in page
    client.force_login(other)
    page = your_data(client)
    assert "Rowan&#x27;s own private words" in page and theirs.consultation.title in page
    assert NAME not in page and EMAIL not in page and "evening group" not in page
    assert "Open on Thursdays" not in page and "Service User Council" not in page


def test_someone_who_was_emailed_sees_what_allowed_it_and_what_we_sent(client, home_page):
    person = user_sign_up(email="sam.new@example.org", display_name="Sam", password=PASSWORD)
    page = make_consultation(kinds=KINDS, identity=Identity.NAMED)
    response = answer(page, person)  # sending queues a receipt email
    assert OutboxMessage.objects.filter(job="consultations.send_receipt_email").exists()
    outbox_enqueue(job="accounts.send_password_reset", payload={"user_id": person.pk})
    client.force_login(person)
    shown = your_data(client)
    assert f"We received your answers: {page.title}" in shown and "Reset your password" in shown
    # No topic was ticked, so no consent record; the choice that allowed these emails is shown instead.
    assert not ConsentRecord.objects.filter(person=person).exists()
    agreed = shown.split(">What I agreed to</h2>")[1].split("</section>")[0]
    assert "How we may contact you" in agreed and "Email" in agreed and "a receipt when you send answers" in agreed
    assert response.reference not in shown


def test_the_page_takes_the_same_number_of_queries_however_much_there_is(client, world):
    """Each kind of email costs one query to name (there are a dozen kinds), so both counts have the same kinds."""
    outbox_enqueue(job="accounts.send_password_reset", payload={"user_id": world.person.pk})
    client.force_login(world.person)
    your_data(client)  # the first visit also makes Wagtail's own profile for the person
    with CaptureQueriesContext(connection) as first:
        your_data(client)
    secret_election(world, "Second election")
    answer(make_consultation(kinds=KINDS, identity=Identity.NAMED), world.person)
    outbox_enqueue(job="accounts.send_password_reset", payload={"user_id": world.person.pk})
    your_data(client)  # a new page clears the site's caches of page addresses; fill them again
    with CaptureQueriesContext(connection) as second:
        your_data(client)
    kinds = set(OutboxMessage.objects.values_list("job", flat=True))
    assert len(second) == len(first) <= 32, kinds  # 2 of them for involvement payments


def pdf_text(content: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()


def test_the_pdf_is_the_same_page_to_keep(client, world):
    client.force_login(world.person)
    response = client.get(reverse("privacy:my-data-pdf"))
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith('attachment; filename="your-data-')
    text = " ".join(pdf_text(response.content).split())
    for heading in HEADINGS:
        assert heading in text
    assert NAME in text and "You voted in “Council chair”." in text


def test_the_file_for_computers_is_still_made_from_the_page(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.person)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("privacy:my-data"))
    assert started.status_code == 302 and started.url.startswith("/jobs/")


# --- withdrawn answers ---------------------------------------------------------------------------------
def withdrawn(person, text="Something I took back"):
    page = make_consultation(kinds=KINDS, identity=Identity.NAMED)
    response = answer(page, person, text=text)
    return response_withdraw(response=response, user=person)


def held(response) -> dict:
    response.refresh_from_db()
    return {
        "answers": Answer.objects.filter(response=response).count(),
        "typed": bool(response.draft), "respondent": response.respondent_id,
        "history": Response.history.filter(id=response.pk).count(), "lived_experience": response.lived_experience,
    }


def test_withdrawn_answers_are_deleted_after_the_period_and_only_then(client, home_page, service_user):
    response = withdrawn(service_user)
    client.force_login(service_user)
    page = your_data(client)
    assert "You withdrew it on" in page and "Something I took back" in page
    assert retention_apply(now=timezone.now() + timedelta(days=29))["withdrawn_responses"] == 0
    assert held(response)["answers"] == 2 and held(response)["typed"]
    assert retention_apply(now=timezone.now() + timedelta(days=31))["withdrawn_responses"] == 1
    assert held(response) == {"answers": 0, "typed": False, "respondent": None, "history": 0, "lived_experience": ""}
    # A bare row is left so "how many were withdrawn" stays true; the words are gone from the database.
    assert Response.objects.filter(pk=response.pk, status=Response.Status.WITHDRAWN).exists()
    assert not Answer.objects.filter(text="Something I took back").exists()
    assert "Something I took back" not in your_data(client)
    event = AuditEvent.objects.get(action=RETENTION_ACTION)
    assert event.data["deleted"] == {"withdrawn_responses": 1}


def test_deleting_withdrawn_answers_twice_changes_nothing(home_page, service_user):
    response = withdrawn(service_user)
    later = timezone.now() + timedelta(days=31)
    retention_apply(now=later)
    assert retention_apply(now=later)["withdrawn_responses"] == 0
    assert retention_apply(now=later + timedelta(days=400))["withdrawn_responses"] == 0
    assert AuditEvent.objects.filter(action=RETENTION_ACTION).count() == 1
    assert held(response)["answers"] == 0


def test_sent_answers_and_drafts_are_never_touched(home_page, service_user, user_factory):
    page = make_consultation(kinds=KINDS, identity=Identity.NAMED)
    sent = answer(page, service_user)
    draft = answer(make_consultation(kinds=KINDS, identity=Identity.NAMED), service_user, submit=False)
    retention_apply(now=timezone.now() + timedelta(days=400))
    assert held(sent)["answers"] == 2 and held(sent)["respondent"] == service_user.pk
    assert held(draft)["typed"] and held(draft)["respondent"] == service_user.pk


def test_an_erased_persons_withdrawn_answers_go_after_the_period_too(home_page, service_user):
    response = withdrawn(service_user, text=f"Words of {uuid.uuid4().hex[:6]}")
    person_erase(person=service_user, channel=SELF)
    assert held(response)["answers"] == 2  # erasure keeps answers (anonymous) ...
    retention_apply(now=timezone.now() + timedelta(days=31))
    assert held(response)["answers"] == 0 and not held(response)["typed"]  # ... but withdrawn ones still go


def test_the_withdraw_page_says_when_answers_are_deleted(client, home_page, service_user, settings):
    settings.PORTAL_WITHDRAWN_RESPONSE_DAYS = 14
    page = make_consultation(kinds=KINDS, identity=Identity.NAMED)
    response = answer(page, service_user)
    client.force_login(service_user)
    shown = client.get(f"{page.url}respond/{response.resume_token}/withdraw/").content.decode()
    assert "We delete withdrawn answers after 14 days." in shown
    assert "We delete withdrawn answers after 14 days." in your_data(client)
