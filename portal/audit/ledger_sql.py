"""The SQL of the PostgreSQL append (migration 0007 creates it; services._append_postgresql calls it).

Kept apart from `services` so the migration imports SQL text only, never code that may change later.
"""

# Any constant works; it names the PostgreSQL advisory lock that serialises appends.
LEDGER_LOCK_ID = 7_305_514_211

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
