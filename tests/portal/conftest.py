"""Fixtures for the portal's own tests: switching the Celery broker, and a real Celery worker."""

import logging
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from portal.celery import app as celery_app

# Nothing listens on port 1: a publish there is refused at once, like a Redis that is down.
UNREACHABLE_BROKER_URL = "redis://127.0.0.1:1/0"
BASE_DIR = Path(settings.BASE_DIR)


def read_emails(folder: Path) -> list[str]:
    """Every email Django's file backend wrote to `folder`. It names a file by the second and the
    connection object's id, so two sends in one second can share a file: split on its separator."""
    separator = "\n" + "-" * 79 + "\n"
    return [
        message
        for path in sorted(folder.iterdir())
        for message in path.read_text().split(separator)
        if message.strip()
    ]


def _drop_broker_connections() -> None:
    """Forget the app's cached connection and producer pools so the next publish uses the new URL.

    Not closed: kombu keeps one pool per URL for the whole process, and a closed one is never reopened.
    """
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class CeleryBroker:
    """Points the one Celery app at a broker for a test; the fixture puts everything back after.

    Celery reads the CELERY_BROKER_URL environment variable before its own configuration, so both are
    changed, and its cached connection pools are dropped each time.
    """

    def __init__(self, monkeypatch):
        self._monkeypatch = monkeypatch
        self.real_url = settings.CELERY_BROKER_URL
        self._saved = (celery_app.conf.task_always_eager, celery_app.conf.broker_url)

    def _point(self, *, url: str, eager: bool) -> None:
        celery_app.conf.task_always_eager = eager
        celery_app.conf.broker_url = url
        if url:
            self._monkeypatch.setenv("CELERY_BROKER_URL", url)
        else:
            self._monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
        _drop_broker_connections()

    def unreachable(self) -> None:
        """Jobs are published (not run eagerly) to a broker that refuses every connection."""
        self._point(url=UNREACHABLE_BROKER_URL, eager=False)

    def eager(self) -> None:
        """The embedded default: jobs run in this process as soon as they are handed over."""
        self._point(url=self.real_url, eager=True)

    def real(self) -> None:
        """Jobs are published to the broker this run was configured with (CELERY_BROKER_URL)."""
        assert self.real_url, "no CELERY_BROKER_URL configured for this run"
        self._point(url=self.real_url, eager=False)

    def restore(self) -> None:
        celery_app.conf.task_always_eager, celery_app.conf.broker_url = self._saved
        _drop_broker_connections()


@pytest.fixture
def celery_broker(monkeypatch):
    broker = CeleryBroker(monkeypatch)
    yield broker
    broker.restore()


def _database_url(db: dict) -> str:
    """A DATABASE_URL (as dj-database-url reads it) for the database this test process uses."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"].endswith("postgresql"):
        auth = quote(db.get("USER") or "", safe="")
        if db.get("PASSWORD"):
            auth += ":" + quote(db["PASSWORD"], safe="")
        host, port = db.get("HOST") or "localhost", db.get("PORT") or 5432
        return f"postgres://{auth}@{host}:{port}/{quote(db['NAME'])}"
    raise NotImplementedError(f"No worker database URL for {db['ENGINE']}")


class Worker:
    """A `celery worker` subprocess on this run's broker, queue and test database."""

    def __init__(self, process: subprocess.Popen, nodename: str, email_dir: Path, log_path: Path):
        self.process, self.nodename, self.email_dir, self.log_path = process, nodename, email_dir, log_path

    def emails(self) -> list[str]:
        """The text of every email the worker has sent, oldest first."""
        return read_emails(self.email_dir)

    def log_tail(self) -> str:
        return self.log_path.read_text()[-3000:]

    def wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"The Celery worker exited ({code}):\n{self.log_tail()}")
            if celery_app.control.ping(destination=[self.nodename], timeout=0.5):
                return
        raise RuntimeError(f"The Celery worker did not answer a ping in {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@pytest.fixture(scope="session")
def _celery_worker_process(django_db_setup, tmp_path_factory):
    """Start one real worker for the session, once the test database exists; stop it before it is dropped."""
    if not settings.CELERY_BROKER_URL:
        # tests/conftest.py deselects needs_worker tests without a broker, so reaching here is a mistake.
        pytest.fail("A real Celery worker needs CELERY_BROKER_URL; run needs_worker tests with it set.")
    email_dir = tmp_path_factory.mktemp("worker-email")
    log_path = tmp_path_factory.mktemp("worker-log") / "worker.log"
    nodename = f"portal-test-{uuid.uuid4().hex[:8]}@localhost"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": _database_url(settings.DATABASES["default"]),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "TEST_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
        "TEST_EMAIL_FILE_PATH": str(email_dir),
        "PYTHONPATH": str(BASE_DIR),
    }
    command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=warning"]
    command += ["--without-gossip", "--without-mingle", f"--hostname={nodename}"]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, env=env, cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
    worker = Worker(process, nodename, email_dir, log_path)
    try:
        worker.wait_until_ready(timeout=60)
        yield worker
    finally:
        worker.stop()
        _delete_test_queue()


def _delete_test_queue() -> None:
    """Remove this run's queue (and Redis's binding for it) from the broker."""
    try:
        with celery_app.connection_for_write() as connection:
            queue = celery_app.amqp.queues[settings.CELERY_TASK_DEFAULT_QUEUE](connection.default_channel)
            queue.declare()  # so this channel knows the bindings it is asked to delete
            queue.delete()
    except Exception as error:  # noqa: BLE001 - tidying only; a leftover empty queue does no harm
        logging.getLogger(__name__).info("Could not delete the test queue: %r", error)


@pytest.fixture
def celery_worker(_celery_worker_process, celery_broker):
    """The session's real worker, with this test publishing to its broker and an empty email folder."""
    for path in _celery_worker_process.email_dir.iterdir():
        path.unlink()
    celery_broker.real()
    return _celery_worker_process
