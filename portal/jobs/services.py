"""Every write to the outbox: enqueue in the caller's transaction, hand over to Celery, run, relay.

The life of a message: `outbox_enqueue` writes it (pending) with the change that needs it; after that
transaction commits, `outbox_dispatch` hands its id to Celery; a worker's `outbox_run` claims it
(running), calls the handler and marks it done. If the broker is down the row just waits: the relay
(`outbox_relay`, every minute from Celery beat, or `manage.py relay_outbox`) hands it over later.
Nothing here raises a broker error into a person's request.
"""

import functools
import logging
from datetime import datetime, timedelta
from typing import Literal

from django.db import DatabaseError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnavailable

from portal.celery import app as celery_app

from . import registry
from .claims import abandoned_claim, new_claim
from .models import OutboxMessage

logger = logging.getLogger(__name__)

RUN_TASK = "portal.jobs.tasks.run_outbox_message"
MAX_ATTEMPTS = 8
BACKOFF_FIRST = timedelta(seconds=30)  # doubles after each failure: 30 s, 1 min, 2 min ... ~1 h
BACKOFF_LONGEST = timedelta(hours=6)
STALE_AFTER = timedelta(minutes=10)  # a running message not done by then lost its worker; longer than any job
REDISPATCH_AFTER = timedelta(minutes=5)  # a handed-over message not started by then may be lost in the broker
RELAY_BATCH = 500
STOPPED_ON_LAST_ATTEMPT = "Stopped while running on its last attempt."

# What publishing to a refusing, hung or missing broker raises: Celery wraps transport errors in kombu's
# OperationalError; socket errors (OSError, which covers timeouts) are there for transports that do not.
BROKER_ERRORS = (BrokerUnavailable, OSError)

Dispatch = Literal["sent", "skipped", "unreachable", "error"]
Run = Literal["done", "retry", "failed", "skipped", "lost"]

Status = OutboxMessage.Status


class _ClaimLost(Exception):
    """The message was taken over while its handler ran; undo this run's database writes."""


def outbox_enqueue(*, job: str, payload: dict, idempotency_key: str | None = None) -> OutboxMessage:
    """Write a job to the outbox in the caller's transaction; hand it to Celery once that commits.

    Invariant: the job exists if and only if the change that needs it committed. A rolled-back
    transaction leaves no row and publishes nothing; a committed one leaves a pending row that runs
    even if the broker is down right now. It is `delay_on_commit` plus a row, and unlike
    `delay_on_commit` a broker error after commit is logged, never raised into the request.
    `payload` holds ids only; it must fit the handler's keyword arguments, checked here so a mistake
    rolls back with the caller. An `idempotency_key` already used returns the first message instead.
    """
    registry.check_arguments(job, payload)
    if idempotency_key is None:
        message = OutboxMessage.objects.create(job=job, payload=payload)
    else:
        message, created = OutboxMessage.objects.get_or_create(
            idempotency_key=idempotency_key, defaults={"job": job, "payload": payload}
        )
        if not created:
            return message
    transaction.on_commit(functools.partial(outbox_dispatch, message_id=message.pk))
    return message


def _due(now: datetime) -> QuerySet[OutboxMessage]:
    """Messages that should be handed to Celery now.

    Pending ones past `available_at` that were not handed over since they became due (or were, but
    long enough ago that the broker may have lost them), and running ones whose worker went quiet.
    """
    not_recently_sent = Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - REDISPATCH_AFTER)
    pending = Q(status=Status.PENDING, available_at__lte=now) & (
        not_recently_sent | Q(dispatched_at__lt=F("available_at"))
    )
    stale = Q(status=Status.RUNNING, claimed_at__lt=now - STALE_AFTER, attempts__lt=MAX_ATTEMPTS) & (
        not_recently_sent | Q(dispatched_at__lt=F("claimed_at"))
    )
    return OutboxMessage.objects.filter(pending | stale)


def _error_name(exc: BaseException) -> str:
    """The error's type, e.g. `smtplib.SMTPRecipientsRefused`: its text may hold an email address."""
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return name[:200]


def outbox_dispatch(*, message_id: int) -> Dispatch:
    """Hand one due message to Celery. In eager mode (the embedded default) that runs it here and now.

    Never raises (not even when the database connection is lost: the relay hands it over later). A
    broker that refuses, times out or is missing is logged at WARNING and the message
    stays pending, never marked as handed over, so the next relay picks it up; the settings keep
    that failure to a few seconds at worst. `dispatched_at` is stamped with a conditional UPDATE
    before publishing, so when two relays race only one hands each message over.
    """
    now = timezone.now()
    try:
        if not _due(now).filter(pk=message_id).update(dispatched_at=now):
            return "skipped"
    except DatabaseError:
        # Usually called just after the request's transaction committed: the change and the message
        # are safe, and the person must not be told otherwise because this hand-over could not start.
        logger.warning("Outbox message %s waits for the relay: the database did not answer.", message_id, exc_info=True)
        return "error"
    unsent = OutboxMessage.objects.filter(pk=message_id, dispatched_at=now)

    def unstamp() -> None:
        try:
            unsent.update(dispatched_at=None)
        except DatabaseError:  # then the relay hands it over after REDISPATCH_AFTER instead
            logger.warning("Outbox message %s: could not clear its hand-over time.", message_id, exc_info=True)

    try:
        celery_app.tasks[RUN_TASK].apply_async(args=(message_id,))
    except BROKER_ERRORS as exc:
        unstamp()
        logger.warning(
            "Outbox message %s is still pending: the job queue did not take it (%s). The relay will retry.",
            message_id,
            _error_name(exc),
        )
        return "unreachable"
    except Exception:
        unstamp()
        logger.exception("Outbox message %s could not be handed over; the relay will retry.", message_id)
        return "error"
    return "sent"


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_LONGEST)


def _claim(message_id: int, now: datetime, claim: str) -> bool:
    """pending and due -> running, for exactly one caller; or take over a running one whose worker is
    gone: stale, or (found at once) claimed by a process on this machine that has died."""
    claimable = Q(status=Status.PENDING, available_at__lte=now) | Q(
        status=Status.RUNNING, claimed_at__lt=now - STALE_AFTER
    )
    previous = abandoned_claim(OutboxMessage.objects.filter(pk=message_id, status=Status.RUNNING))
    if previous:
        claimable |= Q(status=Status.RUNNING, claimed_by=previous)
        # Its last attempt died with its process: failed now, as the relay would in STALE_AFTER.
        OutboxMessage.objects.filter(
            pk=message_id, status=Status.RUNNING, claimed_by=previous, attempts__gte=MAX_ATTEMPTS
        ).update(status=Status.FAILED, last_error=STOPPED_ON_LAST_ATTEMPT)
    return bool(
        OutboxMessage.objects.filter(claimable, pk=message_id, attempts__lt=MAX_ATTEMPTS).update(
            status=Status.RUNNING, claimed_at=now, claimed_by=claim, attempts=F("attempts") + 1
        )
    )


def _record_failure(message: OutboxMessage, claim: str, exc: Exception) -> Run:
    give_up = message.attempts >= MAX_ATTEMPTS
    logger.warning(
        "Outbox message %s (%s) failed on attempt %s of %s%s.",
        message.pk,
        message.job,
        message.attempts,
        MAX_ATTEMPTS,
        "; giving up" if give_up else "; it will be retried",
        exc_info=exc,
    )
    OutboxMessage.objects.filter(pk=message.pk, status=Status.RUNNING, claimed_by=claim).update(
        status=Status.FAILED if give_up else Status.PENDING,
        available_at=message.available_at if give_up else timezone.now() + _backoff(message.attempts),
        last_error=_error_name(exc),
    )
    return "failed" if give_up else "retry"


def outbox_run(*, message_id: int) -> Run:
    """Run one message's handler once, however many times the message is delivered.

    The claim is a conditional UPDATE (pending and due -> running, or running but stale) that only one
    caller can win; a delivery of a message that is done, failed, not yet due or running elsewhere
    does nothing. The handler's database writes commit together with the "done" mark. A handler error
    is recorded by type only, and the message goes back to pending with an exponential back-off, or to
    failed after MAX_ATTEMPTS. A worker process that dies part-way has its claim taken over by the
    redelivered message at once when the dead process was on this machine (`claims`), otherwise after
    STALE_AFTER. Only a worker killed between the handler's effect outside the database (an email
    sent) and the "done" mark can make that effect happen twice, so handlers should be safe to repeat.
    """
    now, claim = timezone.now(), new_claim()
    if not _claim(message_id, now, claim):
        return "skipped"
    message = OutboxMessage.objects.get(pk=message_id)
    mine = OutboxMessage.objects.filter(pk=message_id, status=Status.RUNNING, claimed_by=claim)
    try:
        with transaction.atomic():
            registry.handler_for(message.job)(**message.payload)
            if not mine.update(status=Status.DONE, done_at=timezone.now(), last_error=""):
                raise _ClaimLost
    except _ClaimLost:
        logger.warning(
            "Outbox message %s ran longer than %s and was taken over; this run's database writes are undone.",
            message_id,
            STALE_AFTER,
        )
        return "lost"
    except Exception as exc:
        return _record_failure(message, claim, exc)
    return "done"


def _fail_abandoned(now: datetime) -> int:
    """Running messages whose worker vanished on their last allowed attempt are failed, not retried."""
    return OutboxMessage.objects.filter(
        status=Status.RUNNING, claimed_at__lt=now - STALE_AFTER, attempts__gte=MAX_ATTEMPTS
    ).update(status=Status.FAILED, last_error=STOPPED_ON_LAST_ATTEMPT)


def outbox_due_ids(*, limit: int = RELAY_BATCH) -> list[int]:
    """Ids of the messages the relay should hand over now, oldest first (after failing abandoned ones)."""
    now = timezone.now()
    _fail_abandoned(now)
    return list(_due(now).order_by("available_at", "pk").values_list("pk", flat=True)[:limit])


def outbox_relay(*, limit: int = RELAY_BATCH) -> int:
    """Hand every due message to Celery; return how many the broker took.

    Safe to run as often as you like and from several places at once: it only picks messages that are
    due and were not handed over recently, `outbox_dispatch` stamps each with a conditional UPDATE so
    two relays do not both send it, and a message that is still delivered twice runs once
    (`outbox_run`). It stops at the first broker failure rather than wait on a dead broker per message.
    Call it outside any transaction.
    """
    sent = 0
    for message_id in outbox_due_ids(limit=limit):
        outcome = outbox_dispatch(message_id=message_id)
        if outcome == "unreachable":
            break
        sent += outcome == "sent"
    return sent


def outbox_run_due_here(*, limit: int = RELAY_BATCH) -> int:
    """Run due messages in this process, without the broker; return how many were done.

    For draining the outbox by hand while the broker is down for long. The claim in `outbox_run` still
    makes each message run once, even if a worker picks the same message up at the same time.
    """
    return sum(outbox_run(message_id=message_id) == "done" for message_id in outbox_due_ids(limit=limit))
