"""The privacy app's own "My data" sections: consents, lived experience, the person's ledger events,
sign-in records and what they did in the content admin."""

from django.apps import apps
from wagtail.models import ModelLogEntry, PageLogEntry

from portal.accounts.data_export import register_section
from portal.audit.models import ActorPseudonym, AuditEvent

from .consent import wording_for
from .models import ConsentRecord, LivedExperienceDeclaration


def _when(value) -> str | None:
    return value.isoformat() if value else None


def consents_of(user) -> list[dict]:
    """Every consent the person gave, with the words they agreed to and whether it still stands."""
    rows = []
    for record in ConsentRecord.objects.filter(person=user).order_by("given_at", "pk"):
        wording = wording_for(record)
        rows.append({
            "kind": record.kind, "wording_version": record.wording_version, "wording_sha256": record.wording_hash,
            "wording": wording.text if wording else None, "given_at": _when(record.given_at),
            "withdrawn_at": _when(record.withdrawn_at),
        })
    return rows


def lived_experience_of(user) -> dict | None:
    declaration = LivedExperienceDeclaration.objects.filter(person=user).first()
    if declaration is None:
        return None
    return {"answer": declaration.get_answer_display(), "declared_at": _when(declaration.declared_at)}


def audit_events_of(user) -> list[dict]:
    """Ledger events where the person is the actor, found through their pseudonym key."""
    key = ActorPseudonym.objects.filter(user=user).values_list("key", flat=True).first()
    if not key:
        return []
    events = AuditEvent.objects.filter(actor_key=key).order_by("id").values(
        "id", "occurred_at", "action", "target_type", "target_id", "data", "hash"
    )
    return [{**event, "occurred_at": _when(event["occurred_at"])} for event in events.iterator(chunk_size=2000)]


def sign_in_records_of(user) -> list[dict]:
    """Sign-ins and failed attempts kept by django-axes under the person's email address."""
    rows = []
    for label, kind in (("axes.AccessLog", "signed in"), ("axes.AccessAttempt", "failed attempts"),
                        ("axes.AccessFailureLog", "failed attempt")):
        model = apps.get_model(label)
        for entry in model.objects.filter(username__iexact=user.email).order_by("attempt_time"):
            rows.append({"kind": kind, "at": _when(entry.attempt_time), "ip_address": entry.ip_address,
                         "browser": entry.user_agent})
    return rows


def content_activity_of(user) -> list[dict]:
    """What the person did in the content admin, from Wagtail's own logs."""
    rows = []
    for model in (PageLogEntry, ModelLogEntry):
        for entry in model.objects.filter(user=user).order_by("timestamp"):
            rows.append({"action": entry.action, "object": entry.label, "at": _when(entry.timestamp)})
    return sorted(rows, key=lambda row: row["at"])


def register() -> None:
    register_section("consents", consents_of)
    register_section("lived_experience", lived_experience_of)
    register_section("audit_events", audit_events_of)
    register_section("sign_in_records", sign_in_records_of)
    register_section("content_activity", content_activity_of)
