"""Periodic jobs for ballots."""

from celery import shared_task

from .services import ballots_close_due


@shared_task
def close_due_ballots() -> list[int]:
    """Close ballots whose time is up. Safe to run twice: a ballot is closed under a row lock, once,
    and a second run finds it already closed and skips it."""
    return ballots_close_due()
