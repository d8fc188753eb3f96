"""Benchmarks, printed as figures and ratios measured side by side in one run (never asserted).

Run with `make bench` (timings in the README; `BENCH_ALL=1` for every data bench, about 10 minutes more), or
`BENCH_QUICK=1 make bench` for a 2-minute run of the page figures only (shorter bursts, fewer rows).
The page bench uses its own SQLite file under var/, so the demo database is untouched. What each figure
means: README, "The bench (`make bench`)".
"""

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
(ROOT / "var").mkdir(exist_ok=True)
DATABASE = ROOT / "var" / "bench.sqlite3"
# Migrating an empty database costs about 30 s of CPU, so the bench keeps a migrated, empty copy, made
# again whenever a migration file or a pinned package changes; each run starts from a copy of it.
MIGRATED = ROOT / "var" / "bench-migrated.sqlite3"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"


def migrations_digest() -> str:
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    for path in sorted(ROOT.glob("*/migrations/*.py")) + sorted(ROOT.glob("*/*/migrations/*.py")):
        if ".venv" not in path.parts:
            digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    return digest.hexdigest()


def fresh_database() -> bool:
    """A fresh bench database (no figures from last time's rows): a copy of the migrated one when current."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{DATABASE}{suffix}").unlink(missing_ok=True)
    stamp = MIGRATED.with_suffix(".digest")
    if MIGRATED.exists() and stamp.exists() and stamp.read_text() == migrations_digest():
        shutil.copyfile(MIGRATED, DATABASE)
        return True
    return False


def keep_migrated_copy() -> None:
    with sqlite3.connect(DATABASE) as source, sqlite3.connect(MIGRATED) as target:
        source.backup(target)
    MIGRATED.with_suffix(".digest").write_text(migrations_digest())


FROM_COPY = fresh_database()

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
BURST_SECONDS = 0.15 if QUICK else 0.25  # a burst of requests to a page, then one to the bare view, and so on
ROUNDS = 6 if QUICK else 10  # page and bare bursts per figure, alternating
EXTRA_PAGES = 20 if QUICK else 200  # pages added to the site before the second query count
LEDGER_APPENDS = 200 if QUICK else 2000
BARE = "/bench/bare/"
FLOOR = 0.25  # issue 18: every rendered page at least this share of the bare view
COLD_ROUNDS = 5 if QUICK else 10  # first requests after a publish, per page


def load_average() -> float:
    return os.getloadavg()[0]


def burst(client: Client, path: str) -> tuple[int, float]:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < BURST_SECONDS:
        client.get(path)
        count += 1
    return count, time.perf_counter() - start


def side_by_side(client: Client, path: str, bare_client: Client) -> tuple[float, float]:
    """Requests per second for `path` and for the bare view, in alternating short bursts (page first in one
    round, bare first in the next), so whatever else the machine is doing slows both alike."""
    # Warm up both, as a running server is: the first few hundred requests to a page run slower (Python
    # specialises the code it runs often; the kept fragments and the page cache, when on, fill).
    burst(client, path)
    burst(bare_client, BARE)
    totals = {"page": [0, 0.0], "bare": [0, 0.0]}
    for n in range(ROUNDS):
        order = [("page", client, path), ("bare", bare_client, BARE)]
        for name, each_client, each_path in order if n % 2 == 0 else reversed(order):
            count, seconds = burst(each_client, each_path)
            totals[name][0] += count
            totals[name][1] += seconds
    return totals["page"][0] / totals["page"][1], totals["bare"][0] / totals["bare"][1]


def after_publish(client: Client, path: str, bare_client: Client) -> tuple[float, float]:
    """Milliseconds for the first request after a publish (the generation moved on, so every kept copy
    of the site, its sections, settings and fragments is out of date and read again), and for the bare
    view beside it; the mean of COLD_ROUNDS such pairs."""
    from portal.home.page_cache import page_cache_clear

    page_ms = bare_ms = 0.0
    for _ in range(COLD_ROUNDS):
        page_cache_clear()
        start = time.perf_counter()
        client.get(path)
        page_ms += (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        bare_client.get(BARE)
        bare_ms += (time.perf_counter() - start) * 1000
    return page_ms / COLD_ROUNDS, bare_ms / COLD_ROUNDS


def query_count(client: Client, path: str) -> int | str:
    client.get(path)  # warm the site and settings caches, as a running server has them
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    return len(ctx.captured_queries) if status == 200 else f"HTTP {status}"


def grow_content(extra_pages: int) -> None:
    from portal.home.models import HomePage, StandardPage

    home = HomePage.objects.first()
    for i in range(extra_pages):
        page = StandardPage(title=f"Bench page {i}", slug=f"bench-{i}", summary="Benchmark filler.")
        home.add_child(instance=page)


def bench_pages() -> tuple[dict, dict]:
    """The pages of issue 18's floor point 1, found in the demo content: {name: path} for anonymous
    visitors, and for a signed-in service user (with the client signed in as them)."""
    from consultations import services as consultation_services
    from consultations.models import ConsultationPage
    from governance.models import Decision, MinutesPage
    from voting.models import Ballot, RollEntry

    now = timezone.now()
    consultations = ConsultationPage.objects.live().public().filter(audience="public")
    open_one = consultations.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at").first()
    closed = consultations.filter(closes_at__lte=now, results_visibility="after_close")
    closed_one = closed.order_by("-closes_at").first()
    anonymous = {
        "home": "/",
        "consultations index": "/have-your-say/",
        "open consultation": open_one.url,
        "closed consultation": closed_one.url,
        "results": closed_one.url + closed_one.reverse_subpage("results"),
        "minutes": MinutesPage.objects.live().public().first().url,
        "decision register": "/governance/decisions/",
        "a decision": f"/governance/decisions/{Decision.objects.order_by('-pk').first().reference}/",
        "transparency": "/transparency/",
    }
    service_user = get_user_model().objects.get(email="service.user@example.org")
    draft = consultation_services.response_start(
        consultation=open_one, user=service_user, idempotency_key=uuid.uuid4().hex, named=False
    )
    ballot = Ballot.objects.filter(
        status="open", pk__in=RollEntry.objects.filter(voter=service_user, has_voted=False).values("ballot")
    ).first()
    signed_in = {
        "question (signed in)": open_one.url
        + open_one.reverse_subpage("question", args=[draft.resume_token, 1]),
        "vote (signed in)": f"/ballots/{ballot.pk}/vote/",
    }
    return anonymous, {"user": service_user, "pages": signed_in}


def main() -> None:
    started = time.perf_counter()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the demo's emails: not shown
    call_command("migrate", verbosity=0)  # nothing to do when it started from the migrated copy
    if not FROM_COPY:
        keep_migrated_copy()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # demo accounts, fast
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))
    settings.DEBUG = False
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["*"]):
        anonymous, signed_in = bench_pages()
        signed_in_client = Client()
        signed_in_client.force_login(signed_in["user"])
        rows = [(name, path, Client()) for name, path in anonymous.items()]
        rows += [(name, path, signed_in_client) for name, path in signed_in["pages"].items()]
        bare_client = Client()
        bare_size = len(bare_client.get(BARE).content)
        quick = " (BENCH_QUICK: shorter bursts, fewer rows)" if QUICK else ""
        print(f"Set up in {time.perf_counter() - started:.0f} s{quick}")

        with override_settings(PAGE_CACHE_SECONDS=0):
            before = {name: query_count(client, path) for name, path, client in rows}
            grow_content(EXTRA_PAGES)
            after = {name: query_count(client, path) for name, path, client in rows}
            sizes = {name: len(client.get(path).content) for name, path, client in rows}

        print(f"\nPages beside the bare view: a fixed {bare_size / 1024:.1f} KB template, never cached "
              f"(bench/templates/bench/bare.html), measured in the same run in alternating bursts "
              f"({ROUNDS} of {BURST_SECONDS} s each).")
        print("Cache off: every request rendered (what signed-in people and the first visitor after a "
              f"publish get); floor {FLOOR:.2f} of the bare view (* below it).")
        print("Cache on: anonymous requests served from the page cache (signed-in ones are never cached).")
        print("After a publish: the first request once the generation has moved on, so the site, its "
              "sections, settings and fragments are read again (ms; mean of "
              f"{COLD_ROUNDS}), beside one bare request (ms).")
        print(f"Queries with the cache off, with the demo content and again with {EXTRA_PAGES} more pages "
              "(budget: at most 12, the same in both). Load: 1-minute load average.\n")
        more = f"+{EXTRA_PAGES}"
        header = (
            f"  {'page':<22} {'KB':>5} | {'cache off':>9} {'bare':>6} {'ratio':>6}  | "
            f"{'cache on':>8} {'bare':>6} {'ratio':>6} | {'after publish':>13} {'bare':>5} | {'queries':>7} {more:>5} | load"
        )
        print(header)
        print(f"  {'':<22} {'':>5} | {'req/s':>9} {'req/s':>6} {'':>6}  | {'req/s':>8} {'req/s':>6} {'':>6} | "
              f"{'ms':>13} {'ms':>5} |")
        print("  " + "-" * (len(header) - 2))
        for name, path, client in rows:
            figures = []
            for seconds in (0, 300):
                with override_settings(PAGE_CACHE_SECONDS=seconds):
                    figures.append(side_by_side(client, path, bare_client))
            (off, off_bare), (on, on_bare) = figures
            ratio, flag = off / off_bare, "*" if off / off_bare < FLOOR else " "
            with override_settings(PAGE_CACHE_SECONDS=0):
                cold_ms, cold_bare_ms = after_publish(client, path, bare_client)
            print(
                f"  {name:<22} {sizes[name] / 1024:5.1f} | {off:9.0f} {off_bare:6.0f} {ratio:6.3f}{flag} | "
                f"{on:8.0f} {on_bare:6.0f} {on / on_bare:6.2f} | {cold_ms:13.1f} {cold_bare_ms:5.1f} | "
                f"{before[name]!s:>7} {after[name]!s:>5} | "
                f"{load_average():.2f}",
                flush=True,
            )
        print("\n  Paths: " + "; ".join(f"{name} {path}" for name, path, _ in rows))
    bench_audit()
    print(f"\nPage bench and ledger took {time.perf_counter() - started:.0f} s.", flush=True)
    if QUICK:
        print("BENCH_QUICK: the tally, consultation, governance and 1,000,000-event ledger benches are "
              "skipped (and those BENCH_ALL=1 adds).")
        return
    run_other_benches()
    took = time.perf_counter() - started
    print(f"\nAll benches took {took:.0f} s (load average now {load_average():.2f}).")


# Each in its own process with a fresh database: on PostgreSQL only when BENCH_POSTGRES_URL names one (the
# figures the floors are set on), else on SQLite. Run a script by itself for both, e.g.
# `BENCH_POSTGRES_URL=... .venv/bin/python bench/consultations.py`. The benches behind an issue's floor
# (18: consultations, governance, the ledger; 17: involvement's 50,000 claims) run every time; the others
# (several minutes more on this machine) with BENCH_ALL=1.
FLOOR_BENCHES = ["consultations", "governance", "audit_verify", "involvement"]
MORE_BENCHES = ["voting", "proposals", "evidence"]


def run_other_benches() -> None:
    from bench import tally as bench_tally

    print()
    bench_tally.main()
    postgres = os.environ.get("BENCH_POSTGRES_URL", "")
    if not postgres.startswith(("postgres://", "postgresql://")):
        postgres = ""
        print("\nThe benches below run on SQLite (BENCH_POSTGRES_URL names no PostgreSQL *bench* database).")
    names = FLOOR_BENCHES
    if os.environ.get("BENCH_ALL", "") not in ("", "0"):
        names = FLOOR_BENCHES + MORE_BENCHES
    else:
        print(f"\nSkipped (BENCH_ALL=1 runs them, about 10 minutes more): {', '.join(MORE_BENCHES)}.")
    for name in names:
        script = str(ROOT / "bench" / f"{name}.py")
        command = [sys.executable, script] + (["--one", "PostgreSQL", postgres] if postgres else [])
        start = time.perf_counter()
        sys.stdout.flush()
        subprocess.run(command, check=False, cwd=ROOT)
        took = time.perf_counter() - start
        print(f"  ({name} bench: {took:.0f} s, load average {load_average():.2f})", flush=True)


def bench_audit() -> None:
    from portal.audit.models import AuditEvent
    from portal.audit.selectors import audit_verify
    from portal.audit.services import audit_record

    n = LEDGER_APPENDS
    start = time.perf_counter()
    for i in range(n):
        audit_record(actor=None, action="bench.event", target=("bench", i), data={"i": i})
    append_s = time.perf_counter() - start
    start = time.perf_counter()
    result = audit_verify()
    verify_s = time.perf_counter() - start
    print(f"\nAudit ledger (SQLite): {n} appends in {append_s:.2f} s ({n / append_s:.0f}/s); "
          f"verify of {AuditEvent.objects.count()} events in {verify_s:.2f} s "
          f"({result.count / verify_s:.0f}/s), ok={result.ok}; load {load_average():.2f}")


if __name__ == "__main__":
    main()
