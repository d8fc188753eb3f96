"""How the ledger and the history views name the portal's own objects: accounts, ledger events and
page revisions. Registered in AuditConfig.ready, as every app above registers its own."""

from django.contrib.auth import get_user_model
from wagtail.models import Revision

from portal.dates import gov_datetime

from .models import AuditEvent
from .selectors import CHECKPOINT_ACTION
from .words import label_rows, register_event_key, register_target_label


def account_labels(ids: list[str]) -> dict[str, str]:
    """A ledger target that is an account is "a person's account": the reader learns whose from who
    acted, never from the target, which may be about their consent or lived experience."""
    return {str(pk): "a person's account" for (pk,) in label_rows(get_user_model(), ids)}


def event_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(AuditEvent, ids, "action", "occurred_at")
    return {
        str(pk): f"the checkpoint of {_when(at)}" if action == CHECKPOINT_ACTION else f"ledger event {pk}"
        for pk, action, at in rows
    }


def revision_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"the version saved on {_when(at)}" for pk, at in label_rows(Revision, ids, "created_at")}


def _when(moment) -> str:
    return gov_datetime(moment, weekday=False)


def register() -> None:
    register_target_label(get_user_model()._meta.label_lower, account_labels, kind="Account")
    register_target_label("audit.auditevent", event_labels, kind="Ledger event")
    register_target_label("wagtailcore.revision", revision_labels, kind="Saved version")
    # Payload keys holding ids the rules in words.py would not find from the event's target.
    register_event_key("checkpoint", AuditEvent)
    register_event_key("first_bad_id", AuditEvent)
    register_event_key("revision", Revision)
