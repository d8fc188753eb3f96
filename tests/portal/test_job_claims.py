"""A job whose worker process died is taken over at once by the redelivered message, and only then.

Celery gives a killed worker's message back (acks_late + reject_on_worker_lost); these tests stand in
for that redelivery by calling the runner again, with the first claim made by a process that has
really exited (or, for the refusals, one that is still alive, or one on another machine).
"""

import dataclasses
import os
import socket
import subprocess
import sys

import pytest
from django.utils import timezone

from portal.jobs.claims import _machine, claim_is_abandoned, new_claim
from portal.jobs.long_jobs import JobFile, long_job, long_job_run, long_job_start
from portal.jobs.models import LongJob, OutboxMessage
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue, outbox_run

pytestmark = pytest.mark.django_db

RUNS: list[int] = []


@job("tests.claims_record")
def claims_record(*, number: int) -> None:
    RUNS.append(number)


@long_job("tests.claims_file", label="Claims file")
def claims_file(*, job, progress):
    RUNS.append(0)
    return JobFile(name="claims.txt", content_type="text/plain", content=b"made once")


@pytest.fixture(autouse=True)
def _no_runs():
    RUNS.clear()


@pytest.fixture
def dead_claim() -> str:
    """A claim made by a process on this machine that has exited (and been reaped)."""
    child = subprocess.run(
        [sys.executable, "-c", "from portal.jobs.claims import new_claim; print(new_claim())"],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    return child.stdout.strip()


@pytest.fixture
def live_claim():
    """A claim made by a process on this machine that is still running."""
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield f"{_machine()}:{sleeper.pid}:abc123"
    sleeper.kill()
    sleeper.wait()


def test_a_claim_is_abandoned_only_when_its_process_on_this_machine_has_gone(dead_claim, live_claim):
    assert claim_is_abandoned(dead_claim)
    assert not claim_is_abandoned(live_claim)
    assert not claim_is_abandoned(new_claim())  # this very process
    dead_pid = dead_claim.split(":")[1]
    assert not claim_is_abandoned(f"another-host/1:{dead_pid}:abc123")
    # Same host name, another container's process numbering: its process ids mean nothing here.
    assert not claim_is_abandoned(f"{socket.gethostname()}/1:{dead_pid}:abc123")
    assert not claim_is_abandoned("") and not claim_is_abandoned("nonsense")


def _running_message(claim: str) -> OutboxMessage:
    message = outbox_enqueue(job="tests.claims_record", payload={"number": 7})
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.RUNNING, claimed_by=claim, claimed_at=timezone.now(), attempts=1
    )
    return message


def test_an_outbox_message_whose_worker_died_runs_at_once_on_redelivery_and_only_once(dead_claim):
    message = _running_message(dead_claim)
    assert outbox_run(message_id=message.pk) == "done"
    assert outbox_run(message_id=message.pk) == "skipped"  # delivered yet again
    message.refresh_from_db()
    assert RUNS == [7] and message.status == OutboxMessage.Status.DONE and message.attempts == 2


def test_an_outbox_message_whose_worker_is_still_running_is_left_to_it(live_claim):
    message = _running_message(live_claim)
    assert outbox_run(message_id=message.pk) == "skipped"
    message.refresh_from_db()
    assert RUNS == [] and message.status == OutboxMessage.Status.RUNNING and message.claimed_by == live_claim


def _running_long_job(user, claim: str, attempts: int = 1) -> LongJob:
    started = long_job_start(kind="tests.claims_file", user=user)
    LongJob.objects.filter(pk=started.pk).update(
        status=LongJob.Status.RUNNING, claimed_by=claim, heartbeat_at=timezone.now(), attempts=attempts
    )
    return started


def test_a_long_job_whose_worker_died_is_made_once_on_redelivery(user_factory, dead_claim, live_claim):
    person = user_factory()
    taken_over = _running_long_job(person, dead_claim)
    assert long_job_run(job_id=taken_over.pk) == "done"
    assert long_job_run(job_id=taken_over.pk) == "skipped"
    taken_over.refresh_from_db()
    assert taken_over.status == LongJob.Status.DONE and taken_over.attempts == 2 and RUNS == [0]
    assert taken_over.result.read() == b"made once"

    left_alone = _running_long_job(person, live_claim)
    assert long_job_run(job_id=left_alone.pk) == "skipped"
    assert LongJob.objects.get(pk=left_alone.pk).status == LongJob.Status.RUNNING and RUNS == [0]


def test_a_long_job_that_killed_its_worker_on_every_attempt_is_failed_plainly_not_run_again(
    user_factory, dead_claim
):
    stuck = _running_long_job(user_factory(), dead_claim, attempts=3)
    assert long_job_run(job_id=stuck.pk) == "skipped"
    stuck.refresh_from_db()
    assert stuck.status == LongJob.Status.FAILED and "Please try again" in stuck.error and RUNS == []


def test_a_run_that_was_taken_over_keeps_no_file_and_does_not_mark_the_job(user_factory, monkeypatch):
    """A slow worker that went quiet for too long and was replaced finishes late: its result is dropped."""
    person = user_factory()
    started = long_job_start(kind="tests.claims_file", user=person)

    def replaced_while_running(*, job, progress):
        LongJob.objects.filter(pk=job.pk).update(claimed_by="another-host:1:takenover")
        return JobFile(name="late.txt", content_type="text/plain", content=b"late")

    from portal.jobs import long_jobs

    kind = long_jobs.KINDS["tests.claims_file"]
    monkeypatch.setitem(long_jobs.KINDS, "tests.claims_file", dataclasses.replace(kind, run=replaced_while_running))
    assert long_job_run(job_id=started.pk) == "lost"
    started.refresh_from_db()
    assert started.status == LongJob.Status.RUNNING and not started.result


def test_an_outbox_message_whose_last_attempt_died_with_its_process_is_failed_at_once(dead_claim):
    message = _running_message(dead_claim)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=8)
    assert outbox_run(message_id=message.pk) == "skipped"
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED and RUNS == []


def test_the_tick_does_not_requeue_a_job_a_redelivery_took_over_since_it_looked(user_factory, monkeypatch):
    """The tick found the job stale; before it acted, a redelivered message claimed it: leave it running."""
    from datetime import timedelta

    from portal.jobs import long_jobs

    started = _running_long_job(user_factory(), "another-host/1:1:old")
    LongJob.objects.filter(pk=started.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    seen_stale = [started.pk]  # what the tick's first query found
    LongJob.objects.filter(pk=started.pk).update(claimed_by="this-host/1:2:new", heartbeat_at=timezone.now())

    class AsTheTickSawIt:
        def values_list(self, *args, **kwargs):
            return seen_stale

    original, calls = LongJob.objects.filter, []

    def first_query_sees_it_stale(*args, **kwargs):
        calls.append(1)
        return AsTheTickSawIt() if len(calls) == 1 else original(*args, **kwargs)

    dispatched = []
    monkeypatch.setattr(long_jobs, "_dispatch", dispatched.append)
    monkeypatch.setattr(LongJob.objects, "filter", first_query_sees_it_stale)
    assert long_jobs.long_jobs_tick()["resent"] == 0
    monkeypatch.undo()
    started.refresh_from_db()
    assert dispatched == [] and started.status == LongJob.Status.RUNNING and started.claimed_by == "this-host/1:2:new"


def test_only_the_job_runners_are_given_back_when_their_worker_dies():
    from portal.celery import app

    for name in ("portal.jobs.tasks.run_outbox_message", "portal.jobs.tasks.run_long_job"):
        task = app.tasks[name]
        assert task.acks_late and task.reject_on_worker_lost, name
    assert not app.tasks["portal.jobs.tasks.long_jobs_tick"].reject_on_worker_lost
