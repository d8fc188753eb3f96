"""The real stack for fault tests: gunicorn and a prefork Celery worker on the test database, and a
Redis of their own as the broker, so a test can kill it and start it again.

Everything runs in its own process group and is stopped at the end. The web processes connect to
PostgreSQL as application `portal-faults-web` and keep their connections (DB_CONN_MAX_AGE), like a
production server, so a test can find and cut exactly their connections.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings

from tests.portal.conftest import BASE_DIR, CeleryBroker, _database_url, read_emails

WEB_APPLICATION_NAME = "portal-faults-web"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = log.read_text()[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not happen within {timeout} s\n{tail}")


def _stop_group(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 15) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):  # it ended between the check and the signal
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


class RedisServer:
    """A redis-server on its own port with no persistence: killing it loses whatever it held."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(self.workdir)]
        log = (self.workdir / "redis.log").open("a")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self.answers, 20, "redis-server answering")

    def answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """SIGKILL: the broker is gone at once, with every message it held."""
        _stop_group(self.process, signal.SIGKILL)

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)


class Stack:
    """gunicorn and a Celery worker on the test database and the stack's own Redis."""

    def __init__(self, workdir: Path, broker: RedisServer, cache: RedisServer):
        self.workdir, self.broker, self.cache = workdir, broker, cache
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.email_dir = workdir / "email"
        self.faults_dir = workdir / "faults"
        self.web: subprocess.Popen | None = None
        self.worker: subprocess.Popen | None = None

    def env(self, application_name: str) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": _database_url(settings.DATABASES["default"]),
            "DB_CONN_MAX_AGE": "60",
            "PGAPPNAME": application_name,
            "CELERY_BROKER_URL": self.broker.url,
            # A cache of their own, shared by the web processes (not the broker, which the tests kill).
            "TEST_CACHE_URL": self.cache.url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "TEST_CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "TEST_EMAIL_FILE_PATH": str(self.email_dir),
            "FAULTS_DIR": str(self.faults_dir),
            "PYTHONPATH": str(BASE_DIR),
        }

    def _spawn(self, name: str, command: list[str], application_name: str) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("a")
        return subprocess.Popen(
            command, env=self.env(application_name), cwd=BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text()[-4000:] if path.exists() else ""

    def start(self) -> None:
        self.email_dir.mkdir(exist_ok=True)
        self.faults_dir.mkdir(exist_ok=True)
        gunicorn = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind",
                    f"127.0.0.1:{self.port}", "--workers", "2", "--timeout", "60", "--graceful-timeout", "5"]
        self.web = self._spawn("web", gunicorn, WEB_APPLICATION_NAME)
        worker = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=prefork", "--concurrency=2",
                  "--loglevel=info", "--without-gossip", "--without-mingle", "--include=tests.faults.jobs",
                  f"--hostname=faults-{self.port}@localhost"]
        self.worker = self._spawn("worker", worker, "portal-faults-worker")
        _wait(self.web_answers, 60, "gunicorn answering", self.workdir / "web.log")
        _wait(lambda: self.worker_children() != [], 60, "the Celery worker starting its pool",
              self.workdir / "worker.log")
        _wait(lambda: "ready." in self.log("worker"), 60, "the Celery worker ready", self.workdir / "worker.log")

    def web_answers(self) -> bool:
        import http.client

        try:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            connection.request("GET", "/account/sign-in/")
            return connection.getresponse().status == 200
        except OSError:
            return False

    @staticmethod
    def children(pid: int) -> list[int]:
        found = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            text = (task / "children").read_text().split() if (task / "children").exists() else []
            found += [int(child) for child in text]
        return sorted(found)

    def worker_children(self) -> list[int]:
        return self.children(self.worker.pid) if self.worker else []

    def web_children(self) -> list[int]:
        return self.children(self.web.pid) if self.web else []

    def emails(self) -> list[str]:
        return read_emails(self.email_dir)

    def reset_files(self) -> None:
        for folder in (self.email_dir, self.faults_dir):
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()

    def stop(self) -> None:
        for process in (self.worker, self.web):
            if process is not None:
                _stop_group(process)


@pytest.fixture(scope="module")
def _stack_processes(django_db_setup, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("faults")
    broker, cache = RedisServer(workdir), RedisServer(workdir)
    broker.start()
    cache.start()
    stack = Stack(workdir, broker, cache)
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
        broker.stop()
        cache.stop()


@pytest.fixture
def stack(_stack_processes, monkeypatch):
    """The running stack, with this test process publishing to the stack's broker (not eager)."""
    _stack_processes.reset_files()
    # Each test makes its pages afresh, with new ids, without publishing them through the site: nothing
    # the web processes kept from the test before may be used (portal/home/stable.py).
    redis.Redis.from_url(_stack_processes.cache.url).flushdb()
    if not _stack_processes.broker.answers():
        _stack_processes.broker.start()
    broker = CeleryBroker(monkeypatch)
    broker.real_url = _stack_processes.broker.url
    broker.real()
    monkeypatch.setenv("FAULTS_DIR", str(_stack_processes.faults_dir))
    yield _stack_processes
    broker.restore()
