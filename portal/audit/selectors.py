"""Reads of the audit ledger: its head, a full walk that proves the chain is unbroken, and checkpoints."""

import json
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import DataError, connection, transaction
from django.db.models import Count, Q, QuerySet, Window
from django.utils import timezone

from . import signing
from .hashing import canonical_data, fast_hash
from .models import ActorPseudonym, AuditEvent, CheckpointPublication

# Rows fetched per round trip while walking; memory stays flat however long the ledger grows.
_CHUNK_SIZE = 10_000
CHECKPOINT_ACTION = "audit.checkpoint"
_ROW_FIELDS = ("id", "occurred_at", "actor_key", "action", "target_type", "target_id", "data", "prev_hash", "hash",
               "data_text")

# Called as `progress(checked, total)` after each chunk; `total` is the count when the walk began.
VerifyProgress = Callable[[int, int], None]


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
    checkpoints_checked: int = 0  # checkpoints in the chain, plus saved ones given to the walk
    last_checkpoint_at: datetime | None = None  # when the newest checkpoint in the chain was made
    head_at: datetime | None = None  # when the newest event that checks out was written


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


class _Row(NamedTuple):
    """Just the columns the hash needs (a model instance per row would cost most of the walk; a frozen
    dataclass per row cost three times a named tuple, a third of a million-row walk on PostgreSQL).

    `hash_checked` rows were hashed by the database and matched (see `_HASHED_ROWS`); for them only
    the id, time, action, links and (for checkpoints) data are read.
    """

    pk: int
    occurred_at: str  # UTC, ISO 8601, exactly as the hash covers it
    actor_key: str | None
    action: str
    target_type: str | None
    target_id: str | None
    data: dict | None
    prev_hash: str
    hash: str
    hash_checked: bool = False
    data_text: str | None = None  # the payload as hashed; None when the database already checked it


# occurred_at as Python's `astimezone(UTC).isoformat()` writes it (microseconds only when not 0): the
# database formats it, which is much cheaper than loading a datetime per row and formatting it again.
_UTC_TEXT = (
    "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
    "CASE WHEN date_part('microseconds', occurred_at)::bigint %% 1000000 = 0 THEN '' "
    "ELSE to_char(occurred_at AT TIME ZONE 'UTC', '.US') END || '+00:00'"
)
_RAW_ROWS = (
    f"SELECT id, {_UTC_TEXT}, actor_key, action, target_type, target_id, data::text, prev_hash, hash, data_text "  # nosec B608 - constants only
    "FROM audit_auditevent WHERE id > %s ORDER BY id LIMIT %s"
)

# The verifier's walk on PostgreSQL: the database writes each row's canonical text (as
# `hashing.canonical_json` does: to_json escapes a string exactly as Python's json does with
# ensure_ascii=False, and `data` goes in as the stored `data_text`), hashes it, and holds `data_text`
# to `data` (equal as jsonb; it is parsed only once the hash has matched, so only text someone hashed
# on purpose can be malformed, which `audit_verify` answers by walking again in Python). No row's JSON
# is decoded or encoded. Only rows the database could not match come back whole, to be checked again
# in Python, which alone decides that a row is bad; so the database can only save work, never pass a
# row Python would fail.
_HASHED_ROWS = (
    "SELECT id, at, action, prev_hash, hash, ok, "  # nosec B608 - built from the constants above, values are parameters
    "CASE WHEN ok THEN NULL ELSE actor_key END, CASE WHEN ok THEN NULL ELSE target_type END, "
    "CASE WHEN ok THEN NULL ELSE target_id END, "
    f"CASE WHEN ok AND action <> '{CHECKPOINT_ACTION}' THEN NULL ELSE data::text END, "
    "CASE WHEN ok THEN NULL ELSE data_text END "
    "FROM (SELECT e.*, t.at, CASE WHEN encode(sha256(convert_to(e.prev_hash || '{\"action\":' || to_json(e.action)::text "
    "|| ',\"actor_key\":' || to_json(e.actor_key)::text || ',\"data\":' || e.data_text"
    " || ',\"occurred_at\":\"' || t.at || '\",\"target_id\":' || to_json(e.target_id)::text "
    "|| ',\"target_type\":' || to_json(e.target_type)::text || '}', 'UTF8')), 'hex') = e.hash "
    "THEN e.data_text::jsonb::text = e.data::text ELSE false END AS ok "
    f"FROM audit_auditevent e, LATERAL (SELECT {_UTC_TEXT.replace('occurred_at', 'e.occurred_at')}) AS t(at) "
    "WHERE e.id > %s /*bound*/ ORDER BY e.id) AS x ORDER BY id"
)
_HASHED_NEXT = _HASHED_ROWS.replace("/*bound*/ ORDER BY e.id)", "ORDER BY e.id LIMIT %s)")
_HASHED_RANGE = _HASHED_ROWS.replace("/*bound*/", "AND e.id <= %s")
# The walk on PostgreSQL hashes id ranges on this many connections at once, `_RANGE` ids each, while
# this thread checks the links; outside a transaction only (other connections cannot see inside one).
_WORKERS = 2
_RANGE = 25_000


def _hashed_row(r: tuple) -> _Row:
    return _Row(r[0], r[1], r[6], r[2], r[7], r[8], None if r[9] is None else json.loads(r[9]), r[3], r[4], r[5], r[10])


def _hashed_range(low: int, high: int) -> list[tuple]:
    """Rows with low < id <= high, hashed by the database, on this thread's own connection."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(_HASHED_RANGE, [low, high])
            return cursor.fetchall()
    finally:
        connection.close()


def _hashed_ranges() -> Iterator[list[tuple]]:
    """Every row up to today's newest id, in order, a range at a time, `_WORKERS` ranges being hashed
    at once; at most two ranges per worker wait in memory."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM audit_auditevent")
        top = cursor.fetchone()[0]
    with ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="audit-walk") as pool:
        waiting: deque[Future] = deque()
        for low in range(0, top, _RANGE):
            waiting.append(pool.submit(_hashed_range, low, min(low + _RANGE, top)))
            if len(waiting) >= 2 * _WORKERS:
                yield waiting.popleft().result()
        while waiting:
            yield waiting.popleft().result()


def _ledger_rows(chunk_size: int, *, hash_in_database: bool = False) -> Iterator[_Row]:
    # Keyset pages by id: each chunk is its own short query, so no cursor or transaction stays open
    # for the whole walk and memory holds a chunk or two, however long the ledger is.
    last_id = 0
    if connection.vendor == "postgresql":
        # Straight from the cursor (the ORM's per-row converters were a third of a million-row walk);
        # the JSON is parsed exactly as JSONField parses it.
        if hash_in_database and not connection.in_atomic_block:
            for chunk in _hashed_ranges():
                yield from map(_hashed_row, chunk)
                last_id = chunk[-1][0] if chunk else last_id
        while True:  # (on from there: events written during the walk are checked too)
            with connection.cursor() as cursor:
                if hash_in_database:
                    cursor.execute(_HASHED_NEXT, [last_id, chunk_size])
                else:
                    cursor.execute(_RAW_ROWS, [last_id, chunk_size])
                chunk = cursor.fetchall()
            if not chunk:
                return
            if hash_in_database:
                yield from map(_hashed_row, chunk)
            else:
                yield from (_Row(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6]), r[7], r[8], False, r[9])
                            for r in chunk)
            last_id = chunk[-1][0]
    while True:
        chunk = list(
            AuditEvent.objects.filter(id__gt=last_id).order_by("id").values_list(*_ROW_FIELDS)[:chunk_size]
        )
        if not chunk:
            return
        yield from (_Row(v[0], v[1].astimezone(UTC).isoformat(), *v[2:9], False, v[9]) for v in chunk)
        last_id = chunk[-1][0]


def audit_verify(
    *, published_head: str | None = None, progress: VerifyProgress | None = None, chunk_size: int = _CHUNK_SIZE,
    saved: list[dict] | None = None,
) -> VerifyResult:
    """Walk every event in id order and name the first one that breaks the chain.

    Each event must point at the hash of the event before it (the genesis hash for the first) and
    must hash to its own stored hash. An edited event fails the second check; a deleted, moved or
    swapped event makes the next one fail the first.

    Checkpoints bind the chain beyond that. Each checkpoint event in the chain must quote the count and
    head hash the chain really has at that point, signed with the portal's key: rewriting an early event
    and re-hashing everything after it is caught at the first checkpoint after the change, and a
    checkpoint rewritten to match fails its signature. `saved` checkpoints, kept outside the database
    ({"count", "head_hash"}, with "signature" when signed), must match the chain at their count: that
    catches deleted newest events, a truncated ledger, and a rewrite of the whole database, checkpoints
    included. `published_head` (older form) requires that hash to appear somewhere in the chain.

    On PostgreSQL the database hashes each row itself, id ranges on two connections at once (see
    `_HASHED_ROWS`), and only rows it could not match are hashed again here.

    The ledger is read `chunk_size` rows at a time in id order, so memory stays flat for any length;
    `progress(checked, total)` is called after every chunk (events appended during the walk are
    checked too, so `checked` may pass `total`).
    """
    saved = saved or []
    problem = _saved_problem(saved)
    if problem:
        return VerifyResult(ok=False, count=0, head_hash=AuditEvent.GENESIS_HASH, reason=problem)
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            return _walk(published_head, progress, chunk_size, saved, hash_in_database=True)
    except DataError:  # a `data_text` that is not JSON, hashed on purpose: Python's walk names its row
        return _walk(published_head, progress, chunk_size, saved, hash_in_database=False)


def _walk(published_head: str | None, progress: VerifyProgress | None, chunk_size: int, saved: list[dict], *,
          hash_in_database: bool) -> VerifyResult:
    wanted = {int(c["count"]): c for c in saved}
    total = audit_head()[0] if progress else 0
    count, prev_id, prev_hash = 0, None, AuditEvent.GENESIS_HASH
    seen_published = published_head is None
    in_chain, signed_seen, last_checkpoint_at, head_at = 0, False, None, None
    for event in _ledger_rows(chunk_size, hash_in_database=hash_in_database):
        reason = _break_reason(event, prev_id, prev_hash)
        if not reason and event.action == CHECKPOINT_ACTION:
            reason = _checkpoint_problem(event, count, prev_hash, signed_seen)
            signed_seen = signed_seen or "signature" in event.data
            in_chain, last_checkpoint_at = in_chain + 1, event.occurred_at
        if reason:
            return VerifyResult(
                ok=False, count=count, head_hash=prev_hash, first_bad_id=event.pk, reason=reason,
                checkpoints_checked=in_chain,
            )
        count, prev_id, prev_hash, head_at = count + 1, event.pk, event.hash, event.occurred_at
        seen_published = seen_published or event.hash == published_head
        if count in wanted and wanted[count]["head_hash"] != prev_hash:
            reason = (f"a saved checkpoint says the ledger had {count} events ending in {wanted[count]['head_hash']}, "
                      f"but event {event.pk}, the {count}th, has {prev_hash}: the ledger up to there was rewritten")
            return VerifyResult(ok=False, count=count, head_hash=prev_hash, first_bad_id=event.pk, reason=reason,
                                checkpoints_checked=in_chain)
        if progress and count % chunk_size == 0:
            progress(count, total)
    if progress:
        progress(count, total)
    beyond = [c for c in sorted(wanted) if c > count]
    if beyond:
        reason = (f"the ledger has {count} events but a saved checkpoint says it had {beyond[-1]}: "
                  f"events {count + 1} to {beyond[-1]} were removed")
        return VerifyResult(ok=False, count=count, head_hash=prev_hash, reason=reason, checkpoints_checked=in_chain)
    if not seen_published:
        reason = (
            f"the published head hash {published_head} is not in the chain, "
            "so the ledger was rewritten or its newest events were removed"
        )
        return VerifyResult(ok=False, count=count, head_hash=prev_hash, reason=reason)
    return VerifyResult(ok=True, count=count, head_hash=prev_hash, checkpoints_checked=in_chain + len(saved),
                        last_checkpoint_at=_moment(last_checkpoint_at), head_at=_moment(head_at))


def _moment(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def ledger_export_lines(chunk_size: int = _CHUNK_SIZE) -> Iterator[str]:
    """The ledger as JSON text, a line per event (memory flat): {"events": [...]}, oldest first, each row with
    the fields and UTC times the hash covers, so portal/audit/verify_export.py can check it alone."""
    yield '{"events": [\n'
    first = True
    for event in _ledger_rows(chunk_size):
        row = {"id": event.pk, "occurred_at": event.occurred_at, "actor_key": event.actor_key,
               "action": event.action, "target_type": event.target_type, "target_id": event.target_id,
               "data": event.data, "prev_hash": event.prev_hash, "hash": event.hash}
        yield ("" if first else ",\n") + json.dumps(row, ensure_ascii=False, sort_keys=True)
        first = False
    yield "\n]}\n"


def checkpoint_file(event: AuditEvent) -> dict:
    """A checkpoint as a file to keep outside the database (downloaded, or emailed to trustees)."""
    return {
        "what": "A signed checkpoint of the Together Voices audit ledger. Keep it: with it, anyone can check "
                "later that the ledger up to this point was not rewritten.",
        "count": event.data["count"],
        "head_hash": event.data["head_hash"],
        "signature": event.data.get("signature", ""),
        "public_key": event.data.get("key", ""),
        "checkpoint_event": event.pk,
        "made_at": event.occurred_at.astimezone(UTC).isoformat(),
        "how_to_check": "python manage.py verify_audit --checkpoint-file THIS_FILE, or "
                        "python -m portal.audit.verify_export LEDGER_EXPORT.json THIS_FILE",
    }


def _checkpoint_problem(event: _Row, count: int, prev_hash: str, signed_seen: bool) -> str:
    """Why a checkpoint event in the chain does not vouch for the events before it ('' when it does)."""
    data = event.data if isinstance(event.data, dict) else {}
    if data.get("count") != count or data.get("head_hash") != prev_hash:
        return (f"it is a checkpoint saying the ledger had {data.get('count')} events ending in "
                f"{data.get('head_hash')}, but the events before it are now {count} ending in {prev_hash}: "
                f"one of events 1 to {count} was changed, added or removed, and the ones after it re-hashed")
    if "signature" in data:
        if not signing.signed_by_us(count, prev_hash, str(data["signature"])):
            return "it is a checkpoint whose signature is not the portal's: it was forged or changed"
    elif signed_seen:
        return "it is a checkpoint with no signature, though earlier checkpoints are signed: it was forged"
    return ""


def _saved_problem(saved: list[dict]) -> str:
    """Why a saved checkpoint cannot be used ('' when every one is well formed and, if signed, ours)."""
    for checkpoint in saved:
        try:
            count, head = int(checkpoint["count"]), str(checkpoint["head_hash"]).lower()
        except (KeyError, TypeError, ValueError):
            return "a saved checkpoint is not in the form COUNT:HASH, or its file lacks count or head_hash"
        if count < 0 or len(head) != 64 or any(c not in "0123456789abcdef" for c in head):
            return f"the saved checkpoint {checkpoint.get('count')}:{checkpoint.get('head_hash')} is not a count and a 64-character hash"
        checkpoint["count"], checkpoint["head_hash"] = count, head
        if "signature" in checkpoint and not signing.signed_by_us(count, head, str(checkpoint["signature"])):
            return (f"the saved checkpoint for {count} events is not signed by this portal's key: it was changed, "
                    "or this portal's signing secret is not the one it had then")
    return ""


def _break_reason(event: _Row, prev_id: int | None, prev_hash: str) -> str:
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
    if event.hash_checked:
        return ""
    data_text = canonical_data(event.data)
    if data_text != event.data_text or fast_hash(event.prev_hash, event.occurred_at, event.actor_key, event.action,
                                                 event.target_type, event.target_id, data_text) != event.hash:
        return "its content does not match its hash, so it was changed after it was written"
    return ""


def checkpoints_latest(*, limit: int = 12) -> list[tuple[AuditEvent, list[CheckpointPublication]]]:
    """The newest checkpoints, newest first, each with the live pages (minutes) recorded as quoting it.

    Two queries whatever the ledger's size: the checkpoints (by the `action` index), then their
    publications with their pages.
    """
    checkpoints = list(AuditEvent.objects.filter(action=CHECKPOINT_ACTION).order_by("-id")[:limit])
    publications = CheckpointPublication.objects.filter(
        checkpoint__in=[c.pk for c in checkpoints], page__live=True
    ).select_related("page").order_by("page__first_published_at", "pk")
    by_checkpoint: dict[int, list[CheckpointPublication]] = {c.pk: [] for c in checkpoints}
    for publication in publications:
        by_checkpoint[publication.checkpoint_id].append(publication)
    return [(checkpoint, by_checkpoint[checkpoint.pk]) for checkpoint in checkpoints]


# --- the explorer ---------------------------------------------------------------------------------

_CHOICES_SECONDS = 300
_PSEUDONYM_LENGTH = 32
MAX_PEOPLE_SHOWN = 10


def day_bounds(on_or_after: date | None, on_or_before: date | None) -> tuple[datetime | None, datetime | None]:
    """The local-time instants [start of `on_or_after`, start of the day after `on_or_before`)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(on_or_after, time.min, tzinfo=zone) if on_or_after else None
    end = datetime.combine(on_or_before + timedelta(days=1), time.min, tzinfo=zone) if on_or_before else None
    return start, end


def audit_events_search(
    *, target_type: str = "", target_id: str = "", actor_keys: list[str] | None = None, action: str = "",
    on_or_after: date | None = None, on_or_before: date | None = None,
) -> QuerySet:
    """Ledger events, newest first, narrowed by object, actor pseudonyms, action and local dates.

    A lazy queryset: the caller pages it, so the ledger is never read whole. Every filter has an index.
    """
    events = AuditEvent.objects.order_by("-id")
    if target_type:
        events = events.filter(target_type=target_type)
    if target_id:
        events = events.filter(target_id=target_id)
    if actor_keys is not None:
        events = events.filter(actor_key__in=actor_keys)
    if action:
        events = events.filter(action=action)
    start, end = day_bounds(on_or_after, on_or_before)
    if start:
        events = events.filter(occurred_at__gte=start)
    if end:
        events = events.filter(occurred_at__lt=end)
    return events


def audit_actions() -> list[str]:
    """Every action in the ledger, for the explorer's list (cached for a few minutes)."""
    return cache.get_or_set(
        "audit:actions", lambda: list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()),
        _CHOICES_SECONDS,
    )


def audit_target_types() -> list[str]:
    """Every kind of object named in the ledger (cached for a few minutes)."""
    return cache.get_or_set(
        "audit:target-types",
        lambda: list(
            AuditEvent.objects.exclude(target_type="").order_by("target_type").values_list("target_type", flat=True).distinct()
        ),
        _CHOICES_SECONDS,
    )


def people_matching(text: str) -> list:
    """Accounts whose email is `text`, or whose name or email contains it (at most MAX_PEOPLE_SHOWN + 1)."""
    text = text.strip()
    users = get_user_model().objects.order_by("display_name", "email")
    exact = list(users.filter(email__iexact=text)[:1])
    if exact:
        return exact
    return list(users.filter(Q(display_name__icontains=text) | Q(email__icontains=text))[: MAX_PEOPLE_SHOWN + 1])


def looks_like_pseudonym(text: str) -> bool:
    text = text.strip().lower()
    return len(text) == _PSEUDONYM_LENGTH and all(c in "0123456789abcdef" for c in text)


def actor_names(keys) -> dict[str, str]:
    """{pseudonym key: the person's name} for keys still linked to an account (erasure unlinks them)."""
    rows = ActorPseudonym.objects.filter(key__in=set(keys) - {""}).values_list("key", "user__display_name", "user__email")
    return {key: name or email for key, name, email in rows}


def _day(text: str | None) -> str:
    if not text:
        return ""
    moment = timezone.localtime(datetime.fromisoformat(text))
    return f"{moment.day} {moment:%B %Y}"


def verdict_in_words(report: dict) -> dict:
    """A finished check's report as a headline and a few plain sentences, for people who are not engineers."""
    if report.get("ok"):
        count = report["count"]
        lines = [f"All {count:,} events in the record check out, each linked to the one before it"
                 + (f", up to the newest, written on {_day(report.get('head_at'))}." if report.get("head_at") else ".")]
        latest = checkpoints_latest(limit=1)
        if report.get("last_checkpoint_at") and latest:
            checkpoint, publications = latest[0]
            where = (f", published in “{publications[0].page.title}”" if publications else "")
            lines.append(f"They match the signed checkpoint taken on {_day(report['last_checkpoint_at'])}{where}.")
        else:
            lines.append("There is no checkpoint in the record yet to compare them with.")
        lines.append("This means nobody has changed or removed an event since it was written, as far as the record "
                     "itself and its checkpoints can show.")
        return {"ok": True, "headline": f"Intact: {count:,} events", "lines": lines}
    bad = report.get("first_bad_id")
    lines = [(f"Event {bad} is the first that does not match: {report.get('reason')}." if bad
              else f"The record does not match: {report.get('reason')}."),
             f"The {report.get('count', 0):,} events before it check out.",
             "This means the record was changed outside the portal after it was written. Tell the chair and the "
             "charity's auditor today, keep this report, and do not publish a new checkpoint until it is explained."]
    return {"ok": False, "headline": "The record has been changed", "lines": lines, "first_bad_id": bad}
