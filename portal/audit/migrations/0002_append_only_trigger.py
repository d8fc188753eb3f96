"""On PostgreSQL, refuse UPDATE and DELETE on the audit ledger with a trigger. Elsewhere, do nothing.

There is deliberately no TRUNCATE trigger: Django's `flush` (and so every transactional test and
live-server test) empties tables with one TRUNCATE statement, which such a trigger would refuse. In
production, keep TRUNCATE (and table ownership, which can disable triggers) away from the app's role.
"""

from django.db import migrations

INSTALL = """
CREATE OR REPLACE FUNCTION audit_auditevent_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit ledger is append-only: % of event % refused', TG_OP, OLD.id
        USING HINT = 'Record a new event instead of changing or removing an old one.';
END;
$$;

CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_change();
"""

REMOVE = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_auditevent_refuse_change();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, remove)]
