"""Fixtures for the whole suite: factories, a page tree, and role-holding people."""

import pytest
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
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
