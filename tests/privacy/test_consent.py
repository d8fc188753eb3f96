"""Consent: each one is a record with the wording's version and hash; withdrawing it stops what relied on it."""

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from consultations.forms import AssistedForm
from consultations.models import Response
from consultations.services import response_start
from portal.accounts import roles
from portal.accounts.models import Profile
from portal.accounts.services import profile_update
from portal.audit.models import AuditEvent
from portal.jobs.services import outbox_enqueue, outbox_run
from portal.privacy.consent import Kind, current_wording
from portal.privacy.models import ConsentRecord, LivedExperienceDeclaration
from portal.privacy.services import consent_withdraw
from tests.consultations.factories import make_consultation

pytestmark = pytest.mark.django_db

PREFERENCES = {"easy_read_first": False, "larger_text": False, "contact_method": "email",
               "contact_about_consultations": True, "contact_about_meetings": False}


def ask_for_emails(user, **changes):
    profile_update(user=user, display_name=user.display_name, preferences={**PREFERENCES, **changes})


def test_asking_for_emails_records_contact_consent_with_the_wordings_version_and_hash(service_user):
    ask_for_emails(service_user)
    record = ConsentRecord.objects.get(person=service_user, kind=Kind.CONTACT)
    wording = current_wording(Kind.CONTACT)
    assert (record.wording_version, record.wording_hash, record.withdrawn_at) == (wording.version, wording.hash, None)
    assert AuditEvent.objects.filter(action="privacy.consent_given", data={"kind": "contact"}).count() == 1
    ask_for_emails(service_user)  # saving again changes nothing
    assert ConsentRecord.objects.filter(person=service_user).count() == 1


def test_unticking_both_topics_withdraws_contact_consent(service_user):
    ask_for_emails(service_user)
    ask_for_emails(service_user, contact_about_consultations=False)
    assert ConsentRecord.objects.get(person=service_user).withdrawn_at is not None


def queue_opened_email(user):
    page = make_consultation()
    return outbox_enqueue(job="consultations.send_opened_email", payload={"page_id": page.pk, "user_id": user.pk})


def test_a_queued_email_is_sent_while_contact_consent_stands(home_page, service_user):
    ask_for_emails(service_user)
    message = queue_opened_email(service_user)
    assert outbox_run(message_id=message.pk) == "done"
    assert [m.to for m in mail.outbox] == [[service_user.email]]


def test_withdrawing_contact_consent_stops_an_email_already_queued(home_page, service_user):
    ask_for_emails(service_user)
    message = queue_opened_email(service_user)
    consent_withdraw(record=ConsentRecord.objects.get(person=service_user), user=service_user)
    assert outbox_run(message_id=message.pk) == "done"
    assert mail.outbox == []
    profile = Profile.objects.get(user=service_user)
    assert profile.contact_method == Profile.ContactMethod.NONE and not profile.contact_about_consultations


def test_the_consents_page_lists_and_withdraws_only_your_own(client, service_user, user_factory):
    ask_for_emails(service_user)
    other = user_factory()
    ask_for_emails(other)
    client.force_login(service_user)
    page = client.get(reverse("privacy:consents"))
    assert current_wording(Kind.CONTACT).text in page.content.decode()
    theirs = ConsentRecord.objects.get(person=other)
    assert client.post(reverse("privacy:consent-withdraw", args=[theirs.pk])).status_code == 404
    mine = ConsentRecord.objects.get(person=service_user)
    response = client.post(reverse("privacy:consent-withdraw", args=[mine.pk]), follow=True)
    assert "We will not email you any more" in response.content.decode()
    assert ConsentRecord.objects.get(pk=mine.pk).withdrawn_at and ConsentRecord.objects.get(pk=theirs.pk).active


def test_an_assisted_response_records_the_persons_consent_to_the_tick_box_wording(home_page, user_factory):
    peer = user_factory(roles=[roles.PEER_WORKERS])
    page = make_consultation()
    response = response_start(
        consultation=page, user=peer, idempotency_key=uuid.uuid4().hex, origin=Response.Origin.ASSISTED,
        consent_statement="Jo asked me to type for her.",
    )
    record = ConsentRecord.objects.get(kind=Kind.ASSISTED_ENTRY)
    assert (record.subject_type, record.subject_id, record.recorded_by, record.person) == (
        "consultations.response", str(response.pk), peer, None,
    )
    assert AssistedForm.base_fields["consent_confirmed"].label == current_wording(Kind.ASSISTED_ENTRY).text


def test_a_lived_experience_answer_is_kept_with_consent_and_deleted_when_it_is_withdrawn(client, service_user):
    client.force_login(service_user)
    url = reverse("privacy:lived-experience")
    refused = client.post(url, {"answer": "yes"})
    assert refused.status_code == 400 and "Tick the box" in refused.content.decode()
    assert client.post(url, {"answer": "yes", "consent": "on"}).status_code == 302
    assert LivedExperienceDeclaration.objects.get(person=service_user).answer == "yes"
    record = ConsentRecord.objects.get(person=service_user, kind=Kind.LIVED_EXPERIENCE)
    assert not AuditEvent.objects.filter(data__answer="yes").exists()  # the ledger never holds the answer
    client.post(reverse("privacy:consent-withdraw", args=[record.pk]))
    assert not LivedExperienceDeclaration.objects.filter(person=service_user).exists()
