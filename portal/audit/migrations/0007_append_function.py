"""PostgreSQL: one function call appends a ledger row under the append lock (services._append_postgresql).

Taking the lock, reading the head and inserting used to be two round trips from Python while the lock was
held by this transaction and waited for by every other writer. A function does both in one call, and
each statement in it reads with a fresh snapshot, so the head it reads is the one committed by the writer
that held the lock last. It runs with the caller's rights: the runtime role may insert, nothing more.

The SQL is written out here, not imported, so this migration makes the same function whatever the code
becomes later; a change to it is a new migration.
"""

from django.db import migrations

# Lock, read the head, hash `prev_hash + canonical JSON` (written by Python, as `compute_hash` writes it;
# the database only prefixes the head and hashes) and insert: one call, so the lock waits for one round
# trip less. Each statement reads with its own snapshot, so the head is read after the lock is held.
PG_APPEND_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append(
    p_occurred_at timestamptz, p_actor_key varchar, p_action varchar, p_target_type varchar,
    p_target_id varchar, p_data_text text, p_hashed text, p_genesis varchar,
    OUT o_id bigint, OUT o_prev_hash varchar, OUT o_hash varchar, OUT o_data text
) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(7305514211);  -- LEDGER_LOCK_ID (a test holds them equal)
    SELECT COALESCE((SELECT hash FROM audit_auditevent ORDER BY id DESC LIMIT 1), p_genesis) INTO o_prev_hash;
    INSERT INTO audit_auditevent
        (occurred_at, actor_key, action, target_type, target_id, data, data_text, prev_hash, hash)
    VALUES (p_occurred_at, p_actor_key, p_action, p_target_type, p_target_id, p_data_text::jsonb, p_data_text,
            o_prev_hash, encode(sha256(convert_to(o_prev_hash || p_hashed, 'UTF8')), 'hex'))
    RETURNING id, hash, data::text INTO o_id, o_hash, o_data;
END;
$$;
"""

PG_APPEND_FUNCTION_REMOVE = """
DROP FUNCTION IF EXISTS audit_append(timestamptz, varchar, varchar, varchar, varchar, text, text, varchar);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_APPEND_FUNCTION)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_APPEND_FUNCTION_REMOVE)


class Migration(migrations.Migration):
    dependencies = [("audit", "0006_auditevent_data_text")]

    operations = [migrations.RunPython(install, remove)]
