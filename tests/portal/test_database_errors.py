"""A database connection lost part-way through a request: a calm 503 "send it again", never the 500."""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from consultations import services
from consultations.models import Response
from tests.consultations.factories import make_consultation
from tests.consultations.test_answering import answer_all, start, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def sending(home_page):
    """An anonymous draft with every answer given, ready to send, and a client that shows error pages."""
    page = make_consultation()
    client = Client(raise_request_exception=False)
    token = token_of(start(client, page))
    answer_all(client, page, token)
    return client, page, token


@pytest.mark.parametrize(
    "error",
    [OperationalError("server closed the connection unexpectedly"), InterfaceError("connection already closed")],
    ids=["connection-dropped", "connection-closed"],
)
def test_a_lost_database_connection_gets_a_503_that_says_send_again_and_the_retry_works(
    sending, monkeypatch, error
):
    client, page, token = sending
    real_submit = services.response_submit

    def connection_lost(**kwargs):
        raise error

    monkeypatch.setattr(services, "response_submit", connection_lost)
    refused = client.post(f"{page.url}respond/{token}/check/")
    assert refused.status_code == 503 and refused["Retry-After"] == "5"
    html = refused.content.decode()
    assert "Sorry, something went wrong for a moment" in html and "send it again" in html
    assert "may not have saved" in html  # it cannot know whether the work committed before the loss
    assert Response.objects.get().status == Response.Status.DRAFT  # nothing half-done, the draft kept

    monkeypatch.setattr(services, "response_submit", real_submit)
    sent = client.post(f"{page.url}respond/{token}/check/")
    assert sent.status_code == 302 and Response.objects.get().status == Response.Status.SUBMITTED


def test_any_other_error_still_gets_the_plain_500_page(sending, monkeypatch):
    client, page, token = sending

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(services, "response_submit", broken)
    reply = client.post(f"{page.url}respond/{token}/check/")
    assert reply.status_code == 500 and "Sorry, there is a problem with the service" in reply.content.decode()


def test_handing_a_job_over_after_commit_never_fails_the_request_when_the_database_drops(monkeypatch, caplog):
    """The change committed; the outbox row waits for the relay instead of the person seeing an error."""
    from portal.jobs import services as outbox
    from portal.jobs.models import OutboxMessage

    message = OutboxMessage.objects.create(job="accounts.send_password_reset", payload={"user_id": 1})

    def connection_lost(now):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(outbox, "_due", connection_lost)
    assert outbox.outbox_dispatch(message_id=message.pk) == "error"
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING and message.dispatched_at is None
    assert "waits for the relay" in caplog.text


def test_a_session_that_could_not_be_saved_because_the_connection_dropped_is_a_503_not_a_400():
    """Django turns a failed session save into SessionInterrupted (400, "could not read what was sent")."""
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.exceptions import SessionInterrupted

    from portal.errors import bad_request

    def interrupted(cause: Exception) -> SessionInterrupted:
        try:
            try:
                try:
                    raise cause
                except OperationalError:
                    raise UpdateError
            except UpdateError:
                raise SessionInterrupted("The request's session was deleted before the request completed.")
        except SessionInterrupted as error:
            return error

    lost = bad_request(None, interrupted(OperationalError("terminating connection")))
    assert lost.status_code == 503 and b"send it again" in lost.content
    other = bad_request(None, SessionInterrupted("deleted by signing out in another tab"))
    assert other.status_code == 400 and b"could not read what was sent" in other.content


def _from_postgres(kind) -> OperationalError:
    """An OperationalError as Django raises it from psycopg: the driver's error is its cause."""
    error = OperationalError(kind.__name__)
    error.__cause__ = kind("from the server")
    return error


@pytest.mark.parametrize("kind", ["AdminShutdown", "ConnectionFailure", "TooManyConnections", "CannotConnectNow"])
def test_connection_and_server_errors_are_503(kind):
    import psycopg.errors

    from portal.errors import caused_by_lost_database

    assert caused_by_lost_database(_from_postgres(getattr(psycopg.errors, kind)))


@pytest.mark.parametrize("kind", ["ProgramLimitExceeded", "StatementTooComplex", "QueryCanceled", "DiskFull"])
def test_errors_that_would_happen_again_are_not_called_a_moment_s_trouble(sending, monkeypatch, kind):
    """psycopg calls these OperationalError too, but sending again would fail again: the 500 page."""
    import psycopg.errors

    client, page, token = sending

    def fails_for_good(**kwargs):
        raise _from_postgres(getattr(psycopg.errors, kind))

    monkeypatch.setattr(services, "response_submit", fails_for_good)
    assert client.post(f"{page.url}respond/{token}/check/").status_code == 500
