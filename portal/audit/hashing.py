"""How a ledger row is turned into the text that is hashed. Shared by the writer and the verifier."""

import hashlib
import json
from datetime import UTC

from .models import AuditEvent

_string = json.encoder.encode_basestring  # json.dumps(text, ensure_ascii=False) for a str, in C
_data = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def canonical_data(data) -> str:
    """`data` as it appears inside the hashed text; stored beside the row as `data_text`."""
    return _data(data)


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


def fast_hash(prev_hash: str, occurred_at: str, actor_key: str, action: str, target_type: str, target_id: str,
              data_text: str) -> str:
    """`compute_hash` for the verifier's walk: the same text, written out key by key in canonical_json's
    sorted order with the json module's C encoders (tests pin that they agree). `occurred_at` is already
    the UTC ISO 8601 text and `data_text` the payload's `canonical_data`."""
    text = "".join((
        prev_hash, '{"action":', _string(action), ',"actor_key":', _string(actor_key), ',"data":', data_text,
        ',"occurred_at":"', occurred_at, '","target_id":', _string(target_id),
        ',"target_type":', _string(target_type), "}",
    ))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
