"""Fixtures for the whole suite: factories, a page tree, and role-holding people; and test databases
copied from a migrated template (PORTAL_TEST_DB_TEMPLATES) instead of migrated in every process."""

import fcntl
import hashlib
import importlib.metadata
import io
import os
import sqlite3
import sys
import uuid
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.backends.base.creation import BaseDatabaseCreation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import roles
from portal.audit import guards
from portal.home.setup import ensure_home_page

from .factories import DEFAULT_PASSWORD, ProfileFactory, UserFactory


@pytest.fixture
def user_factory(db):
    return UserFactory


@pytest.fixture
def profile_factory(db):
    return ProfileFactory


@pytest.fixture
def password():
    return DEFAULT_PASSWORD


@pytest.fixture
def service_user(db):
    return UserFactory(roles=[roles.SERVICE_USERS])


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_ledger_guards():
    """Transactional and live-server tests empty every table between tests (TRUNCATE on PostgreSQL,
    DELETE on SQLite), which the ledger's guards refuse: the harness lifts them around its flush, as the
    table's owner may, and puts them back at once."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    original = BaseDatabaseOperations.execute_sql_flush

    def flush(self, sql_list):
        with guards.guards_lifted(self.connection):
            original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty in-memory cache: a copy of a row kept in the cache (the page cache,
    portal/home/stable.py) must not outlive the test whose transaction made it."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    for cache in caches.all():
        if isinstance(cache, LocMemCache):
            cache.clear()


@pytest.fixture
def ledger_rows_editable(db):
    """Lets a test tamper with ledger rows: the guards are lifted inside the test's own transaction,
    which is rolled back at the end, so they are back for every other test."""
    from django.db import connection

    guards.lift(connection)


@pytest.fixture
def home_page(db):
    """The HomePage at the site root. Recreated when a transactional test or live_server flushed it,
    with the root collection Wagtail's migrations make (a flush takes that too)."""
    from django.contrib.auth.models import Group
    from wagtail.models import Collection

    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    home = ensure_home_page()
    if not Group.objects.filter(name=roles.SERVICE_USERS).exists():
        from django.apps import apps

        roles.apply_roles(apps)
    return home


@pytest.fixture(scope="module")
def module_db(django_db_setup, django_db_blocker):
    """Rows every test of a module shares, made once instead of once per test.

    A module-scoped fixture that asks for this makes its rows inside `with module_db.unblock():`; they
    are made in one transaction opened for the module. Each test still runs in its own savepoint inside
    it (pytest-django's `db` nests), so whatever a test changes is undone after that test, and the
    module's rows are rolled back after its last test. Not for modules with transactional tests (their
    flush would empty the shared rows). Marked like the transaction Django's TestCase opens, so code that
    asks for a durable transaction behaves as it does inside a test.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True
        atomic.__enter__()
    yield django_db_blocker
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def demo_once(module_db):
    """`manage.py seed_demo`, run once for the module inside module_db's transaction instead of once in
    every test (5-20 s each); what it printed. Tests ask for `seeded_demo`, not for this. A module-scoped
    fixture of a test module may add rows of its own on top (inside `with module_db.unblock():`). The
    module's rows are rolled back after its last test, and the in-process caches emptied, so no row of
    the demo reaches a later module."""
    with module_db.unblock():
        printed = io.StringIO()
        call_command("seed_demo", stdout=printed)
    yield printed.getvalue()
    forget_cached_rows()


@pytest.fixture
def seeded_demo(demo_once, db):
    """The demo as a fresh `seed_demo` leaves it (seeded once per module: demo_once), in this test's own
    savepoint, so what the test changes is undone after it; returns what seed_demo printed. The in-process
    caches are emptied first, so nothing a previous test's (rolled back) rows put there is seen."""
    forget_cached_rows()
    return demo_once


def forget_cached_rows():
    """Empty the in-process caches that can hold rows or ids (the in-memory cache backends, where Wagtail
    keeps its site root paths; Django's content types), as after rows are rolled back or replaced."""
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    ContentType.objects.clear_cache()
    for cache in caches.all():
        if isinstance(cache, LocMemCache):
            cache.clear()


@pytest.fixture
def verified_login(db):
    """`verified_login(client, user)`: sign staff in as if they had also typed their authenticator code.

    For tests that turn PORTAL_STAFF_2FA on (the test settings leave it off, so force_login is enough
    elsewhere). Gives the person a confirmed authenticator if they have none, and returns it.
    """

    def login(client, user) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return device

    return login


def pytest_collection_modifyitems(config, items):
    """Deselect (not skip) tests whose service is absent from this run's configuration.

    `postgres` tests need DATABASE_URL to point at PostgreSQL; `needs_worker` tests need a real broker
    (CELERY_BROKER_URL). `.ci/run` runs the suite a second time with both set, so each runs there.
    """
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_broker = bool(settings.CELERY_BROKER_URL)
    keep, dropped = [], []
    for item in items:
        if (item.get_closest_marker("postgres") and not on_postgres) or (
            item.get_closest_marker("needs_worker") and not has_broker
        ):
            dropped.append(item)
        else:
            keep.append(item)
    if config.getoption("database_tests_only"):
        for item in list(keep):
            if not _uses_a_service(item):
                keep.remove(item)
                dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    items.sort(key=_run_order)


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only", action="store_true", default=False,
        help="Deselect the tests that use no database, broker or live server (pure functions such as the "
        "tallies). .ci/run's PostgreSQL stage uses it: those tests already ran on SQLite, and nothing they "
        "can touch differs between the two runs.",
    )


# Fixtures through which a test reaches the database, the broker or a server. A test with none of them
# in its fixture closure (and no django_db, postgres or needs_worker mark) cannot touch any of them:
# pytest-django blocks every database access but through these (a fixture that unblocks the database
# itself still needs django_db_setup for a test database to exist).
SERVICE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup", "django_db_reset_sequences",
                    "django_db_serialized_rollback", "celery_broker", "celery_worker"}


def _uses_a_service(item) -> bool:
    marked = any(item.get_closest_marker(name) for name in ("django_db", "postgres", "needs_worker"))
    return marked or bool(SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())))


# The modules whose single tests take longest (20-90 s each, measured on this suite) run first, so that
# with several xdist workers none of them starts near the end and leaves the other workers idle while it
# finishes. Only the order changes; a module not listed keeps its place after these. Tests that empty the
# database when they finish (transactional ones, live_server) still come after all the others, as
# pytest-django (and Django) order them, so no test finds the rows the migrations made gone; xdist's
# default `load` scheduling hands each worker its tests in this order.
SLOW_MODULES = (
    "tests/portal/test_access_matrix.py",
    "tests/portal/test_hostile_input.py",
    "tests/governance/test_human_words.py",
    "tests/governance/test_register.py",
    "tests/e2e/test_staff_journeys.py",
    "tests/e2e/test_paper_and_resume.py",
    "tests/e2e/test_proposals.py",
    "tests/e2e/test_evidence.py",
)


def _run_order(item) -> tuple[bool, int]:
    marker = item.get_closest_marker("django_db")
    flushes = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    fixtures = set(getattr(item, "fixturenames", ()))
    flushes = flushes or bool({"transactional_db", "live_server", "django_db_reset_sequences"} & fixtures)
    module = item.nodeid.split("::", 1)[0]
    return flushes, SLOW_MODULES.index(module) if module in SLOW_MODULES else len(SLOW_MODULES)


# ---- test databases from a migrated template ------------------------------------------------------------
# Migrating an empty database takes 20-30 s (Django renders the migration state of some 240 migrations),
# and every pytest process does it: each xdist worker, and each of `make test`'s two runs and the e2e run.
# With PORTAL_TEST_DB_TEMPLATES naming a directory, the first process to need a test database migrates it
# as usual and keeps a copy (a SQLite file in that directory; on PostgreSQL a database named
# <name>_testtpl); every later one, with the same code, gets that copy instead (SQLite's backup API,
# PostgreSQL's CREATE DATABASE ... TEMPLATE), in well under a second. The copy is keyed by everything a
# migration can depend on: our apps' source (migrations and the code they call), the installed packages'
# versions, Python, the database engine, and a token kept in the directory, so a fresh directory (as
# .ci/run makes for each run) always starts with a real migration. Unset, nothing changes.
TEMPLATES_DIR_ENV = "PORTAL_TEST_DB_TEMPLATES"
_SKIP_SOURCE_DIRS = {"tests", "bench", "__pycache__", "node_modules", "static", "static_build", "templates"}


def _template_key(connection, directory: Path) -> str:
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    packages = sorted(
        p for p in base.iterdir() if (p / "__init__.py").exists() and p.name not in _SKIP_SOURCE_DIRS
    )
    for package in packages:
        for path in sorted(package.rglob("*.py")):
            if _SKIP_SOURCE_DIRS.isdisjoint(path.relative_to(base).parts):
                digest.update(str(path.relative_to(base)).encode() + b"\0" + path.read_bytes() + b"\0")
    dists = sorted(f"{d.metadata['Name']}=={d.version}" for d in importlib.metadata.distributions())
    digest.update("\n".join(dists).encode())
    digest.update(repr((sys.version, sqlite3.sqlite_version, connection.settings_dict["ENGINE"],
                        list(settings.INSTALLED_APPS), settings.LANGUAGE_CODE)).encode())
    token = directory / "token"
    with suppress(FileExistsError):  # made once per directory; whoever comes second reads the first's token
        with open(os.open(token, os.O_CREAT | os.O_EXCL | os.O_WRONLY), "w") as handle:
            handle.write(uuid.uuid4().hex)
    digest.update(token.read_bytes())
    return digest.hexdigest()[:32]


@contextmanager
def _locked(path: Path):
    """One process at a time (xdist workers, or `make test` beside a targeted run) builds or copies."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _finish_copied_test_db(creation, test_database_name: str, serialize: bool) -> str:
    """What Django's create_test_db does after `migrate`, for a database copied from the template."""
    connection = creation.connection
    if serialize:
        connection._test_serialized_contents = creation.serialize_db_to_string()
    call_command("createcachetable", database=connection.alias)
    connection.ensure_connection()
    return test_database_name


def _point_at_test_db(creation, test_database_name: str) -> None:
    creation.connection.close()
    settings.DATABASES[creation.connection.alias]["NAME"] = test_database_name
    creation.connection.settings_dict["NAME"] = test_database_name


def _sqlite_from_template(original, creation, key, directory, verbosity, autoclobber, serialize):
    connection = creation.connection
    template = directory / f"sqlite-{connection.alias}-{key}.sqlite3"
    if not template.exists():
        name = original(creation, verbosity, autoclobber, serialize, False)
        for stale in directory.glob(f"sqlite-{connection.alias}-*.sqlite3"):
            stale.unlink()
        partial = template.with_suffix(".partial")
        copy = sqlite3.connect(partial)
        connection.ensure_connection()
        connection.connection.backup(copy)
        copy.close()
        os.replace(partial, template)
        return name
    test_database_name = creation._get_test_db_name()
    creation._create_test_db(verbosity, autoclobber, False)
    _point_at_test_db(creation, test_database_name)
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
    source.backup(connection.connection)
    source.close()
    return _finish_copied_test_db(creation, test_database_name, serialize)


def _postgres_from_template(original, creation, key, verbosity, autoclobber, serialize):
    connection = creation.connection
    quote = connection.ops.quote_name
    template = f"{connection.settings_dict['NAME']}_testtpl"[:63]
    with creation._nodb_cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                       [template])
        found = cursor.fetchone()
    if not found or found[0] != key:
        name = original(creation, verbosity, autoclobber, serialize, False)
        connection.close()  # CREATE DATABASE ... TEMPLATE needs no one connected to the source
        with creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(template)}")
            cursor.execute(f"CREATE DATABASE {quote(template)} WITH TEMPLATE {quote(name)}")
            cursor.execute(f"COMMENT ON DATABASE {quote(template)} IS '{key}'")
        connection.ensure_connection()
        return name
    test_database_name = creation._get_test_db_name()
    connection.close()
    with creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(test_database_name)}")
        cursor.execute(f"CREATE DATABASE {quote(test_database_name)} WITH TEMPLATE {quote(template)}")
    _point_at_test_db(creation, test_database_name)
    return _finish_copied_test_db(creation, test_database_name, serialize)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings):
    """pytest-django's own (an xdist worker's suffix on the test database name), then, with
    PORTAL_TEST_DB_TEMPLATES set, test databases made from the migrated template (see above). This is
    the fixture pytest-django's django_db_setup runs first, so the copy is in place when it creates them."""
    directory = os.environ.get(TEMPLATES_DIR_ENV)
    if not directory:
        yield
        return
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    original = BaseDatabaseCreation.create_test_db

    def create_test_db(self, verbosity=1, autoclobber=False, serialize=True, keepdb=False):
        vendor = self.connection.vendor
        migrating = isinstance(settings.MIGRATION_MODULES, dict) and (
            self.connection.settings_dict["TEST"].get("MIGRATE", True) is not False
        )
        if keepdb or not migrating or vendor not in ("sqlite", "postgresql"):
            return original(self, verbosity, autoclobber, serialize, keepdb)
        with _locked(directory / f"{vendor}.lock"):
            key = _template_key(self.connection, directory)
            if vendor == "sqlite":
                return _sqlite_from_template(original, self, key, directory, verbosity, autoclobber,
                                             serialize)
            return _postgres_from_template(original, self, key, verbosity, autoclobber, serialize)

    BaseDatabaseCreation.create_test_db = create_test_db
    yield
    BaseDatabaseCreation.create_test_db = original
