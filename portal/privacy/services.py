"""Writes about consent and lived-experience declarations: validate, save in a transaction, audit.

Contact consent and the contact preferences on the account page are one choice seen two ways: the
profile says what the person wants now (and every email job re-reads it when it sends), the consent
record is the evidence of the words they agreed to and when. They change together, in one transaction.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Profile, User
from portal.audit.services import audit_record
from portal.jobs.long_jobs import long_job_start

from .consent import Kind, current_wording
from .models import ConsentRecord, LivedExperienceDeclaration

EMAIL = Profile.ContactMethod.EMAIL


def _active(person: User, kind: str):
    return ConsentRecord.objects.filter(person=person, kind=kind, withdrawn_at__isnull=True)


def consent_give(*, person: User, kind: str) -> ConsentRecord:
    """Record `person`'s consent of `kind` under the current wording; an active one is returned as is."""
    existing = _active(person, kind).first()
    if existing is not None:
        return existing
    wording = current_wording(kind)
    record = ConsentRecord.objects.create(
        kind=kind, person=person, wording_version=wording.version, wording_hash=wording.hash
    )
    audit_record(actor=person, action="privacy.consent_given", target=record, data={"kind": kind})
    return record


@transaction.atomic
def consent_withdraw(*, record: ConsentRecord, user: User) -> ConsentRecord:
    """Withdraw a consent and stop everything that relied on it, in one transaction.

    Contact: the profile is set to "Please do not contact me" with both topics unticked; queued emails
    are not deleted, but every email job re-reads the profile when it sends, so none goes out.
    Lived experience: the declaration itself is deleted. Withdrawing twice changes nothing.
    """
    if record.person_id != user.pk:
        raise PermissionDenied("You can only change your own consent.")
    record = ConsentRecord.objects.select_for_update().get(pk=record.pk)
    if record.withdrawn_at is not None:
        return record
    record.withdrawn_at = timezone.now()
    record.save(update_fields=["withdrawn_at"])
    if record.kind == Kind.CONTACT:
        Profile.objects.update_or_create(
            user=user,
            defaults={
                "contact_method": Profile.ContactMethod.NONE,
                "contact_about_consultations": False,
                "contact_about_meetings": False,
            },
        )
    elif record.kind == Kind.LIVED_EXPERIENCE:
        LivedExperienceDeclaration.objects.filter(person=user).delete()
    audit_record(actor=user, action="privacy.consent_withdrawn", target=record, data={"kind": record.kind})
    return record


def wants_contact(profile: Profile) -> bool:
    """Whether the profile's choices amount to consent to be emailed about consultations or meetings."""
    return profile.contact_method == EMAIL and (
        profile.contact_about_consultations or profile.contact_about_meetings
    )


@transaction.atomic
def consent_sync_contact(*, person: User, profile: Profile) -> ConsentRecord | None:
    """Bring the contact consent in line with the profile just saved: give it when the person now asks
    for emails, withdraw it when they no longer do. Returns the active record, if any."""
    active = _active(person, Kind.CONTACT).first()
    if wants_contact(profile):
        return active or consent_give(person=person, kind=Kind.CONTACT)
    if active is not None:
        active.withdrawn_at = timezone.now()
        active.save(update_fields=["withdrawn_at"])
        audit_record(actor=person, action="privacy.consent_withdrawn", target=active, data={"kind": Kind.CONTACT})
    return None


def consent_record_assisted(*, subject_type: str, subject_id, recorded_by: User) -> ConsentRecord:
    """Record that the person a peer worker helps agreed to the assisted-entry wording.

    The person usually has no account, so the record names what it is about (the response) instead;
    the peer worker's own description of the consent stays with the response. Called inside the
    caller's transaction, so the response and its consent are written together or not at all.
    """
    wording = current_wording(Kind.ASSISTED_ENTRY)
    return ConsentRecord.objects.create(
        kind=Kind.ASSISTED_ENTRY, subject_type=subject_type, subject_id=str(subject_id),
        wording_version=wording.version, wording_hash=wording.hash, recorded_by=recorded_by,
    )


@transaction.atomic
def lived_experience_declare(*, person: User, answer: str) -> LivedExperienceDeclaration:
    """Keep (or change) a person's own lived-experience answer, with their consent to keep it.

    The ledger records that a declaration was made, never the answer.
    """
    if answer not in LivedExperienceDeclaration.Answer.values:
        raise ValueError("Choose one of the answers.")
    consent_give(person=person, kind=Kind.LIVED_EXPERIENCE)
    declaration, _ = LivedExperienceDeclaration.objects.update_or_create(
        person=person, defaults={"answer": answer, "declared_at": timezone.now()}
    )
    audit_record(actor=person, action="privacy.lived_experience_declared", target=person)
    return declaration


@transaction.atomic
def my_data_request(*, person: User):
    """Start the person's "My data" file as a long job; the ledger records the request (ids only)."""
    job = long_job_start(kind="privacy.my_data", user=person)
    audit_record(actor=person, action="privacy.data_export_requested", target=person, data={"job": str(job.pk)})
    return job
