"""The database's own refusal to change the ledger: triggers on `audit_auditevent`.

PostgreSQL: a row trigger refuses UPDATE and DELETE (migration 0002) and a statement trigger refuses
TRUNCATE (0005). A trigger can be disabled only by the table's owner, so production runs the site as a
role that does not own the ledger (`manage.py grant_runtime_role`, README "The ledger's guards"): that
role can add events and read them, nothing else.

SQLite (the embedded default): triggers refuse UPDATE and DELETE. They stop the application and every
tool that goes through it; whoever can write the database file can drop them, so on SQLite the chain's
hashes and the checkpoints kept outside the database are what catch a rewrite.

`guards_lifted` is for the table's owner only: the test harness, which empties tables between
transactional tests with TRUNCATE (PostgreSQL) or DELETE (SQLite), and tests that tamper on purpose.
"""

from contextlib import contextmanager

TABLE = "audit_auditevent"

PG_TRUNCATE_GUARD = f"""
CREATE OR REPLACE FUNCTION audit_auditevent_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit ledger is append-only: TRUNCATE refused'
        USING HINT = 'Record a new event instead of removing old ones.';
END;
$$;

CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_auditevent_refuse_truncate();
"""

PG_TRUNCATE_GUARD_REMOVE = f"""
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON {TABLE};
DROP FUNCTION IF EXISTS audit_auditevent_refuse_truncate();
"""

SQLITE_GUARDS = [
    f"CREATE TRIGGER IF NOT EXISTS audit_auditevent_no_{op.lower()} BEFORE {op} ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, 'the audit ledger is append-only: {op} refused'); END"
    for op in ("UPDATE", "DELETE")
]
SQLITE_GUARDS_REMOVE = [f"DROP TRIGGER IF EXISTS audit_auditevent_no_{op}" for op in ("update", "delete")]


def install(connection) -> None:
    """Create the guards this database supports (SQLite's and PostgreSQL's TRUNCATE guard)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_TRUNCATE_GUARD)
        elif connection.vendor == "sqlite":
            for sql in SQLITE_GUARDS:
                cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_TRUNCATE_GUARD_REMOVE)
        elif connection.vendor == "sqlite":
            for sql in SQLITE_GUARDS_REMOVE:
                cursor.execute(sql)


def lift(connection) -> None:
    """Switch the guards off (the table's owner only). Inside a transaction, a rollback restores them."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            for sql in SQLITE_GUARDS_REMOVE:
                cursor.execute(sql)


def restore(connection) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
        elif connection.vendor == "sqlite":
            for sql in SQLITE_GUARDS:
                cursor.execute(sql)


@contextmanager
def guards_lifted(connection):
    """The guards off for the block, and on again after it, whatever happens in it."""
    lift(connection)
    try:
        yield
    finally:
        restore(connection)
