"""Reads of the audit ledger: its head, and a full walk that proves the chain is unbroken."""

from dataclasses import dataclass

from django.db.models import Count, Window

from .hashing import compute_hash
from .models import AuditEvent

# Rows fetched per round trip while walking; memory stays flat however long the ledger grows.
_CHUNK_SIZE = 2000


@dataclass(frozen=True)
class VerifyResult:
    """What a walk of the chain found.

    `count` and `head_hash` describe the intact part: every event when `ok`, otherwise the events
    before `first_bad_id` (the genesis hash when there are none). `reason` is plain English.
    """

    ok: bool
    count: int
    head_hash: str
    first_bad_id: int | None = None
    reason: str = ""


def audit_head() -> tuple[int, str]:
    """(number of events, hash of the newest event); (0, genesis hash) for an empty ledger.

    One query, so the count and the head always come from the same snapshot.
    """
    newest = (
        AuditEvent.objects.annotate(total=Window(expression=Count("id")))
        .order_by("-id")
        .values_list("total", "hash")
        .first()
    )
    return newest or (0, AuditEvent.GENESIS_HASH)


def audit_verify(*, published_head: str | None = None) -> VerifyResult:
    """Walk every event in id order and name the first one that breaks the chain.

    Each event must point at the hash of the event before it (the genesis hash for the first) and
    must hash to its own stored hash. An edited event fails the second check; a deleted, moved or
    swapped event makes the next one fail the first. Deleting the newest events leaves a shorter but
    valid chain, which only a published checkpoint reveals: pass `published_head` to require that
    hash to appear in the chain.
    """
    count, prev_id, prev_hash = 0, None, AuditEvent.GENESIS_HASH
    seen_published = published_head is None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=_CHUNK_SIZE):
        reason = _break_reason(event, prev_id, prev_hash)
        if reason:
            return VerifyResult(
                ok=False, count=count, head_hash=prev_hash, first_bad_id=event.pk, reason=reason
            )
        count, prev_id, prev_hash = count + 1, event.pk, event.hash
        seen_published = seen_published or event.hash == published_head
    if not seen_published:
        reason = (
            f"the published head hash {published_head} is not in the chain, "
            "so the ledger was rewritten or its newest events were removed"
        )
        return VerifyResult(ok=False, count=count, head_hash=prev_hash, reason=reason)
    return VerifyResult(ok=True, count=count, head_hash=prev_hash)


def _break_reason(event: AuditEvent, prev_id: int | None, prev_hash: str) -> str:
    if event.prev_hash != prev_hash:
        if prev_id is None:
            return (
                "it is the first event but does not follow the genesis hash, "
                "so an earlier event was deleted or this one was changed"
            )
        return (
            f"its prev_hash does not match the hash of event {prev_id} before it, "
            "so an event between them was deleted or moved, or this one was changed"
        )
    if compute_hash(event.prev_hash, event) != event.hash:
        return "its content does not match its hash, so it was changed after it was written"
    return ""
