"""Celery tasks for data rights. They take no arguments, are idempotent, and call services."""

from portal.celery import app

from .retention import retention_apply


@app.task(name="portal.privacy.tasks.apply_retention", ignore_result=True)
def apply_retention() -> dict[str, int]:
    """Apply the retention policy in the site settings (run daily by beat).

    How it avoids double work: each rule deletes only what is older than its limit at the moment it
    runs, so a retry, a beat restart or a manual run deletes nothing the first run did not; the ledger
    event is written only when something was deleted, with counts only.
    """
    return retention_apply()
