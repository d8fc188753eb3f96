"""Celery tasks for the audit ledger. They take no arguments, are idempotent, and call services."""

from django.utils import timezone

from portal.celery import app

from .services import audit_checkpoint_monthly


@app.task(name="portal.audit.tasks.monthly_checkpoint", ignore_result=True)
def monthly_checkpoint() -> int | None:
    """Record this month's audit checkpoint, ready to quote in the next minutes and on /transparency/.

    Celery beat runs this on the 1st of each month. How it avoids double work: the checkpoint event
    carries its month (`period`, e.g. "2026-03"), and `audit_checkpoint_monthly` looks for one with the
    same month first, and again under the ledger's append lock, so a retry, a beat restart or a manual
    run the same month records nothing more. The checkpoint event itself is the record that it ran; a
    broken chain is refused, logged and recorded as `audit.checkpoint_refused`. Returns the event id.
    """
    event, _created = audit_checkpoint_monthly(today=timezone.localdate())
    return event.pk if event else None
