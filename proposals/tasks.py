"""Celery tasks for proposals. They take nothing, are idempotent, and call services."""

from portal.celery import app

from .services import agenda_place_waiting


@app.task(name="proposals.tasks.place_waiting_proposals", ignore_result=True)
def place_waiting_proposals() -> int:
    """Put proposals that reached their body's agenda while it had no meeting set on the next meeting,
    once one is set. Celery beat runs this every hour.

    How it avoids double work: each proposal is locked and checked again before its agenda item is
    made (`agenda_item IS NULL`), so two runs at once, or a run beside a secretary's button, place each
    proposal once. Returns how many were placed.
    """
    return agenda_place_waiting()
