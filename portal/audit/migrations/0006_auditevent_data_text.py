"""Each ledger row keeps its payload exactly as hashed (`data_text`), so checking the chain needs no
JSON decode and re-encode per row; existing rows get theirs from their own `data`, as the hash has it.

The backfill must UPDATE ledger rows, which the guards refuse (portal/audit/guards.py). It lifts them
and puts them back in this migration's own transaction, so nothing outside ever sees them off and a
failure rolls back to the guarded table. Only `data_text` is written, from the row's own `data` by the
same function the hash uses: what each hash covers, and so the chain, is unchanged (a row whose `data`
was already changed gets text that does not match its hash, and is still named by verify_audit).
On SQLite adding the column rebuilds the table, which drops its triggers: `guards.restore` makes them
again (and the first step remakes them if the migration is ever reversed).
"""

import json

from django.db import migrations, models

from portal.audit import guards
from portal.audit.hashing import canonical_data

_CHUNK = 5_000


def fill_data_text(apps, schema_editor):
    connection = schema_editor.connection
    guards.lift(connection)
    last_id = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT id, CAST(data AS text) FROM {guards.TABLE} WHERE id > %s ORDER BY id LIMIT %s",  # nosec B608 - constant table name
                           [last_id, _CHUNK])
            rows = cursor.fetchall()
            if not rows:
                break
            _fill(connection, cursor, [pk for pk, _ in rows], [canonical_data(json.loads(text)) for _, text in rows])
            last_id = rows[-1][0]
    guards.restore(connection)


def _fill(connection, cursor, ids: list[int], texts: list[str]) -> None:
    if connection.vendor == "postgresql":  # one statement per chunk: a million rows in seconds, not minutes
        cursor.execute(f"UPDATE {guards.TABLE} AS e SET data_text = v.text "  # nosec B608 - constant table name
                       "FROM unnest(%s::bigint[], %s::text[]) AS v(id, text) WHERE e.id = v.id", [ids, texts])
    else:
        cursor.executemany(f"UPDATE {guards.TABLE} SET data_text = %s WHERE id = %s",  # nosec B608 - constant table name
                           list(zip(texts, ids, strict=True)))


def guards_back(apps, schema_editor):
    guards.restore(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_ledger_guards")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, guards_back),
        migrations.AddField(
            model_name="auditevent",
            name="data_text",
            field=models.TextField(default="", editable=False),
            preserve_default=False,
        ),
        migrations.RunPython(fill_data_text, migrations.RunPython.noop),
    ]
