"""Long jobs: work a person starts and waits for (a report PDF, an export, "My data"), with progress.

An app registers a kind with `@long_job("app.name", label=..., keep=...)`: a function taking the job
and a `progress(percent, note)` callback and returning a `JobFile`. `long_job_start` writes the row in the
caller's transaction and hands it to Celery after commit (eagerly, in-process, on the embedded default);
`long_job_run` claims it with a conditional UPDATE and runs it outside any transaction, so progress is
visible while it runs. Failures are logged with their traceback; the person sees a plain sentence.
"""

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from portal.celery import app as celery_app
from portal.errors import caused_by_lost_database

from .claims import abandoned_claim, new_claim
from .models import LongJob
from .services import BROKER_ERRORS

logger = logging.getLogger(__name__)

RUN_TASK = "portal.jobs.tasks.run_long_job"
MAX_ATTEMPTS = 3
STALE_AFTER = timedelta(minutes=10)  # running with no progress for this long: its worker is gone
REDISPATCH_AFTER = timedelta(minutes=2)  # queued and handed over this long ago: the broker may have lost it
FAILED_MESSAGE = "Something went wrong while making this file. Please try again; if it happens again, tell us."

Status = LongJob.Status
Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class JobFile:
    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class LongJobKind:
    name: str
    label: str
    run: Callable[..., JobFile]
    keep: timedelta
    result_url: Callable[..., str] | None = None  # a page that tells the finished job's outcome in words


KINDS: dict[str, LongJobKind] = {}


def long_job(name: str, *, label: str, keep: timedelta = timedelta(days=1), result_url=None):
    """Register `fn(job, progress) -> JobFile` as the long job `name`; `label` is what people see.

    `result_url(job)`, when given, is where a finished job's status page sends its owner: a page that
    says what the job found in plain words (the file stays downloadable from there)."""

    def register(fn):
        existing = KINDS.get(name)
        if existing is not None and existing.run.__qualname__ != fn.__qualname__:
            raise ImproperlyConfigured(f"Long job {name!r} is already registered.")
        KINDS[name] = LongJobKind(name=name, label=label, run=fn, keep=keep, result_url=result_url)
        return fn

    return register


def kind_of(job: LongJob) -> LongJobKind | None:
    return KINDS.get(job.kind)


def _dispatch(job_id) -> None:
    """Hand a queued job to Celery (in eager mode: run it here). Never raises; the tick retries."""
    try:
        LongJob.objects.filter(pk=job_id, status=Status.QUEUED).update(dispatched_at=timezone.now())
        celery_app.tasks[RUN_TASK].apply_async(args=(str(job_id),))
    except DatabaseError:
        logger.warning("Long job %s waits for the tick: the database did not answer.", job_id, exc_info=True)
    except BROKER_ERRORS:
        logger.warning("Long job %s could not be handed to the job queue now; it will be retried.", job_id)
    except Exception:
        logger.exception("Long job %s could not be handed over; it will be retried.", job_id)


def long_job_start(*, kind: str, user, params: dict | None = None) -> LongJob:
    """Queue a long job for `user`; it is handed over after the caller's transaction commits."""
    if kind not in KINDS:
        raise LookupError(f"No long job is registered as {kind!r}.")
    job = LongJob.objects.create(kind=kind, started_by=user, params=params or {})
    transaction.on_commit(functools.partial(_dispatch, job.pk))
    return job


def long_job_run(*, job_id) -> str:
    """Run one long job once: claim it, run it with progress, keep its file, or record a plain failure."""
    now, claim = timezone.now(), new_claim()
    claimable = Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
    previous = abandoned_claim(LongJob.objects.filter(pk=job_id, status=Status.RUNNING))
    if previous:
        # The process running it died on this machine (Celery gave the message back): take over now.
        claimable |= Q(status=Status.RUNNING, claimed_by=previous)
        LongJob.objects.filter(pk=job_id, status=Status.RUNNING, claimed_by=previous, attempts__gte=MAX_ATTEMPTS).update(
            status=Status.FAILED, error=FAILED_MESSAGE, finished_at=now
        )
    claimed = LongJob.objects.filter(claimable, pk=job_id, attempts__lt=MAX_ATTEMPTS).update(
        status=Status.RUNNING, heartbeat_at=now, claimed_by=claim, attempts=F("attempts") + 1, progress=0,
        note="Starting",
    )
    if not claimed:
        return "skipped"
    job = LongJob.objects.get(pk=job_id)
    kind = kind_of(job)
    # Every write below is conditional on still holding the claim: a run that was taken over (it went
    # quiet for STALE_AFTER) can neither report progress nor mark the job done or failed.
    mine = LongJob.objects.filter(pk=job.pk, status=Status.RUNNING, claimed_by=claim)

    def progress(percent: int, note: str = "") -> None:
        mine.update(progress=max(0, min(99, int(percent))), note=note[:200], heartbeat_at=timezone.now())

    try:
        if kind is None:
            raise LookupError(f"No long job is registered as {job.kind!r}.")
        made = kind.run(job=job, progress=progress)
        finished = timezone.now()
        job.result.save(made.name, ContentFile(made.content), save=False)
        kept = mine.update(
            status=Status.DONE, progress=100, note="Ready", result=job.result.name, result_name=made.name,
            content_type=made.content_type, finished_at=finished, expires_at=finished + kind.keep, error="",
        )
        if not kept:
            job.result.delete(save=False)
            logger.warning("Long job %s was taken over while it ran; this run's file is discarded.", job.pk)
            return "lost"
    except Exception as exc:
        logger.exception("Long job %s (%s) failed on attempt %s.", job.pk, job.kind, job.attempts)
        if caused_by_lost_database(exc) and job.attempts < MAX_ATTEMPTS:
            # Not the job's fault. The run is not in a transaction, so Django keeps the dead connection
            # (an outbox job's failed atomic block closes it): drop it, and on a new one put the job
            # back in the queue and hand it over again. If the database is still down this raises, and
            # the tick takes the job over once it has gone quiet.
            connection.close()
            if mine.update(status=Status.QUEUED, claimed_by="", note="Waiting to start again", heartbeat_at=None):
                _dispatch(job.pk)
                return "retry"
        mine.update(status=Status.FAILED, error=FAILED_MESSAGE, finished_at=timezone.now())
        return "failed"
    return "done"


def long_jobs_tick(now=None) -> dict:
    """Every minute from beat: hand over jobs the broker lost, fail abandoned ones, delete expired files."""
    now = now or timezone.now()
    lost = LongJob.objects.filter(
        Q(status=Status.QUEUED, dispatched_at__lt=now - REDISPATCH_AFTER)
        | Q(status=Status.QUEUED, dispatched_at__isnull=True, created_at__lt=now - REDISPATCH_AFTER)
        | Q(status=Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER, attempts__lt=MAX_ATTEMPTS)
    ).values_list("pk", flat=True)
    resent = 0
    for job_id in list(lost):
        # Still stale (a redelivery may have taken it over since the query above), or still queued.
        still_lost = Q(status=Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER) | Q(status=Status.QUEUED)
        if not LongJob.objects.filter(still_lost, pk=job_id).update(status=Status.QUEUED, claimed_by=""):
            continue
        _dispatch(job_id)
        resent += 1
    abandoned = LongJob.objects.filter(
        status=Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER, attempts__gte=MAX_ATTEMPTS
    ).update(status=Status.FAILED, error=FAILED_MESSAGE, finished_at=now)
    expired = 0
    for job in LongJob.objects.filter(status=Status.DONE, expires_at__lte=now):
        if job.result:
            job.result.delete(save=False)
        expired += LongJob.objects.filter(pk=job.pk, status=Status.DONE).update(status=Status.EXPIRED, result="")
    return {"resent": resent, "abandoned": abandoned, "expired": expired}
