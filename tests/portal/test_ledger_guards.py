"""The database itself refuses to change the ledger, on SQLite and PostgreSQL, and the role the site
runs as in production cannot switch that refusal off."""

import os

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from portal.audit.hashing import canonical_data, canonical_json, compute_hash
from portal.audit.models import AuditEvent
from portal.audit.selectors import audit_verify
from portal.audit.services import audit_record


def _event():
    return audit_record(actor=None, action="decision.recorded", target=("governance.decision", 1))


@pytest.mark.django_db
@pytest.mark.parametrize("how", ["update", "delete one", "delete all", "truncate"])
def test_the_database_refuses_to_change_or_remove_ledger_rows(how):
    event = _event()
    sql = {
        "update": "UPDATE audit_auditevent SET action = 'rewritten' WHERE id = %s",
        "delete one": "DELETE FROM audit_auditevent WHERE id = %s",
        "delete all": "DELETE FROM audit_auditevent",
        # SQLite has no TRUNCATE: its way of emptying a table is the unqualified DELETE.
        "truncate": "TRUNCATE audit_auditevent CASCADE" if connection.vendor == "postgresql" else "DELETE FROM audit_auditevent",
    }[how]
    with pytest.raises(DatabaseError, match="the audit ledger is append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk] if "%s" in sql else None)
    assert AuditEvent.objects.get(pk=event.pk).action == "decision.recorded"
    assert audit_verify().ok and audit_verify().count == 1


@pytest.mark.django_db
def test_the_orm_cannot_update_or_delete_ledger_rows_either():
    event = _event()
    for change in (lambda qs: qs.update(action="rewritten"), lambda qs: qs.delete()):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            change(AuditEvent.objects.filter(pk=event.pk))
    assert audit_verify().ok and audit_verify().count == 1


ROLE = f"portal_test_runtime_{os.getpid()}"


@pytest.fixture
def runtime_role(transactional_db):
    """The production runtime role, made by `grant_runtime_role`, and a connection as it."""
    call_command("grant_runtime_role", ROLE)
    db = settings.DATABASES["default"]
    role_connection = psycopg.connect(host=db.get("HOST") or "localhost", port=db.get("PORT") or 5432,
                                      dbname=db["NAME"], user=ROLE, autocommit=True)
    try:
        yield role_connection
    finally:
        role_connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{ROLE}"')
            cursor.execute(f'DROP ROLE "{ROLE}"')


REFUSED_TO_THE_RUNTIME_ROLE = [
    ("ALTER TABLE audit_auditevent DISABLE TRIGGER USER", "must be owner"),
    ("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only", "must be owner"),
    ("DROP TRIGGER audit_auditevent_no_truncate ON audit_auditevent", "must be owner"),
    ("UPDATE audit_auditevent SET action = 'rewritten'", "permission denied"),
    ("DELETE FROM audit_auditevent", "permission denied"),
    ("TRUNCATE audit_auditevent CASCADE", "permission denied"),
    ("ALTER TABLE audit_auditevent OWNER TO CURRENT_USER", "must be owner"),
]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_can_read_the_ledger_but_cannot_change_it_or_switch_its_guards_off(runtime_role):
    event = _event()
    with runtime_role.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        assert cursor.fetchone()[0] == 1  # it reads the ledger
        cursor.execute("SELECT count(*) FROM django_session")  # and the site's other tables
        for sql, refusal in REFUSED_TO_THE_RUNTIME_ROLE:
            with pytest.raises(psycopg.Error, match=refusal):
                cursor.execute(sql)
    assert AuditEvent.objects.get(pk=event.pk).action == "decision.recorded"
    assert audit_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_runs_the_site_and_appends_events(runtime_role):
    """Writing through the role: a new event goes in (INSERT is granted) and the chain stays whole."""
    _event()
    head = AuditEvent.objects.get()
    with runtime_role.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_key, action, target_type, target_id, data, data_text, prev_hash, "
            "hash) VALUES (now(), '', 'test.by_role', '', '', '{}', '{}', %s, %s)", [head.hash, "f" * 64])
        cursor.execute("UPDATE django_session SET expire_date = expire_date")  # ordinary tables: full writes
    assert AuditEvent.objects.count() == 2
    assert not audit_verify().ok  # a forged hash is still caught by the chain: the role adds, the walk checks


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_appends_through_the_ledger_function_and_the_chain_holds(runtime_role):
    """`audit_append` (migration 0007) runs with its caller's rights: the role that may only add events
    appends a chained one through it, as the site does."""
    head = _event()
    draft = AuditEvent(occurred_at=head.occurred_at, actor_key="", action="test.by_role", target_type="",
                       target_id="", data={"n": 1}, data_text=canonical_data({"n": 1}))
    with runtime_role.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_append(%s, '', 'test.by_role', '', '', %s, %s, %s)",
                       [draft.occurred_at, draft.data_text, canonical_json(draft), AuditEvent.GENESIS_HASH])
        new_id, prev_hash, new_hash, _ = cursor.fetchone()
    assert (prev_hash, new_hash) == (head.hash, compute_hash(head.hash, draft))
    assert AuditEvent.objects.latest("id").pk == new_id
    assert audit_verify().ok and audit_verify().count == 2


def test_the_append_function_takes_the_same_lock_as_a_checkpoint():
    from importlib import import_module

    from portal.audit.ledger_sql import LEDGER_LOCK_ID

    migration = import_module("portal.audit.migrations.0007_append_function")
    assert f"pg_advisory_xact_lock({LEDGER_LOCK_ID})" in migration.PG_APPEND_FUNCTION
