"""The emails involvement sends through the outbox, and its ledger events read in words: references,
titles and amounts, never a person's name, a model label or a bare number."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from involvement import jobs, services
from involvement.models import Claim, Interest
from portal.audit.models import AuditEvent
from portal.audit.words import event_details, target_labels

from .factories import finance, make_band, make_claim, member, paid_batch, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def _confirmed(person):
    coordinator = staff()
    opportunity = services.opportunity_publish(
        user=coordinator, title="Interview panel", purpose="Choose a peer worker.", kind="interview_panel",
        starts_at=timezone.now() + datetime.timedelta(days=5), duration_minutes=90, place="Hope Centre",
        rate_band=make_band(), what_to_bring="Your glasses", support_offered="A taxi both ways")
    interest = services.interest_express(user=person, opportunity=opportunity)
    return coordinator, services.interest_confirm(user=coordinator, interest=interest)


def test_a_confirmed_place_is_emailed_with_when_where_what_to_bring_and_how_to_claim():
    person = member(display_name="Ash Person")
    _coordinator, interest = _confirmed(person)
    jobs.send_confirmed(interest_id=interest.pk, user_id=person.pk)
    message = mail.outbox[-1]
    assert message.to == [person.email] and message.subject == "Your place is confirmed: Interview panel"
    for words in ("Hope Centre", "about 90 minutes", "Your glasses", "A taxi both ways", "take a voucher",
                  f"/involvement/opportunities/{interest.opportunity_id}/", "/involvement/mine/"):
        assert words in message.body, words


def test_nothing_is_sent_once_the_place_is_withdrawn():
    person = member()
    _coordinator, interest = _confirmed(person)
    services.interest_withdraw(user=person, interest=interest)
    jobs.send_confirmed(interest_id=interest.pk, user_id=person.pk)
    assert mail.outbox == [] and Interest.objects.get().status == Interest.Status.WITHDRAWN


def test_the_question_email_says_there_is_a_question_but_not_its_words():
    person = member()
    claim = make_claim(person)
    services.claim_query(user=finance(), claim=claim, reason="Was the taxi really £80?")
    jobs.send_queried(claim_id=claim.pk, user_id=person.pk)
    message = mail.outbox[-1]
    assert claim.reference in message.subject and f"/involvement/mine/claims/{claim.pk}/" in message.body
    assert "taxi" not in message.body and "£80" not in message.body
    services.claim_answer(user=person, claim=claim, text="Yes, it was")
    jobs.send_queried(claim_id=claim.pk, user_id=person.pk)  # answered since: nothing more is sent
    assert len(mail.outbox) == 1


def test_every_involvement_event_reads_in_words_without_names():
    person = member(display_name="Morgan Quill")
    coordinator, interest = _confirmed(person)
    claim = make_claim(person, expenses=[300])
    paid_batch([claim])
    events = list(AuditEvent.objects.filter(action__startswith="involvement."))
    assert {e.action for e in events} >= {
        "involvement.rate_band_saved", "involvement.rate_added", "involvement.opportunity_published",
        "involvement.interest_expressed", "involvement.interest_confirmed", "involvement.participation_recorded",
        "involvement.claim_made", "involvement.claim_approved", "involvement.batch_made", "involvement.batch_paid"}
    labels = target_labels({(e.target_type, e.target_id) for e in events})
    details = event_details(events)
    words = " ".join(list(labels.values()) + [f"{k}: {v}" for rows in details.values() for k, v in rows])
    assert "Morgan" not in words and person.email not in words
    assert f"Claim {claim.reference}" in words and "Opportunity “Interview panel”" in words
    assert "Rate band “" in words and f"Payment batch {Claim.objects.get().batch.reference}" in words
    assert "Choice: Be paid" in words and "Status: Confirmed" in words
    assert "involvement." not in words and "rateband" not in words.lower()
    for rows in details.values():
        for key, value in rows:
            assert not (key in {"Band", "Batch", "Claim", "Participation", "Interest", "Opportunity", "Rate"}
                        and value.isdigit()), (key, value)
