"""Faults against the real services: the broker killed during a burst of submissions, a worker
process killed in the middle of a job, database connections cut in the middle of requests.

For each: no submission is lost, no job is done twice, and the stack recovers without a restart.
These start gunicorn, a prefork Celery worker and a Redis of their own (tests/faults/conftest.py),
so they run in CI's real-services stage (PostgreSQL, `needs_worker`).
"""

import os
import signal
import threading
import time
from collections import Counter

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from consultations.models import Answer, Identity, Question, Response
from portal.accounts import roles
from portal.accounts.models import Profile
from portal.jobs import services as outbox
from portal.jobs.long_jobs import long_job_start
from portal.jobs.models import LongJob, OutboxMessage
from portal.jobs.services import outbox_enqueue, outbox_relay
from tests.consultations.factories import make_consultation

from . import jobs  # noqa: F401 - registers the slow jobs in this process too
from .conftest import WEB_APPLICATION_NAME, _wait
from .people import Person, Tally, signed_in_session

pytestmark = [pytest.mark.needs_worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PEOPLE = 30
RECEIPT = "consultations.send_receipt_email"
CUT_PAUSE_SECONDS = 0.4  # between two cut connections during the burst (2 web processes)


@pytest.fixture
def consultation_and_people(home_page, user_factory):
    """A named two-question consultation and PEOPLE service users who want email receipts."""
    page = make_consultation(identity=Identity.NAMED, kinds=[Question.Kind.SHORT_TEXT, Question.Kind.LONG_TEXT])
    people = []
    for n in range(PEOPLE):
        user = user_factory(roles=[roles.SERVICE_USERS])
        Profile.objects.create(user=user, contact_method=Profile.ContactMethod.EMAIL)
        people.append(user)
    return page, people


def _answers(n: int) -> list[str]:
    return [f"Person {n}: more evening groups", f"Person {n} says the peer workers listened."]


def _burst(stack, page, people, tally: Tally) -> list[threading.Thread]:
    """Everyone starts answering at the same moment, each in their own thread."""
    barrier = threading.Barrier(len(people))
    page_path = page.url  # read here: a thread that touched the database would keep a connection open

    def one(n, session_key):
        person = Person(stack.base_url, session_key, tally)
        barrier.wait()
        person.answer(page_path, f"burst-{n}", _answers(n))

    sessions = [signed_in_session(user) for user in people]
    threads = [threading.Thread(target=one, args=(n, session)) for n, session in enumerate(sessions)]
    for thread in threads:
        thread.start()
    return threads


def _every_response_once(page, people) -> None:
    """Each person's response is sent exactly once, with exactly the answers they typed."""
    sent = Response.objects.filter(consultation=page, status=Response.Status.SUBMITTED)
    assert sent.count() == len(people) == Response.objects.filter(consultation=page).count()
    by_person = {response.respondent_id: response for response in sent}
    for n, user in enumerate(people):
        texts = sorted(Answer.objects.filter(response=by_person[user.pk]).values_list("text", flat=True))
        assert texts == sorted(_answers(n)), user.email


def _receipts_once(stack, people) -> None:
    recipients = Counter(
        line.split(":", 1)[1].strip()
        for email in stack.emails()
        for line in email.splitlines()
        if line.startswith("To:")
    )
    assert recipients == Counter(user.email for user in people), stack.log("worker")
    # Each receipt was claimed and run once: a second run would show as a second attempt.
    attempts = OutboxMessage.objects.filter(job=RECEIPT).values_list("attempts", flat=True)
    assert sorted(attempts) == [1] * len(people)


def test_the_broker_killed_during_a_burst_of_submissions_loses_nothing_and_sends_each_receipt_once(
    stack, consultation_and_people, monkeypatch
):
    page, people = consultation_and_people
    web_processes = stack.web_children()
    tally = Tally()
    threads = _burst(stack, page, people, tally)
    _wait(lambda: tally.sent >= PEOPLE // 3, 60, "a third of the submissions")
    stack.broker.kill()
    killed_after = tally.sent
    for thread in threads:
        thread.join(120)

    assert tally.failures == [] and tally.sent == PEOPLE
    assert not any(status >= 500 for status in tally.statuses), tally.statuses
    assert killed_after < PEOPLE, "the broker was killed after everyone had sent; nothing was tested"
    _every_response_once(page, people)
    receipts = OutboxMessage.objects.filter(job=RECEIPT)
    assert receipts.count() == PEOPLE
    waiting = receipts.exclude(status=OutboxMessage.Status.DONE).count()
    assert waiting > 0, "every receipt was sent before the broker went down"

    # The broker comes back empty (no persistence): what it held is gone. Beat's relay hands over what
    # is still pending, and what it had taken but lost (normally after 5 minutes; here at once).
    stack.broker.start()
    monkeypatch.setattr(outbox, "REDISPATCH_AFTER", outbox.timedelta(seconds=0))

    def all_done() -> bool:
        outbox_relay()
        return not receipts.exclude(status=OutboxMessage.Status.DONE).exists()

    _wait(all_done, 90, "every receipt done after the broker came back", stack.workdir / "worker.log")
    _wait(lambda: len(stack.emails()) >= PEOPLE, 30, "the receipt emails written")
    time.sleep(1)  # a second delivery of any of them would have been sent by now
    _receipts_once(stack, people)

    # No restart: the same web processes publish straight to the broker again, and the worker takes it.
    late = people[0]
    message = outbox_enqueue(job="faults.slow_handler", payload={"number": 1})
    (stack.faults_dir / "release").touch()
    outbox.outbox_dispatch(message_id=message.pk)
    _wait(lambda: OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.DONE, 30,
          "a new job after the broker came back", stack.workdir / "worker.log")
    again = Tally()
    Person(stack.base_url, signed_in_session(late), again).post(f"{page.url}start/", {"idempotency_key": "x"})
    assert again.failures == [] and stack.web_children() == web_processes


def _wait_for_line(path, prefix: str, count: int = 1) -> list[int]:
    def lines():
        return [int(line.split()[-1]) for line in path.read_text().splitlines() if line.startswith(prefix)] \
            if path.exists() else []

    _wait(lambda: len(lines()) >= count, 60, f"{count} x {prefix!r} in {path.name}")
    return lines()


def test_a_worker_process_killed_in_the_middle_of_a_long_job_is_taken_over_at_once_and_the_file_made_once(
    stack, user_factory
):
    person = user_factory()
    pool_before = stack.worker_children()
    job = long_job_start(kind="faults.slow_file", user=person, params={"label": "the board"})
    log = stack.faults_dir / "long_job.log"
    (first_pid,) = _wait_for_line(log, "started")
    assert first_pid in pool_before
    os.kill(first_pid, signal.SIGKILL)  # out of memory, say: the message was not acknowledged

    started = _wait_for_line(log, "started", count=2)  # redelivered to another pool process at once
    assert started[1] != first_pid
    (stack.faults_dir / "release").touch()
    _wait(lambda: LongJob.objects.get(pk=job.pk).status == LongJob.Status.DONE, 30, "the job done",
          stack.workdir / "worker.log")
    time.sleep(1)

    job.refresh_from_db()
    assert job.attempts == 2 and job.result.read() == b"made for the board"
    lines = log.read_text().splitlines()
    assert [line.split()[0] for line in lines] == ["started", "started", "finished"], lines
    assert stack.worker.poll() is None  # the worker itself carried on: its pool replaced the process
    assert "WorkerLostError" in stack.log("worker") or "Worker exited prematurely" in stack.log("worker")

    # And it still works: a second job runs once in the same worker.
    second = long_job_start(kind="faults.slow_file", user=person, params={"label": "again"})
    _wait(lambda: LongJob.objects.get(pk=second.pk).status == LongJob.Status.DONE, 30, "a second job")


def test_a_worker_process_killed_in_the_middle_of_an_outbox_job_runs_it_to_the_end_once(stack):
    message = outbox_enqueue(job="faults.slow_handler", payload={"number": 7})
    outbox.outbox_dispatch(message_id=message.pk)
    log = stack.faults_dir / "outbox.log"
    (first_pid,) = _wait_for_line(log, "started 7")
    os.kill(first_pid, signal.SIGKILL)
    _wait_for_line(log, "started 7", count=2)
    (stack.faults_dir / "release").touch()
    _wait(lambda: OutboxMessage.objects.get(pk=message.pk).status == OutboxMessage.Status.DONE, 30,
          "the message done", stack.workdir / "worker.log")
    time.sleep(1)
    assert [line.split()[0] for line in log.read_text().splitlines()] == ["started", "started", "finished"]
    assert OutboxMessage.objects.get(pk=message.pk).attempts == 2


def _connection_string() -> str:
    db = settings.DATABASES["default"]
    return f"host={db['HOST'] or 'localhost'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"


def test_database_connections_cut_in_the_middle_of_requests_lose_no_submission_and_need_no_restart(
    stack, consultation_and_people
):
    page, people = consultation_and_people
    web_processes = stack.web_children()
    cut = {"active": 0, "idle": 0}
    stop = threading.Event()

    def cutter():
        """Cut one web connection while it is busy with a request, wait a little, and again."""
        with psycopg.connect(_connection_string(), autocommit=True) as admin:
            while not stop.is_set():
                row = admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s "
                    "AND datname = current_database() AND state <> 'idle' ORDER BY random() LIMIT 1",
                    [WEB_APPLICATION_NAME],
                ).fetchone()
                if row and row[0]:
                    cut["active"] += 1
                    time.sleep(CUT_PAUSE_SECONDS)
                else:
                    time.sleep(0.005)

    # First, connections kept between requests and cut while idle are replaced without an error.
    tally = Tally()
    Person(stack.base_url, signed_in_session(people[0]), tally).post(f"{page.url}start/", {"idempotency_key": "warm"})
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
            [WEB_APPLICATION_NAME],
        )
        cut["idle"] = cursor.fetchone()[0]
    Person(stack.base_url, signed_in_session(people[0]), tally).post(f"{page.url}start/", {"idempotency_key": "warm"})
    assert cut["idle"] >= 1 and tally.statuses == {302: 2}, tally.statuses

    # Then everyone sends their answers while connections are cut in the middle of their requests.
    cutting = threading.Thread(target=cutter)
    cutting.start()
    threads = _burst(stack, page, people, tally)
    for thread in threads:
        thread.join(180)
    stop.set()
    cutting.join(10)

    assert tally.failures == [], (tally.failures[:5], stack.log("web"))
    assert cut["active"] > 0, "no connection was cut in the middle of a request; nothing was tested"
    assert tally.statuses.get(503, 0) > 0, f"no request was hit ({cut}); nothing was tested"
    assert set(tally.statuses) <= {302, 503}, tally.statuses
    _every_response_once(page, people)

    # No restart: the same processes answer at once, and every receipt went exactly once.
    after = Tally()
    Person(stack.base_url, signed_in_session(people[1]), after).post(f"{page.url}start/", {"idempotency_key": "y"})
    assert after.statuses == {302: 1} and stack.web_children() == web_processes
    receipts = OutboxMessage.objects.filter(job=RECEIPT)
    assert receipts.count() == PEOPLE

    def all_done() -> bool:
        outbox_relay()  # as beat does every minute: a receipt whose hand-over was cut off goes now
        return not receipts.exclude(status=OutboxMessage.Status.DONE).exists()

    _wait(all_done, 60, "receipts done", stack.workdir / "worker.log")
    _wait(lambda: len(stack.emails()) >= PEOPLE, 30, "the receipt emails written")
    time.sleep(1)
    _receipts_once(stack, people)
    print(f"\nconnections cut: {cut['active']} mid-request, {cut['idle']} idle; answers seen: {tally.statuses}")
