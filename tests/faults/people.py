"""Signed-in people answering a consultation over real HTTP, as a browser would, step by step.

A person who is shown the 503 "send it again" page waits a moment and sends the same step again,
as the page asks; any other 5xx, or a connection error, is recorded as a failure.
"""

import http.client
import secrets
import threading
import time
from dataclasses import dataclass, field
from importlib import import_module
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

RETRY_PAUSE_SECONDS = 0.2
MAX_TRIES = 50


def signed_in_session(user) -> str:
    """A session key for `user`, written where the server reads sessions (as signing in would)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


@dataclass
class Tally:
    """What every person saw, shared between their threads."""

    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, status: int) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def failed(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)

    def one_sent(self) -> int:
        with self.lock:
            self.sent += 1
            return self.sent


class Person:
    def __init__(self, base_url: str, session_key: str, tally: Tally):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.csrf = secrets.token_hex(16)  # a 32-character CSRF secret, sent as cookie and header
        self.cookie = f"sessionid={session_key}; csrftoken={self.csrf}"
        self.tally = tally

    def post(self, path: str, data: dict) -> tuple[int, str]:
        """POST until the answer is not the 503 page; return (status, Location)."""
        body = urlencode(data, doseq=True)
        headers = {
            "Cookie": self.cookie,
            "X-CSRFToken": self.csrf,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        for _ in range(MAX_TRIES):
            try:
                connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                connection.request("POST", path, body=body, headers=headers)
                reply = connection.getresponse()
                content = reply.read()
                status, location = reply.status, reply.getheader("Location") or ""
                connection.close()
            except OSError as error:
                self.tally.failed(f"POST {path}: {error!r}")
                return 0, ""
            self.tally.saw(status)
            if status != 503:
                if status == 400:
                    self.tally.failed(f"POST {path}: 400 " + content.decode(errors='replace')[200:1800])
                if status >= 500:
                    self.tally.failed(f"POST {path}: {status}")
                return status, location
            time.sleep(RETRY_PAUSE_SECONDS)
        self.tally.failed(f"POST {path}: still 503 after {MAX_TRIES} tries")
        return 503, ""

    def answer(self, page_path: str, key: str, answers: list[str]) -> bool:
        """Start, answer each question, send. True when the done page was reached."""
        status, location = self.post(f"{page_path}start/", {"idempotency_key": key})
        if status != 302 or "/respond/" not in location:
            self.tally.failed(f"start: {status} {location}")
            return False
        token = urlsplit(location).path.split("/respond/")[1].split("/")[0]
        for number, text in enumerate(answers, start=1):
            status, location = self.post(f"{page_path}respond/{token}/{number}/", {"answer": text})
            if status != 302:
                self.tally.failed(f"question {number}: {status}")
                return False
        status, location = self.post(f"{page_path}respond/{token}/check/", {})
        if status == 302 and location.endswith("/done/"):
            self.tally.one_sent()
            return True
        self.tally.failed(f"send: {status} {location}")
        return False
