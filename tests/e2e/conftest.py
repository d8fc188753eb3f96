"""Browser tests: Debian's headless Chromium driven by Playwright against pytest-django's live server.

Run them with `make e2e` (or `.ci/run`, which installs Chromium first). Never `playwright install`:
this machine reaches no browser download site, so the browser is Debian's package, found at
CHROMIUM_PATH (default /usr/bin/chromium).

Playwright's sync API keeps an event loop running in the test thread, which makes Django's
"async unsafe" guard refuse the ORM calls the fixtures make; the guard is meant for real async code,
so it is turned off while this folder's tests run (and only then: this conftest is also imported when
the rest of the suite runs with `-m "not e2e"`).
"""

import os
import re
import sqlite3
import time
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management.base import OutputWrapper
from django.db import connection

from portal.home.management.commands.seed_demo import Command as SeedDemo

from .helpers import WIDE

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium instead of a Playwright-downloaded build."""
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM_PATH}. Install Debian's package (apt-get install -y chromium) "
            "or set CHROMIUM_PATH; do not run `playwright install`."
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM_PATH, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": WIDE, "locale": "en-GB"}


# ---- seed_demo once per worker ---------------------------------------------------------------------------
# Most journeys start from `seed_demo` on the fresh database live_server leaves (every table emptied, the
# home page put back), which takes 5-20 s. The first run in each xdist worker seeds for real and keeps a
# copy of the whole database (SQLite's backup API, in memory); a later run that finds the database in the
# same state as that one did (the same number of rows in every table) gets the copy back instead, with the
# in-process caches emptied (content types, the cache backends) as the real seed's writes would have
# refreshed them. A worker's first test sees the database as migrated (Wagtail's default workflow and
# so on) and later ones see it flushed, so a copy is kept for each starting state. Anything else
# (PostgreSQL, a run inside a transaction, a starting state not seen before, a copy older than
# SNAPSHOT_MAX_AGE, whose "relative to now" dates would have drifted) seeds for real.
SNAPSHOT_MAX_AGE = 10 * 60  # seconds
_demo_snapshots: dict = {}  # the row counts before seeding -> the seeded copy, its output and its time


def _row_counts() -> tuple:
    """Rows in every table, but for the inner tables of SQLite's full-text indexes (*_fts_data, *_fts_idx,
    *_fts_config), whose row counts follow the index's history (deletes leave segments), not its content."""
    with connection.cursor() as cursor:
        counts = []
        for table in connection.introspection.table_names(cursor):
            if re.search(r"_fts_(data|idx|config)$", table):
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts.append((table, cursor.fetchone()[0]))
    return tuple(counts)


def _seed_demo_or_restore(self, *args, **options):
    copyable = connection.vendor == "sqlite" and connection.is_in_memory_db()
    if not copyable or connection.in_atomic_block:
        return _real_seed_demo(self, *args, **options)
    before = _row_counts()
    kept = _demo_snapshots.get(before)
    if kept and time.monotonic() - kept["at"] < SNAPSHOT_MAX_AGE:
        connection.ensure_connection()
        kept["database"].backup(connection.connection)
        ContentType.objects.clear_cache()
        for cache in caches.all():
            cache.clear()
        self.stdout.write(kept["output"], ending="")
        return None
    output, shown = StringIO(), self.stdout
    self.stdout = OutputWrapper(output)
    try:
        _real_seed_demo(self, *args, **options)
    finally:
        self.stdout = shown
    copy = sqlite3.connect(":memory:", check_same_thread=False)
    connection.connection.backup(copy)
    if kept:
        kept["database"].close()
    _demo_snapshots[before] = {"database": copy, "output": output.getvalue(), "at": time.monotonic()}
    self.stdout.write(output.getvalue(), ending="")
    return None


_real_seed_demo = SeedDemo.handle


@pytest.fixture(autouse=True)
def _seed_demo_once_per_worker(monkeypatch):
    monkeypatch.setattr(SeedDemo, "handle", _seed_demo_or_restore)


@pytest.fixture
def site_url(transactional_db, live_server, home_page):
    """The live server's address, with the page tree recreated after live_server's flush."""
    return live_server.url


@pytest.fixture
def page_problems(page):
    """JavaScript errors and failed requests (a missing stylesheet, a 404 script) seen by the page."""
    problems = []

    def on_console(message):
        # Chromium asks every new site for /favicon.ico on its own; the portal has none yet.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console {message.type}: {message.text} ({message.location.get('url')})")

    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", on_console)
    page.on(
        "response",
        lambda response: problems.append(f"HTTP {response.status}: {response.url}")
        if response.status >= 400
        else None,
    )
    return problems


@pytest.fixture
def signed_in(page, site_url, user_factory, password):
    """A service user signed in through the real sign-in form; returns the user."""
    from portal.accounts import roles

    user = user_factory(roles=[roles.SERVICE_USERS], display_name="Sam Example")
    page.goto(f"{site_url}/account/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/account/profile/$"))
    return user
