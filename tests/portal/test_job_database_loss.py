"""A job whose database connection is cut while it runs: it is put back to run again, not left hanging.

A long job (a report, "My data") is not run in a transaction, so Django kept the dead connection: the
failure could not be written and the job stayed "running" until the tick found it quiet. Now the run
drops the connection and, on a new one, puts the job back in the queue. An outbox job runs inside an
atomic block, whose failed rollback makes Django close the connection itself; the first test pins that
it goes back to pending with the usual back-off. PostgreSQL only: the job ends its own server process,
as a restart or a network cut would.
"""

import pytest
from django.db import connection
from django.utils import timezone

from portal.jobs.long_jobs import long_job, long_job_run, long_job_start
from portal.jobs.models import LongJob, OutboxMessage
from portal.jobs.registry import job
from portal.jobs.services import outbox_run

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CUT = {"times": 0}


def _cut_my_connection() -> None:
    CUT["times"] += 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


@job("tests.loses_its_database")
def loses_its_database(*, number: int) -> None:
    _cut_my_connection()


@long_job("tests.report_that_loses_its_database", label="A report")
def report_that_loses_its_database(*, job, progress):
    _cut_my_connection()


def test_an_outbox_job_that_loses_its_connection_goes_back_to_pending_with_a_back_off():
    message = OutboxMessage.objects.create(job="tests.loses_its_database", payload={"number": 1})
    before = CUT["times"]
    assert outbox_run(message_id=message.pk) == "retry"
    assert CUT["times"] == before + 1
    message.refresh_from_db()  # on a new connection
    assert message.status == OutboxMessage.Status.PENDING and message.attempts == 1
    assert message.last_error == "django.db.utils.OperationalError" and message.available_at > timezone.now()


def test_a_long_job_that_loses_its_connection_is_queued_again_not_failed(user_factory, monkeypatch):
    handed_over = []
    monkeypatch.setattr("portal.jobs.long_jobs._dispatch", handed_over.append)
    person = user_factory()
    started = long_job_start(kind="tests.report_that_loses_its_database", user=person)
    assert long_job_run(job_id=started.pk) == "retry"
    started.refresh_from_db()
    assert started.status == LongJob.Status.QUEUED and started.attempts == 1 and started.claimed_by == ""
    assert started.note == "Waiting to start again" and not started.error
    assert started.pk in handed_over
