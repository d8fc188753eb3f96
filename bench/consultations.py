"""Consultation benchmarks: results, CSV export and page query counts at 10 to 100,000 responses.

Figures and ratios only, never asserted. `main()` runs each database in its own process, so Django is
set up afresh against it: a fresh SQLite file under var/ always (BENCH_CONSULTATIONS_SQLITE names
another file, so two runs need not share one), then PostgreSQL when BENCH_POSTGRES_URL (or
DATABASE_URL) points at one whose name contains "bench" (it is flushed first).

    .venv/bin/python bench/consultations.py
    BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/consultations.py

Issue 18's floor (point 4): results of 100,000 responses under 0.5 s of CPU (best of 3: this process's
CPU time, plus on PostgreSQL its server process's, read from /proc; wall time beside it); the CSV of
100,000 responses at least 10,000 rows/s of wall time, in flat memory (peak traced memory at 100,000
about that at 10,000), with rows per CPU second beside it. The load average (1 minute) is printed
beside each figure: on a busy machine wall times grow while CPU times hardly move.
"""

import os
import subprocess
import sys
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = Path(
    os.environ.get("BENCH_CONSULTATIONS_SQLITE") or ROOT / "var" / "bench-consultations.sqlite3"
)
BIG, MID, SMALL = 100_000, 10_000, 10
RESULTS_CPU_FLOOR = 0.5  # seconds of CPU for results of BIG responses
CSV_ROWS_FLOOR = 10_000  # rows per second for the CSV of BIG responses
FLAT_MEMORY = 1.5  # peak memory at BIG over that at MID: at most this reads as flat
BELOW = "  <<< BELOW THE FLOOR"


def main() -> None:
    """Bench SQLite, then PostgreSQL if configured; each in a child process with its own settings."""
    targets = [("SQLite", f"sqlite:///{SQLITE_FILE}")]
    postgres = os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if postgres.startswith(("postgres://", "postgresql://")):
        targets.append(("PostgreSQL", postgres))
    else:
        print("\nConsultations on PostgreSQL: skipped (set BENCH_POSTGRES_URL to a database named *bench*)")
    for label, url in targets:
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "--one", label, url], check=False, cwd=ROOT)


def run_one(label: str, url: str) -> None:
    _setup_django(url)
    from django.conf import settings

    settings.DEBUG = False
    print(f"\nConsultations on {label}")
    started = time.perf_counter()
    small, big, analyst = _build()
    bench_page_queries(small, analyst)
    bench_results(big)
    bench_csv(small, big, analyst)
    print(f"  (whole consultations bench on {label}: {time.perf_counter() - started:.0f} s after set-up)")


def _setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import setup_django

    # the file the URL names is the one made afresh (never another run's default file)
    sqlite_file = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else SQLITE_FILE
    setup_django(url, sqlite_file, page_cache=False)


def _build():
    """A consultation that grows from 10 to 10,000 responses, one with 100,000, and an analyst."""
    from consultations.models import Question
    from portal.accounts import roles
    from portal.home.setup import ensure_home_page
    from tests.consultations.factories import bulk_responses, make_consultation, make_index
    from tests.factories import UserFactory

    kinds = [Question.Kind.SHORT_TEXT, Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE,
             Question.Kind.SCALE, Question.Kind.RANKING, Question.Kind.YES_NO]
    index = make_index(ensure_home_page())
    small = make_consultation(parent=index, kinds=kinds, results_visibility="live", title="Bench small")
    big = make_consultation(parent=index, kinds=kinds, results_visibility="live", title="Bench big")
    bulk_responses(small, SMALL, seed=1)
    started, cpu = time.perf_counter(), time.process_time()
    bulk_responses(big, BIG, seed=2)
    made_in, made_cpu = time.perf_counter() - started, time.process_time() - cpu
    _analyse()
    print(f"  data: {BIG:,} submitted responses (6 questions each) made in {made_in:.1f} s "
          f"({made_cpu:.1f} s CPU here), load average {load_average():.2f}")
    return small, big, UserFactory(roles=[roles.ANALYSTS])


def _analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM too, as autovacuum does to a table soon after a load like this one; it
        # also marks the pages all-visible, so an index can answer a count alone (index-only scan)
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def _client():
    from django.test import Client

    return Client(HTTP_HOST="localhost")


def query_count(client, path: str) -> tuple[int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    return len(ctx.captured_queries), response.status_code


def bench_page_queries(small, analyst) -> None:
    """The consultation page and its results page, anonymous, at 10 and at 10,000 responses: the first
    request after a change (nothing kept between changes can be used) and the one after it."""
    from django.test.utils import override_settings

    from portal.home.page_cache import page_cache_clear
    from tests.consultations.factories import bulk_responses

    paths = {"consultation page": small.url, "results page": small.url + small.reverse_subpage("results")}

    def counts(client, path):
        page_cache_clear()
        return query_count(client, path), query_count(client, path)

    with override_settings(PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"]):
        client = _client()
        for path in paths.values():
            client.get(path)  # warm up caches that do not depend on the data
        before = {name: counts(client, path) for name, path in paths.items()}
        bulk_responses(small, MID - SMALL, seed=3)
        _analyse()
        after = {name: counts(client, path) for name, path in paths.items()}
    print("  queries per anonymous page (budget: at most 12, equal at 10 and 10,000 responses), the first "
          "request after a change, then the next")
    for name in paths:
        ((b_cold, b_status), (b_warm, _)), ((a_cold, a_status), (a_warm, _)) = before[name], after[name]
        same = (b_cold, b_warm) == (a_cold, a_warm)
        print(f"    {name:<18} {b_cold:>3}, then {b_warm} queries with {SMALL} responses; {a_cold:>3}, then {a_warm} "
              f"with {MID:,} (HTTP {b_status}/{a_status}){'  SAME' if same else '  DIFFERENT'}")


def bench_results(big) -> None:
    """consultation_results for 100,000 responses: CPU and wall time (each best of 3) and query count.

    CPU is this process's and, on PostgreSQL, its server process's too (read from /proc, so only for
    a server on this machine), measured with parallel workers off so that one server process does all
    of the query's work; wall time is measured with the server's own settings."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consultations.results import consultation_results

    print(f"  results for {BIG:,} responses (floor: under {RESULTS_CPU_FLOOR} s CPU, best of 3)")
    for suppress, who in ((True, "public, suppressed"), (False, "analyst")):
        with CaptureQueriesContext(connection) as ctx:
            consultation_results(page=big, suppress=suppress)
        wall = min(_timed(consultation_results, page=big, suppress=suppress)[2] for _ in range(3))
        with _one_server_process():
            runs = [_timed(consultation_results, page=big, suppress=suppress) for _ in range(3)]
        here, server, _wall = min(runs, key=lambda run: run[0] + (run[1] or 0))
        cpu = here + (server or 0)
        print(f"    {who:<18} {cpu:6.3f} s CPU{_split(here, server)}, {wall:6.3f} s wall, "
              f"{len(ctx.captured_queries)} queries, load average {load_average():.2f}"
              f"{BELOW if cpu >= RESULTS_CPU_FLOOR else ''}")


def bench_csv(mid, big, analyst) -> None:
    """The CSV export view, streamed and consumed: time, then peak traced memory, 10,000 vs 100,000.

    The view is called directly (as the page's route does), so the figures are the export's own."""
    print(f"  CSV export view, streamed and read to the end (floor: at least {CSV_ROWS_FLOOR:,} rows/s "
          f"at {BIG:,}, peak memory flat from {MID:,} to {BIG:,})")
    figures = {}
    for n, page in ((MID, mid), (BIG, big)):
        here, server, seconds = _timed(_consume, page, analyst)
        cpu = here + (server or 0)
        tracemalloc.start()
        size, rows = _consume(page, analyst)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures[n] = (seconds, peak)
        slow = BELOW if n == BIG and n / seconds < CSV_ROWS_FLOOR else ""
        print(f"    {n:>7,} rows: {seconds:6.2f} s wall ({n / seconds:8,.0f} rows/s), "
              f"{cpu:6.2f} s CPU{_split(here, server)} ({n / cpu:,.0f} rows per CPU second), "
              f"{size / 1e6:5.1f} MB, {rows - 1:,} data rows, "
              f"peak traced memory {peak / 1e6:5.2f} MB, "
              f"load average {load_average():.2f}{slow}")
    (t_mid, m_mid), (t_big, m_big) = figures[MID], figures[BIG]
    growth = m_big / m_mid
    print(f"    100,000 / 10,000: rows x10, time x{t_big / t_mid:.1f}, peak memory x{growth:.2f} "
          f"({'flat' if growth <= FLAT_MEMORY else 'NOT flat' + BELOW})")


def _consume(page, analyst) -> tuple[int, int]:
    from django.test import RequestFactory

    from consultations.results_views import export_csv

    request = RequestFactory().get(page.url + page.reverse_subpage("export-csv"))
    request.user = analyst
    response = export_csv(request, page)
    assert response.status_code == 200, response.status_code
    size = rows = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    return size, rows


def _timed(fn, *args, **kwargs) -> tuple[float, float | None, float]:
    """(CPU seconds of this process, of its PostgreSQL server process or None, wall seconds) for one call."""
    server = _server_cpu()
    cpu, start = time.process_time(), time.perf_counter()
    fn(*args, **kwargs)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - start
    after = _server_cpu()
    return cpu, (after - server if None not in (server, after) else None), wall


def _split(here: float, server: float | None) -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        return ""
    if server is None:
        return " (here only: /proc cannot see the server)"
    return f" ({here:.3f} here + {server:.3f} server)"


_backend = {}


def _server_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL server process: 0 on SQLite (it works
    inside this process), None when /proc cannot tell (a server on another machine)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    if "pid" not in _backend:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _backend["pid"] = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{_backend['pid']}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@contextmanager
def _one_server_process():
    """PostgreSQL: no parallel workers for a while, so the server process's CPU is all the work."""
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET max_parallel_workers_per_gather = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET max_parallel_workers_per_gather")


def load_average() -> float:
    return os.getloadavg()[0]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3])
    else:
        main()
