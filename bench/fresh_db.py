"""A fresh database for one benchmark process: a new SQLite file, or a flushed PostgreSQL `*bench*`."""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(url: str, sqlite_file: Path, *, page_cache: bool = True) -> None:
    """Point Django at `url`, start it, migrate, and leave an empty site with its home page and roles."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings.dev"
    os.environ["DATABASE_URL"] = url
    if not page_cache:
        os.environ["PAGE_CACHE_SECONDS"] = "0"
    if url.startswith("sqlite"):
        sqlite_file.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
    import django

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    from portal.accounts import roles
    from portal.home.setup import ensure_home_page

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        if "bench" not in connection.settings_dict["NAME"]:
            sys.exit(f"Refusing to flush {connection.settings_dict['NAME']!r}: its name must contain 'bench'.")
        from portal.audit import guards

        with guards.guards_lifted(connection):  # the ledger refuses TRUNCATE; this throwaway database's owner lifts it
            call_command("flush", interactive=False, verbosity=0)
        ensure_home_page()
        roles.apply_roles(apps)


def run_on_each_database(script: str, sqlite_file: Path) -> None:
    """Run `script --one LABEL URL` in a fresh process on SQLite, then on PostgreSQL when
    BENCH_POSTGRES_URL names a database (one process each, so settings and caches start clean)."""
    import subprocess

    targets = [("SQLite", f"sqlite:///{sqlite_file}")]
    postgres = os.environ.get("BENCH_POSTGRES_URL", "")
    if postgres.startswith(("postgres://", "postgresql://")):
        targets.append(("PostgreSQL", postgres))
    else:
        print(f"\n{Path(script).stem} on PostgreSQL: skipped (set BENCH_POSTGRES_URL to a database named *bench*)")
    for label, url in targets:
        sys.stdout.flush()
        subprocess.run([sys.executable, script, "--one", label, url], check=False, cwd=ROOT)
