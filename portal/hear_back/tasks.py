"""Celery tasks for hearing back. They take no arguments, are idempotent, and call the job code."""

from django.utils import timezone

from portal.celery import app

from .jobs import digests_enqueue


@app.task(name="portal.hear_back.tasks.weekly_digest", ignore_result=True)
def weekly_digest() -> int:
    """Queue one "what came of it" list for each person who chose weekly emails and has news.

    Celery beat runs this on Monday mornings. How it avoids double work: each list is one outbox
    message keyed `hear-back-digest-<person>-<ISO week>` (unique in the database), and the list marks
    its messages sent, so a second run in the same week, or a retry, sends nothing more.
    """
    return digests_enqueue(now=timezone.now())
