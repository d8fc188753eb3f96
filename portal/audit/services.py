"""Writes to the audit ledger. `audit_record` is the only way a row is ever added."""

import functools
import json
import logging
from contextlib import contextmanager
from datetime import date
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from simple_history.models import HistoricalRecords
from wagtail.models import Page

from portal.home.page_cache import page_cache_clear

from . import permissions, signing
from .hashing import canonical_data, canonical_json, compute_hash
from .jobs import checkpoint_sent_enqueue
from .ledger_sql import LEDGER_LOCK_ID
from .models import ActorPseudonym, AuditEvent, CheckpointPublication
from .pages import page_quotes
from .selectors import CHECKPOINT_ACTION, VerifyResult, audit_head, audit_verify

__all__ = [
    "AuditChainBroken",
    "actor_key_for",
    "audit_checkpoint",
    "audit_checkpoint_monthly",
    "audit_record",
    "canonical_json",
    "changes_by",
    "changes_by_user",
    "checkpoint_publication_record",
    "compute_hash",
]

logger = logging.getLogger(__name__)

_MAX_ATTEMPTS = 20
_NO_REQUEST = object()
CHECKPOINT_REFUSED_ACTION = "audit.checkpoint_refused"
CHECKPOINT_PUBLISHED_ACTION = "audit.checkpoint_published"


class AuditChainBroken(Exception):
    """The ledger failed verification; `result` says where and why."""

    def __init__(self, result: VerifyResult):
        super().__init__(f"The audit ledger is broken at event {result.first_bad_id}: {result.reason}.")
        self.result = result


def actor_key_for(user) -> str:
    """The pseudonym that stands for `user` in the ledger, created on first use; '' for no one."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    with connection.cursor() as cursor:  # every append asks; a plain query costs a fifth of the ORM's
        cursor.execute(_PSEUDONYM_KEY, [user.pk])
        row = cursor.fetchone()
    if row:
        return row[0]
    pseudonym, _ = ActorPseudonym.objects.get_or_create(user=user)
    return pseudonym.key


_PSEUDONYM_KEY = f"SELECT key FROM {ActorPseudonym._meta.db_table} WHERE user_id = %s"  # nosec B608 - constant table name


def _target_parts(target: Model | tuple[str, Any] | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return str(target[0]), str(target[1])
    return target._meta.label_lower, str(target.pk)


def audit_record(
    *, actor, action: str, target: Model | tuple[str, Any] | None = None, data: dict | None = None
) -> AuditEvent:
    """Append one event to the ledger and return it, as stored.

    Invariant: the ledger is one unbroken chain. Appends are serialised (a PostgreSQL advisory lock
    held to the end of the transaction; elsewhere the unique `prev_hash` constraint refuses a fork and
    the append is retried on the new head). `data` must hold ids and codes only, never personal data;
    UUIDs, dates and decimals in it are stored as strings.
    """
    target_type, target_id = _target_parts(target)
    actor_key = actor_key_for(actor)
    payload = _json_normalised(data or {})
    for _attempt in range(_MAX_ATTEMPTS):
        try:
            with transaction.atomic():
                return _append(actor_key, action, target_type, target_id, payload)
        except IntegrityError:
            continue
    raise RuntimeError("The audit ledger is too busy to append right now; please try again.")


@contextmanager
def changes_by(user):
    """Inside, django-simple-history names `user` as the person who changed each record (nobody, "the
    system", when `user` is None), whatever request is being served.

    A service names its `user` as the actor of its ledger event; without this its history rows would
    name whoever the current request belongs to, or nobody in a background job, a command or the demo
    seed. simple-history reads only `request.user`, so a stand-in request carries the user; the request
    in force before (the real one, in a page) is put back afterwards.
    """
    context = HistoricalRecords.context
    before = getattr(context, "request", _NO_REQUEST)
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if before is _NO_REQUEST:
            del context.request
        else:
            context.request = before


def changes_by_user(service):
    """For a service called with `user=`: the history rows it writes name that user, as its ledger
    event does (see `changes_by`)."""

    @functools.wraps(service)
    def credited(*args, **kwargs):
        with changes_by(kwargs.get("user")):
            return service(*args, **kwargs)

    return credited


def audit_checkpoint(*, actor=None, period: str = "") -> AuditEvent:
    """Record an `audit.checkpoint` event holding the head hash and count just before it.

    The caller publishes those two values (in minutes, on a public page) so that a later rewrite of
    the whole chain is caught. A broken chain is refused with `AuditChainBroken`: publishing its head
    would vouch for it. The head is read under the append lock, so no event can slip in between.
    A `period` (e.g. "2026-03") is stored with the checkpoint; if a checkpoint for that period already
    exists, checked under the lock, it is returned and nothing is written.
    """
    return _checkpoint(actor=actor, period=period)[0]


def _checkpoint(*, actor, period: str) -> tuple[AuditEvent, bool]:
    result = audit_verify()
    if not result.ok:
        raise AuditChainBroken(result)
    with transaction.atomic():
        _lock_ledger()
        existing = _checkpoint_for(period)
        if existing is not None:
            return existing, False
        count, head_hash = audit_head()
        data = {"head_hash": head_hash, "count": count, **({"period": period} if period else {}),
                "key": signing.public_key(), "signature": signing.sign(count, head_hash)}
        event = audit_record(actor=actor, action=CHECKPOINT_ACTION, data=data)
        if event.prev_hash != head_hash:
            raise RuntimeError("The audit ledger moved while the checkpoint was written; please try again.")
        checkpoint_sent_enqueue(event)
        transaction.on_commit(page_cache_clear)
    return event, True


def audit_checkpoint_monthly(*, today: date) -> tuple[AuditEvent | None, bool]:
    """The scheduled checkpoint for `today`'s month: (event, True) when written now, (event, False) when
    this month's already exists, (None, False) when the chain is broken.

    Idempotent by month: the checkpoint carries `period` = "YYYY-MM" and a second run finds it (checked
    again under the append lock), so beat restarts, retries or a manual run never make two. A refusal
    is itself recorded as `audit.checkpoint_refused` naming the first bad event, and logged as an
    error, so the gap in the published checkpoints is explained in the ledger.
    """
    period = f"{today:%Y-%m}"
    existing = _checkpoint_for(period)
    if existing is not None:
        return existing, False
    try:
        return _checkpoint(actor=None, period=period)
    except AuditChainBroken as error:
        logger.error("The monthly audit checkpoint for %s was refused: %s", period, error)
        audit_record(
            actor=None, action=CHECKPOINT_REFUSED_ACTION,
            data={"period": period, "first_bad_id": error.result.first_bad_id},
        )
        return None, False


def _checkpoint_for(period: str) -> AuditEvent | None:
    if not period:
        return None
    return AuditEvent.objects.filter(action=CHECKPOINT_ACTION, data__period=period).order_by("id").first()


def checkpoint_publication_record(*, checkpoint: AuditEvent, page: Page, user) -> CheckpointPublication:
    """Record that the live `page` (usually approved minutes) quotes `checkpoint`'s head hash.

    Checked, in order: the person may record it (`can_record_checkpoint_publication`), the event is a
    checkpoint, the page is published, and the page's own text contains the full head hash, so the
    transparency page never names minutes that do not actually carry the checkpoint. Recording the same
    pair again changes nothing. The record is also written to the ledger.
    """
    if not permissions.can_record_checkpoint_publication(user, page):
        raise PermissionDenied("You cannot record where checkpoints were published.")
    if checkpoint.action != CHECKPOINT_ACTION:
        raise ValueError("That ledger event is not a checkpoint. Choose a checkpoint from the list.")
    if not page.live:
        raise ValueError("That page is not published. Record the checkpoint once the minutes are published.")
    head_hash = checkpoint.data["head_hash"]
    if not page_quotes(page, head_hash):
        raise ValueError(
            f"“{page.title}” does not contain the head hash {head_hash}. Copy the whole hash into the "
            "minutes, publish them, then record it here."
        )
    with transaction.atomic():
        publication, created = CheckpointPublication.objects.get_or_create(checkpoint=checkpoint, page=page)
        if created:
            audit_record(
                actor=user, action=CHECKPOINT_PUBLISHED_ACTION,
                target=(page.specific_class._meta.label_lower, page.pk),
                data={"checkpoint": checkpoint.pk, "head_hash": head_hash},
            )
            transaction.on_commit(page_cache_clear)
    return publication


def _json_normalised(data: dict) -> dict:
    # What JSONField will hand back after a round trip: string keys, lists for tuples, and so on.
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _lock_ledger() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LEDGER_LOCK_ID])


def _append(actor_key: str, action: str, target_type: str, target_id: str, data: dict) -> AuditEvent:
    event = AuditEvent(occurred_at=timezone.now(), actor_key=actor_key, action=action, target_type=target_type,
                       target_id=target_id, data=data, data_text=canonical_data(data))
    if connection.vendor == "postgresql":
        return _append_postgresql(event)  # takes the lock itself
    head = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
    event.prev_hash = head or AuditEvent.GENESIS_HASH
    event.hash = compute_hash(event.prev_hash, event)
    event.save(force_insert=True)
    return _as_stored(event)


def _append_postgresql(event: AuditEvent) -> AuditEvent:
    """The append on PostgreSQL in one call of `audit_append` (migration 0007): it takes the lock, reads the
    head and inserts, and hands back what was stored, so the stored form is checked with no further query.
    At about a millisecond of ORM work per query, round trips made while the lock was held were what
    capped appends per second."""
    text = canonical_json(event)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_append(%s, %s, %s, %s, %s, %s, %s, %s)",
                       [event.occurred_at, event.actor_key, event.action, event.target_type, event.target_id,
                        event.data_text, text, AuditEvent.GENESIS_HASH])
        event.pk, event.prev_hash, event.hash, stored = cursor.fetchone()
    event.data = json.loads(stored)  # as JSONField would read it back
    _refuse_if_changed_when_stored(event, compute_hash(event.prev_hash, event))
    event._state.adding, event._state.db = False, connection.alias
    return event


def _as_stored(event: AuditEvent) -> AuditEvent:
    stored = AuditEvent.objects.get(pk=event.pk)
    _refuse_if_changed_when_stored(stored, compute_hash(stored.prev_hash, stored))
    return stored


def _refuse_if_changed_when_stored(stored: AuditEvent, rehashed: str) -> None:
    # The database may store a value differently from how Python held it (PostgreSQL's jsonb writes
    # 1e+20 as 100000000000000000000). Such a row could never verify, so refuse it here instead.
    if rehashed != stored.hash:
        raise ValueError(
            f"The audit payload for {stored.action!r} changes when stored, so its hash could not be checked "
            "later. Keep audit data to ids, codes, whole numbers and short strings."
        )
