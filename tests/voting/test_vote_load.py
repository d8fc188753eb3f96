"""The race, through gunicorn: 100 voters each send the same vote 2 to 5 times at once (350 requests).

Each voter signs in (a real session row) and loads the ballot paper from gunicorn (a real CSRF cookie
and form token); then every POST is released together by a barrier against gunicorn's sync workers,
started from this folder as production starts them (gunicorn.conf.py's access log format) on the test
database. Exactly 100 receipt pages, 100 sealed papers and 100 "has voted" marks must come out, every
other answer must be the plain "You have already voted" page, and nothing may fail. After close: 100
papers and 100 receipts, every receipt code shown among them, and none of them in gunicorn's logs.

PostgreSQL only (CI runs it with DATABASE_URL set): gunicorn's processes need a database they can share
with this test, which SQLite's in-memory test database is not.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.faults.conftest import _wait, free_port
from tests.governance.factories import make_body
from tests.portal.conftest import BASE_DIR, _database_url
from voting.models import Ballot, BallotPaper, BallotReceipt, RollEntry, SealedPaper
from voting.services import ballot_close, ballot_open, receipt_hash

from .test_casting import make_ballot, voters_of

VOTERS = 100
ALREADY = "You have already voted"
RECEIPT = "Your receipt code"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CODE = re.compile(r"<strong>([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</strong>")


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    """gunicorn on this test's database, 4 sync workers, logging as production does (gunicorn.conf.py)."""
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "PYTHONPATH": str(BASE_DIR),
           "DATABASE_URL": _database_url(settings.DATABASES["default"]), "DB_CONN_MAX_AGE": "60"}
    logs = {"access": tmp_path / "access.log", "error": tmp_path / "error.log"}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--timeout", "60", "--access-logfile", str(logs["access"]),
         "--error-logfile", str(logs["error"])],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    def answers() -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(f"{base}/account/sign-in/", timeout=2).status_code == 200
        return False

    try:
        _wait(answers, 60, "gunicorn answering", logs["error"])
        yield base, logs
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


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
def test_100_voters_sending_the_same_vote_2_to_5_times_at_once_through_gunicorn_make_100_papers(gunicorn, home_page):
    base, logs = gunicorn
    body = make_body(code="EL", members=VOTERS, lived=10)
    ballot = make_ballot(body, kind=Ballot.Kind.SINGLE, options=("Ana", "Bo", "Cy"))
    ballot_open(ballot=ballot, user=None)
    options = list(ballot.options.order_by("order").values_list("pk", flat=True))
    voters = voters_of(body)
    assert len(voters) == VOTERS
    vote_url = f"{base}/ballots/{ballot.pk}/vote/"

    with ThreadPoolExecutor(max_workers=8) as pool:
        browsers = list(pool.map(lambda voter: sign_in(voter, vote_url), voters))

    sends = [(browser, options[n % 3]) for n, browser in enumerate(browsers) for _ in range(2 + n % 4)]
    assert len(sends) == 350
    barrier = threading.Barrier(len(sends))

    def send(item):
        browser, choice = item
        data = {"csrfmiddlewaretoken": browser["token"], "vote": str(choice), "confirmed": "1"}
        barrier.wait(timeout=120)
        try:
            reply = requests.post(vote_url, data=data, cookies=browser["cookies"], timeout=180, allow_redirects=False)
        except requests.RequestException as error:
            return ("connection error", repr(error))
        return (reply.status_code, reply.text)

    with ThreadPoolExecutor(max_workers=len(sends)) as pool:
        replies = list(pool.map(send, sends))

    errors = [text[:300] for status, text in replies if status == "connection error"]
    server_errors = [(status, text[:300]) for status, text in replies if isinstance(status, int) and status >= 500]
    receipts = [text for status, text in replies if status == 200 and RECEIPT in text]
    already = [text for status, text in replies if status == 200 and ALREADY in text and RECEIPT not in text]
    other = [(status, text[:300]) for status, text in replies
             if not (status == 200 and (RECEIPT in text or ALREADY in text))]
    assert errors == [] and server_errors == []
    assert other == []  # every answer that did not cast a vote is the "already voted" page
    assert len(receipts) == VOTERS and len(already) == len(sends) - VOTERS
    assert SealedPaper.objects.filter(ballot=ballot).count() == VOTERS
    assert RollEntry.objects.filter(ballot=ballot, has_voted=True).count() == VOTERS

    ballot_close(ballot=ballot)
    assert BallotPaper.objects.filter(ballot=ballot).count() == VOTERS
    codes = [CODE.search(text).group(1) for text in receipts]
    stored = set(BallotReceipt.objects.filter(ballot=ballot).values_list("receipt_hash", flat=True))
    assert {receipt_hash(code) for code in codes} == stored and len(stored) == VOTERS
    choices = sorted(c for (c,) in BallotPaper.objects.filter(ballot=ballot).values_list("choices"))
    assert choices == sorted([options[n % 3]] for n in range(VOTERS))  # each voter's one vote, as sent

    for code in codes[:10]:  # checked as a voter would, by POST, through gunicorn
        page = requests.get(f"{base}/ballots/{ballot.pk}/receipts/", timeout=30)
        reply = requests.post(f"{base}/ballots/{ballot.pk}/receipts/", timeout=30, cookies=page.cookies,
                              data={"code": code, "csrfmiddlewaretoken": TOKEN.search(page.text).group(1)})
        assert "Your vote was counted" in reply.text
    time.sleep(0.5)  # gunicorn writes its access log line after the response
    logged = logs["access"].read_text() + logs["error"].read_text()
    assert logged.count("POST /ballots/") >= len(sends) + 10
    assert not [code for code in codes if code in logged or code.replace("-", "") in logged]
