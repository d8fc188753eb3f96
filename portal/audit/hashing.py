"""How a ledger row is turned into the text that is hashed. Shared by the writer and the verifier."""

import hashlib
import json
from datetime import UTC

from .models import AuditEvent


def canonical_json(event: AuditEvent) -> str:
    """The exact text that is hashed for a row: sorted keys, no spaces, UTC time in ISO 8601.

    The row's id is left out on purpose: the chain, not the id, fixes each row's place.
    """
    body = {
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
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
