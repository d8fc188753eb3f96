"""The outbox: jobs are written with the change that needs them and run once, even if Redis is down."""

import logging
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from portal.celery import app as celery_app
from portal.jobs import services
from portal.jobs.models import OutboxMessage
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue, outbox_relay
from portal.jobs.tasks import relay_outbox, run_outbox_message

Status = OutboxMessage.Status
CALLS: list = []  # what the test handlers below were called with


@job("tests.record_call")
def record_call(*, number: int) -> None:
    CALLS.append(number)


@job("tests.always_fails")
def always_fails(*, number: int) -> None:
    raise RuntimeError(f"person{number}@example.org is not a valid mailbox")


@job("tests.fails_once")
def fails_once(*, number: int) -> None:
    CALLS.append(number)
    if len(CALLS) == 1:
        raise ConnectionError("mail server busy")


@job("tests.delivered_again_while_running")
def delivered_again_while_running(*, number: int) -> None:
    message = OutboxMessage.objects.get(job="tests.delivered_again_while_running")
    CALLS.append(number)
    CALLS.append(run_outbox_message(message.pk))  # a second delivery arriving mid-run


@pytest.fixture(autouse=True)
def _eager_jobs_and_no_calls(celery_broker):
    """Each test starts on the embedded default (eager Celery) with a clean call log."""
    celery_broker.eager()
    CALLS.clear()


def _reset_link(email_body: str) -> str:
    return next(word for word in email_body.split() if "/password-reset/" in word)


def _pending(job_name: str = "tests.record_call", number: int = 1) -> OutboxMessage:
    """A committed pending message that was never handed over (its on-commit hand-over is not run)."""
    return OutboxMessage.objects.create(job=job_name, payload={"number": number})


# --- enqueue -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_enqueue_in_a_transaction_that_rolls_back_leaves_no_message_and_sends_nothing(
    user_factory, mailoutbox, django_capture_on_commit_callbacks
):
    user = user_factory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox_enqueue(job="accounts.send_password_reset", payload={"user_id": user.pk})
            raise RuntimeError("the change that needed the email failed")
    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_enqueue_runs_nothing_until_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = outbox_enqueue(job="tests.record_call", payload={"number": 7})
    assert CALLS == [] and len(callbacks) == 1
    callbacks[0]()
    message.refresh_from_db()
    assert CALLS == [7] and message.status == Status.DONE and message.attempts == 1


@pytest.mark.django_db
def test_enqueue_refuses_a_payload_the_handler_cannot_take_or_an_unknown_job():
    with pytest.raises(TypeError):
        outbox_enqueue(job="accounts.send_password_reset", payload={"email": "someone@example.org"})
    with pytest.raises(LookupError):
        outbox_enqueue(job="accounts.no_such_job", payload={})
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_same_idempotency_key_twice_gives_one_message_that_runs_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox_enqueue(job="tests.record_call", payload={"number": 1}, idempotency_key="vote-42")
        second = outbox_enqueue(job="tests.record_call", payload={"number": 1}, idempotency_key="vote-42")
    assert first.pk == second.pk and OutboxMessage.objects.count() == 1
    assert CALLS == [1]


# --- eager mode: the embedded default ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_password_reset_request_sends_one_email_with_a_working_link_and_marks_the_job_done(
    client, home_page, user_factory, mailoutbox
):
    user = user_factory(email="river@example.org")
    response = client.post(reverse("accounts:password-reset"), {"email": "River@Example.org"})
    assert response.status_code == 302 and response.url == reverse("accounts:password-reset-sent")
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]
    message = OutboxMessage.objects.get()
    assert message.status == Status.DONE and message.attempts == 1 and message.payload == {"user_id": user.pk}
    link = urlsplit(_reset_link(mailoutbox[0].body)).path
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and 'name="new_password1"' in form_page.content.decode()


@pytest.mark.django_db
def test_a_message_delivered_twice_sends_exactly_one_email(
    user_factory, mailoutbox, django_capture_on_commit_callbacks
):
    user = user_factory()
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox_enqueue(job="accounts.send_password_reset", payload={"user_id": user.pk})
    assert run_outbox_message(message.pk) == "skipped"
    run_outbox_message.delay(message.pk)
    assert relay_outbox() == 0 and relay_outbox() == 0
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_second_delivery_while_the_first_is_still_running_does_nothing():
    message = _pending("tests.delivered_again_while_running", number=3)
    assert run_outbox_message(message.pk) == "done"
    assert CALLS == [3, "skipped"]


@pytest.mark.django_db
def test_relaying_twice_runs_a_never_handed_over_message_once():
    message = _pending(number=5)
    assert outbox_relay() == 1
    assert outbox_relay() == 0
    message.refresh_from_db()
    assert CALLS == [5] and message.status == Status.DONE


# --- the broker is down --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_password_reset_succeeds_while_the_broker_is_down_and_the_email_goes_once_it_is_back(
    client, home_page, user_factory, mailoutbox, celery_broker, caplog
):
    user = user_factory()
    celery_broker.unreachable()
    caplog.set_level(logging.WARNING, logger="portal.jobs.services")

    started = time.monotonic()
    response = client.post(reverse("accounts:password-reset"), {"email": user.email}, follow=True)
    elapsed = time.monotonic() - started

    assert response.redirect_chain == [(reverse("accounts:password-reset-sent"), 302)]
    assert "Check your email" in response.content.decode()
    assert elapsed < 10
    message = OutboxMessage.objects.get()
    assert message.status == Status.PENDING and message.attempts == 0 and message.dispatched_at is None
    assert mailoutbox == []
    refused = [r for r in caplog.records if r.name == "portal.jobs.services"]
    assert [r.levelno for r in refused] == [logging.WARNING]
    assert "did not take it (kombu.exceptions.OperationalError)" in refused[0].getMessage()

    celery_broker.eager()  # the broker is back
    relay_outbox()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [user.email]
    relay_outbox()
    assert len(mailoutbox) == 1
    message.refresh_from_db()
    assert message.status == Status.DONE


@pytest.mark.django_db
def test_the_relay_stops_at_the_first_refusal_and_leaves_every_message_pending(celery_broker, caplog):
    first, second = _pending(number=1), _pending(number=2)
    celery_broker.unreachable()
    assert outbox_relay() == 0
    assert [r.levelno for r in caplog.records if r.name == "portal.jobs.services"] == [logging.WARNING]
    assert set(OutboxMessage.objects.values_list("status", "dispatched_at")) == {(Status.PENDING, None)}
    assert CALLS == [] and {first.pk, second.pk} == set(services.outbox_due_ids())


# --- the relay -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_relay_hands_a_message_over_once_until_the_broker_may_have_lost_it(monkeypatch):
    published = []
    task = celery_app.tasks[services.RUN_TASK]
    monkeypatch.setattr(task, "apply_async", lambda args: published.append(args))
    message = _pending()
    assert outbox_relay() == 1 and outbox_relay() == 0
    assert published == [(message.pk,)]
    with freeze_time(timezone.now() + services.REDISPATCH_AFTER + timedelta(seconds=1)):
        assert outbox_relay() == 1
    assert published == [(message.pk,), (message.pk,)]


@pytest.mark.django_db
def test_relay_reruns_a_message_whose_worker_stopped_mid_run():
    message = _pending(number=9)
    claimed_long_ago = timezone.now() - services.STALE_AFTER - timedelta(minutes=1)
    running = {"status": Status.RUNNING, "attempts": 1}
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=claimed_long_ago, **running)
    fresh = _pending(number=10)
    OutboxMessage.objects.filter(pk=fresh.pk).update(claimed_at=timezone.now(), **running)

    assert outbox_relay() == 1
    message.refresh_from_db()
    assert CALLS == [9] and message.status == Status.DONE and message.attempts == 2
    assert OutboxMessage.objects.get(pk=fresh.pk).status == Status.RUNNING


@pytest.mark.django_db
def test_relay_outbox_command_hands_over_due_messages(capsys):
    _pending(number=4)
    call_command("relay_outbox")
    assert CALLS == [4] and "Handed 1 job(s)" in capsys.readouterr().out


@pytest.mark.django_db
def test_relay_outbox_command_can_run_jobs_here_while_the_broker_is_down(celery_broker, capsys):
    _pending(number=6)
    celery_broker.unreachable()
    call_command("relay_outbox", "--here")
    assert CALLS == [6] and "Ran 1 job(s) here." in capsys.readouterr().out


# --- failures and retries ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_handler_is_retried_later_with_growing_waits_then_failed_after_the_last_attempt():
    message = _pending("tests.always_fails", number=1)
    waits = []
    for attempt in range(1, services.MAX_ATTEMPTS + 1):
        with freeze_time(max(message.available_at, timezone.now())) as frozen:
            assert run_outbox_message(message.pk) in {"retry", "failed"}
            message.refresh_from_db()
            assert message.attempts == attempt and message.last_error == "RuntimeError"
            if attempt < services.MAX_ATTEMPTS:
                assert message.status == Status.PENDING and message.available_at > timezone.now()
                waits.append(message.available_at - timezone.now())
                assert run_outbox_message(message.pk) == "skipped"  # not before its time
                frozen.tick(waits[-1] - timedelta(seconds=1))
                assert outbox_relay() == 0
    assert message.status == Status.FAILED and message.attempts == services.MAX_ATTEMPTS
    assert waits == sorted(waits) and waits[1] == 2 * waits[0]
    assert run_outbox_message(message.pk) == "skipped" and outbox_relay() == 0


@pytest.mark.django_db
def test_a_handler_that_fails_once_is_done_on_its_next_attempt_after_the_wait():
    message = _pending("tests.fails_once", number=2)
    assert run_outbox_message(message.pk) == "retry"
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.last_error == "ConnectionError"
    with freeze_time(message.available_at + timedelta(seconds=1)):
        assert outbox_relay() == 1
    message.refresh_from_db()
    assert message.status == Status.DONE and message.attempts == 2 and CALLS == [2, 2]


@pytest.mark.django_db
def test_a_failure_records_the_error_type_but_never_its_text():
    message = _pending("tests.always_fails", number=77)
    run_outbox_message(message.pk)
    message.refresh_from_db()
    assert "@" not in message.last_error and "person77" not in message.last_error


# --- a real worker (CI: CELERY_BROKER_URL set) ---------------------------------------------------


def _wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _status(message_id: int) -> str:
    return OutboxMessage.objects.get(pk=message_id).status


@pytest.mark.needs_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_one_password_reset_email(client, home_page, user_factory, celery_worker):
    user = user_factory()
    response = client.post(reverse("accounts:password-reset"), {"email": user.email})
    assert response.status_code == 302
    message = OutboxMessage.objects.get()
    assert _wait_for(lambda: _status(message.pk) == Status.DONE), celery_worker.log_tail()
    assert _wait_for(lambda: len(celery_worker.emails()) == 1)
    email = celery_worker.emails()[0]
    assert user.email in email and "/password-reset/" in email
    assert mail.outbox == []  # sent by the worker, not by this process


@pytest.mark.needs_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_given_the_same_message_three_times_sends_one_email(user_factory, celery_worker):
    first, sentinel = user_factory(), user_factory()
    message = outbox_enqueue(job="accounts.send_password_reset", payload={"user_id": first.pk})
    run_outbox_message.delay(message.pk)
    run_outbox_message.delay(message.pk)
    last = outbox_enqueue(job="accounts.send_password_reset", payload={"user_id": sentinel.pk})
    assert _wait_for(lambda: _status(last.pk) == Status.DONE), celery_worker.log_tail()
    assert _status(message.pk) == Status.DONE
    emails = celery_worker.emails()
    assert len(emails) == 2 and sum(first.email in email for email in emails) == 1


@pytest.mark.needs_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_a_job_queued_while_the_broker_was_down_once_after_the_relay(
    client, home_page, user_factory, celery_worker, celery_broker, caplog
):
    user = user_factory()
    celery_broker.unreachable()
    started = time.monotonic()
    response = client.post(reverse("accounts:password-reset"), {"email": user.email})
    assert response.status_code == 302 and time.monotonic() - started < 10
    assert any("did not take it" in r.getMessage() for r in caplog.records)
    message = OutboxMessage.objects.get()
    assert message.status == Status.PENDING

    celery_broker.real()  # the broker is back
    assert outbox_relay() == 1
    assert _wait_for(lambda: _status(message.pk) == Status.DONE), celery_worker.log_tail()
    assert outbox_relay() == 0
    assert _wait_for(lambda: len(celery_worker.emails()) == 1)
    assert user.email in celery_worker.emails()[0]
