"""`manage.py grant_runtime_role ROLE`: the PostgreSQL role the site runs as, which cannot touch the past.

Run by the table owner right after `migrate` (docker-compose's `migrate` service does). The role may
read and write the site's tables, but on the audit ledger only read and add: no UPDATE, DELETE or
TRUNCATE, and since it owns nothing it cannot switch off the ledger's triggers or drop them.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from portal.audit.guards import TABLE

WRITES = "SELECT, INSERT, UPDATE, DELETE"


class Command(BaseCommand):
    help = "Create (or update) the PostgreSQL role the site runs as, with no way to change the audit ledger."

    def add_arguments(self, parser):
        parser.add_argument("role", help="The role's name, e.g. portal_app.")
        parser.add_argument("--password-env", metavar="VARIABLE",
                            help="Read the role's password from this environment variable (else no password).")

    def handle(self, *args, role: str, password_env: str | None, **options):
        if connection.vendor != "postgresql":
            raise CommandError("Runtime roles are for PostgreSQL; SQLite has no roles.")
        password = os.environ.get(password_env, "") if password_env else ""
        if password_env and not password:
            raise CommandError(f"{password_env} is empty: set the runtime role's password there.")
        quoted = connection.ops.quote_name(role)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
            if role == owner:
                raise CommandError(f"{role} is the role running this command, which owns the tables: "
                                   "name a different role for the site to run as.")
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = %s", [role])
            if cursor.fetchone()[0]:
                raise CommandError(f"{role} owns tables here, so it could switch off the ledger's guards.")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(f"{verb} ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
                           + (" PASSWORD %s" if password else ""), [password] if password else None)
            cursor.execute(f"GRANT CONNECT ON DATABASE {connection.ops.quote_name(database)} TO {quoted}")
            cursor.execute(f"GRANT USAGE ON SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT {WRITES} ON ALL TABLES IN SCHEMA public TO {quoted}")
            cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
            cursor.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {WRITES} ON TABLES TO {quoted}")
            cursor.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {quoted}")
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {TABLE} FROM {quoted}")
        self.stdout.write(f"{role} ({'updated' if verb == 'ALTER' else 'created'}) may read and write the site's tables in {database}; on the audit "
                          f"ledger it may only read and add events. The tables belong to {owner}.")
