"""Celery tasks for governance. They take ids (or nothing), are idempotent, and call the job code."""

from django.utils import timezone

from portal.celery import app

from .jobs import meeting_reminders_enqueue, overdue_digests_enqueue


@app.task(name="governance.tasks.governance_tick", ignore_result=True)
def governance_tick() -> int:
    """Queue reminder emails for meetings starting in the next 48 hours.

    Celery beat runs this every 15 minutes. How it avoids double work: each reminder is one outbox
    message keyed `meeting-reminder-<meeting>-<user>`, and the outbox refuses a second message with a
    key already used (a unique constraint, so two ticks running at once still make one). So every
    current member who accepts email is reminded once per meeting, however many ticks fall inside
    the 48 hours. Returns how many reminders were new.
    """
    return meeting_reminders_enqueue(now=timezone.now())


@app.task(name="governance.tasks.overdue_actions_weekly", ignore_result=True)
def overdue_actions_weekly() -> int:
    """Queue one email per owner of overdue open actions, listing them all.

    Celery beat runs this on Monday mornings. How it avoids double work: each email is one outbox
    message keyed `actions-overdue-<user>-<ISO year>-W<ISO week>`, unique in the database, so running
    it again the same week (a beat restart, a manual run, two beats) sends nothing more. Returns how
    many emails were new.
    """
    return overdue_digests_enqueue(today=timezone.localdate())
