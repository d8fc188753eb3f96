"""Celery tasks for the outbox. They take ids, are idempotent, and call the services that do the work."""

from portal.celery import app

from . import services


@app.task(name=services.RUN_TASK, ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_outbox_message(message_id: int) -> str:
    """Run one outbox message's handler, at most once however often this task is delivered.

    `outbox_run` claims the message with a conditional UPDATE: a second delivery, a delivery of a
    message that is done, or one another worker is running, does nothing.
    """
    return services.outbox_run(message_id=message_id)


@app.task(name="portal.jobs.tasks.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """Hand due outbox messages to Celery again: the ones the broker never took, retries, lost workers.

    Celery beat runs this every minute. How it avoids double work: it picks only messages that are due
    and were not handed over since they became due (or were, more than a few minutes ago); it stamps
    each one with a conditional UPDATE before publishing, so two relays running at once hand a message
    over once; and even a message delivered twice runs once, because `run_outbox_message` claims it
    with a conditional UPDATE first.
    """
    return services.outbox_relay()


@app.task(name="portal.jobs.tasks.run_long_job", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_long_job(job_id: str) -> str:
    """Run a long job (report, export) once; a repeated delivery finds it claimed and does nothing."""
    from .long_jobs import long_job_run

    return long_job_run(job_id=job_id)


@app.task(name="portal.jobs.tasks.long_jobs_tick", ignore_result=True)
def long_jobs_tick() -> dict:
    """Every minute: resend lost long jobs, fail abandoned ones, delete expired files."""
    from .long_jobs import long_jobs_tick as tick

    return tick()
