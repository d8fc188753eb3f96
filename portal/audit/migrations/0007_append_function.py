"""PostgreSQL: one function call appends a ledger row under the append lock (services._append_postgresql).

Taking the lock, reading the head and inserting used to be two round trips from Python while the lock was
held by this transaction and waited for by every other writer. A function does both in one call, and
each statement in it reads with a fresh snapshot, so the head it reads is the one committed by the writer
that held the lock last. It runs with the caller's rights: the runtime role may insert, nothing more.
"""

from django.db import migrations

from portal.audit import ledger_sql


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ledger_sql.PG_APPEND_FUNCTION)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ledger_sql.PG_APPEND_FUNCTION_REMOVE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_auditevent_data_text")]

    operations = [migrations.RunPython(install, remove)]
