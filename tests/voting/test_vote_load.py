"""The floor: 200 simultaneous vote requests from 100 voters, through the real server stack.

Each voter signs in (a real session cookie) and loads the ballot paper (a real CSRF cookie and form
token), then all 200 POSTs (two per voter, half of them with a different second choice) are released
together by a barrier against a threaded HTTP server running Django's WSGI handler with the whole
middleware stack. Exactly 100 papers, 100 "has voted" marks and 100 receipt pages must come out, every
other answer must be the plain "You have already voted" page, and nothing may fail.

PostgreSQL only (CI runs it with DATABASE_URL set): SQLite's in-memory test database is one connection
shared by every server thread, so simultaneous requests would interleave each other's transactions
on it; that measures the test harness, not the portal.

The server is Django's own live-server thread (the one pytest-django's `live_server` runs) with two
production-like limits a real deployment has and the test server lacks: at most SERVER_WORKERS requests
are handled at once (gunicorn's workers x threads; each holds a database connection, and PostgreSQL
here allows 100 in all), and a listen backlog big enough for 200 connections arriving together.
Every request still reaches the server at once and waits in the server, as behind a real load balancer.
"""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.conf import settings
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connection
from django.test import Client
from django.test.testcases import LiveServerThread

from tests.governance.factories import make_body
from voting.models import Ballot, BallotPaper, RollEntry
from voting.services import ballot_open, receipt_hash

from .test_casting import make_ballot, voters_of

VOTERS = 100
SERVER_WORKERS = 32
ALREADY = "You have already voted"
RECEIPT = "Your receipt code"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODE = re.compile(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</strong>")


class PooledWSGIServer(ThreadedWSGIServer):
    """A thread per connection, as Django's test server, but at most SERVER_WORKERS inside Django at once."""

    request_queue_size = 512

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = threading.BoundedSemaphore(SERVER_WORKERS)

    def process_request_thread(self, request, client_address):
        with self.slots:
            super().process_request_thread(request, client_address)


class PooledLiveServerThread(LiveServerThread):
    server_class = PooledWSGIServer


@pytest.fixture
def server(transactional_db):
    thread = PooledLiveServerThread("127.0.0.1", static_handler=StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


def sign_in(voter, vote_url: str) -> dict:
    """A signed-in browser's cookies and form token for `voter`, from loading the ballot paper."""
    client = Client()
    try:
        client.force_login(voter)  # a session row, as signing in makes
    finally:
        connection.close()  # this runs in a pool thread: give its database connection back
    cookies = {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
    page = requests.get(vote_url, cookies=cookies, timeout=30)
    assert page.status_code == 200, page.text[:500]
    cookies[settings.CSRF_COOKIE_NAME] = page.cookies[settings.CSRF_COOKIE_NAME]
    found = TOKEN.search(page.text)
    return {"cookies": cookies, "token": found.group(1) if found else cookies[settings.CSRF_COOKIE_NAME]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_simultaneous_vote_requests_from_100_voters_through_the_server(server, home_page):
    body = make_body(code="EL", members=VOTERS, lived=10)
    ballot = make_ballot(body, kind=Ballot.Kind.SINGLE, options=("Ana", "Bo", "Cy"))
    ballot_open(ballot=ballot, user=None)
    options = list(ballot.options.order_by("order").values_list("pk", flat=True))
    voters = voters_of(body)
    assert len(voters) == VOTERS
    vote_url = f"{server}/ballots/{ballot.pk}/vote/"

    with ThreadPoolExecutor(max_workers=8) as pool:
        browsers = list(pool.map(lambda voter: sign_in(voter, vote_url), voters))

    # Two requests per voter: the same choice twice for even voters, two different choices for odd ones.
    sends = []
    for n, browser in enumerate(browsers):
        sends.append((browser, options[n % 3]))
        sends.append((browser, options[(n + n % 2) % 3]))
    assert len(sends) == 2 * VOTERS
    barrier = threading.Barrier(len(sends))

    def send(item):
        browser, choice = item
        data = {"csrfmiddlewaretoken": browser["token"], "vote": str(choice), "confirmed": "1"}
        barrier.wait(timeout=60)
        try:
            reply = requests.post(
                vote_url, data=data, cookies=browser["cookies"], timeout=120, allow_redirects=False
            )
        except requests.RequestException as error:
            return ("connection error", repr(error))
        return (reply.status_code, reply.text)

    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        replies = list(pool.map(send, sends))

    errors = [(status, text[:300]) for status, text in replies if status == "connection error"]
    server_errors = [(status, text[:300]) for status, text in replies
                     if isinstance(status, int) and status >= 500]
    receipts = [text for status, text in replies if status == 200 and RECEIPT in text]
    already = [text for status, text in replies if status == 200 and ALREADY in text and RECEIPT not in text]
    other = [(status, text[:300]) for status, text in replies
             if not (status == 200 and (RECEIPT in text or ALREADY in text))]

    assert errors == [] and server_errors == []
    assert other == []  # every answer that did not cast a vote is the "already voted" page
    assert len(receipts) == VOTERS and len(already) == VOTERS
    assert BallotPaper.objects.filter(ballot=ballot).count() == VOTERS
    assert RollEntry.objects.filter(ballot=ballot, has_voted=True).count() == VOTERS
    # Each receipt shown is the receipt of exactly one stored paper, and every paper was a valid choice.
    codes = [CODE.search(text).group(1) for text in receipts]
    stored = set(BallotPaper.objects.filter(ballot=ballot).values_list("receipt_hash", flat=True))
    assert {receipt_hash(code) for code in codes} == stored and len(stored) == VOTERS
    stored_choices = BallotPaper.objects.filter(ballot=ballot).values_list("choices", flat=True)
    assert all(choice in options for choices in stored_choices for choice in choices)
