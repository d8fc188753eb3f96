"""Writes to the audit ledger. `audit_record` is the only way a row is ever added."""

import hashlib
import json
from datetime import timezone as dt_timezone
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from .models import ActorPseudonym, AuditEvent

# Any constant works; it names the PostgreSQL advisory lock that serialises appends.
_LEDGER_LOCK_ID = 7_305_514_211
_MAX_ATTEMPTS = 20


def canonical_json(event: AuditEvent) -> str:
    """The exact text that is hashed for a row: sorted keys, no spaces, UTC time in ISO 8601."""
    body = {
        "occurred_at": event.occurred_at.astimezone(dt_timezone.utc).isoformat(),
        "actor_key": event.actor_key,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    """sha256(prev_hash + canonical JSON of the row), as lowercase hex."""
    return hashlib.sha256((prev_hash + canonical_json(event)).encode("utf-8")).hexdigest()


def actor_key_for(user) -> str:
    """The pseudonym that stands for `user` in the ledger, created on first use; '' for no one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    pseudonym, _ = ActorPseudonym.objects.get_or_create(user=user)
    return pseudonym.key


def _target_parts(target: Model | tuple[str, Any] | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return str(target[0]), str(target[1])
    return target._meta.label_lower, str(target.pk)


def audit_record(*, actor, action: str, target: Model | tuple[str, Any] | None = None, data: dict | None = None) -> AuditEvent:
    """Append one event to the ledger and return it.

    Invariant: the ledger is one unbroken chain. Appends are serialised (a PostgreSQL advisory lock
    held to the end of the transaction; elsewhere the unique `prev_hash` constraint refuses a fork and
    the append is retried on the new head). `data` must hold ids and codes only, never personal data.
    """
    target_type, target_id = _target_parts(target)
    actor_key = actor_key_for(actor)
    for _attempt in range(_MAX_ATTEMPTS):
        try:
            with transaction.atomic():
                return _append(actor_key, action, target_type, target_id, data or {})
        except IntegrityError:
            continue
    raise RuntimeError("The audit ledger is too busy to append right now; please try again.")


def _append(actor_key: str, action: str, target_type: str, target_id: str, data: dict) -> AuditEvent:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LEDGER_LOCK_ID])
    head = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_key=actor_key,
        action=action,
        target_type=target_type,
        target_id=target_id,
        data=data,
        prev_hash=head or AuditEvent.GENESIS_HASH,
    )
    event.hash = compute_hash(event.prev_hash, event)
    event.save(force_insert=True)
    return event
