"""Celery tasks for consultations. They take ids (or nothing), are idempotent, and call the job code."""

from django.utils import timezone

from portal.celery import app

from .jobs import consultation_phases_enqueue


@app.task(name="consultations.tasks.consultation_schedule_tick", ignore_result=True)
def consultation_schedule_tick() -> int:
    """Act on consultations that have opened, are 48 hours from closing, or have closed.

    Celery beat runs this every 5 minutes. How it avoids double work: each phase of each consultation
    becomes one outbox message with a fixed idempotency key (`consultation-opened-event-<page>`...),
    and the outbox refuses a second message with a key already used (a unique constraint, so two ticks
    running at once still make one). That message's handler records the ledger event in the same
    transaction that marks it done, and queues each email as its own message keyed by page and person
    (`consultation-opened-<page>-<user>`, `consultation-reminder-<page>-<user>`,
    `consultation-closed-<page>`), so re-running the tick, or the handler, sends nothing twice.
    Returns how many phase messages were new.
    """
    return consultation_phases_enqueue(now=timezone.now())
