"""Consultation benchmarks: results, CSV export and page query counts at 10 to 100,000 responses.

Figures and ratios only, never asserted. `main()` runs each database in its own process, so Django is
set up afresh against it: a fresh SQLite file under var/ always, then PostgreSQL when
BENCH_POSTGRES_URL (or DATABASE_URL) points at one whose name contains "bench" (it is flushed first).

    .venv/bin/python bench/consultations.py
    BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/consultations.py
"""

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / "var" / "bench-consultations.sqlite3"
BIG, MID, SMALL = 100_000, 10_000, 10


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
    made_in = time.perf_counter() - started
    print(f"  data: {SMALL + BIG:,} submitted responses (6 questions each) made in {made_in:.1f} s")
    bench_page_queries(small, analyst)
    bench_results(big)
    bench_csv(small, big, analyst)


def _setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import setup_django

    setup_django(url, SQLITE_FILE, page_cache=False)


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
    bulk_responses(big, BIG, seed=2)
    _analyse()
    return small, big, UserFactory(roles=[roles.ANALYSTS])


def _analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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
    """The consultation page and its results page, anonymous, at 10 and at 10,000 responses."""
    from django.test.utils import override_settings

    from tests.consultations.factories import bulk_responses

    paths = {"consultation page": small.url, "results page": small.url + small.reverse_subpage("results")}
    with override_settings(PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"]):
        client = _client()
        for path in paths.values():
            client.get(path)  # warm up caches that do not depend on the data
        before = {name: query_count(client, path) for name, path in paths.items()}
        bulk_responses(small, MID - SMALL, seed=3)
        _analyse()
        after = {name: query_count(client, path) for name, path in paths.items()}
    print("  queries per anonymous page (budget: at most 12, equal at 10 and 10,000 responses)")
    for name in paths:
        (b, b_status), (a, a_status) = before[name], after[name]
        print(f"    {name:<18} {b:>3} queries with {SMALL} responses, {a:>3} with {MID:,} "
              f"(HTTP {b_status}/{a_status}){'  SAME' if a == b else '  DIFFERENT'}")


def bench_results(big) -> None:
    """consultation_results for 100,000 responses: time (best of 3) and query count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consultations.results import consultation_results

    print(f"  results for {BIG:,} responses (budget: under 1 s on SQLite)")
    for suppress, who in ((True, "public, suppressed"), (False, "analyst")):
        with CaptureQueriesContext(connection) as ctx:
            consultation_results(page=big, suppress=suppress)
        best = min(_timed(consultation_results, page=big, suppress=suppress) for _ in range(3))
        print(f"    {who:<18} {best * 1000:7.0f} ms, {len(ctx.captured_queries)} queries")


def bench_csv(mid, big, analyst) -> None:
    """The CSV export view, streamed and consumed: time, then peak traced memory, 10,000 vs 100,000.

    The view is called directly (as the page's route does), so the figures are the export's own."""
    print("  CSV export view, streamed and read to the end (budget: flat peak memory as rows grow)")
    figures = {}
    for n, page in ((MID, mid), (BIG, big)):
        seconds = _timed(_consume, page, analyst)
        tracemalloc.start()
        size, rows = _consume(page, analyst)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures[n] = (seconds, peak)
        print(f"    {n:>7,} rows: {seconds:6.2f} s ({n / seconds:8,.0f} rows/s), {size / 1e6:5.1f} MB, "
              f"{rows - 1:,} data rows, peak traced memory {peak / 1e6:5.2f} MB")
    (t_mid, m_mid), (t_big, m_big) = figures[MID], figures[BIG]
    print(f"    100,000 / 10,000: rows x10, time x{t_big / t_mid:.1f}, peak memory x{m_big / m_mid:.2f}")


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


def _timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - start


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3])
    else:
        main()
