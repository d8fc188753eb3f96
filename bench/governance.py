"""Governance benchmarks: the decision register, a decision page and a minutes page.

Query counts with 10 and with 10,000 decisions (they must be equal), the pages' sizes with 10,000 decisions
behind them (issue 18: minutes and "you said, we did" under 200 KB), and requests per second for anonymous
visitors beside a bare Django view rendering a template of the same size, in one run.
Figures and ratios only, never asserted. Runs in its own process on a fresh SQLite file (and on
PostgreSQL when BENCH_POSTGRES_URL points at a database whose name contains "bench").
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / "var" / "bench-governance.sqlite3"
SMALL, BIG = 10, 10_000
SIZE_BUDGET_KB = 200


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import run_on_each_database

    run_on_each_database(__file__, SQLITE_FILE)


def run_one(label: str, url: str) -> None:
    _setup_django(url)
    from django.conf import settings

    settings.DEBUG = False
    print(f"\nGovernance on {label}")
    body, meeting, theme, minutes = _build()
    paths = {
        "register": "/governance/decisions/",
        "decision page": f"/governance/decisions/{body.decisions.order_by('pk').first().reference}/",
        "minutes page": minutes.url,
        "you said, we did": theme.consultation.url,
    }
    small, _ = query_counts(paths)
    _grow(body, meeting, theme, BIG - SMALL)
    big, sizes = query_counts(paths)
    print(f"  queries per anonymous page (budget: at most 12, equal at {SMALL} and {BIG:,} decisions), the first "
          "request after a change, then the next")
    for name in paths:
        same = "SAME" if small[name] == big[name] else "DIFFERENT"
        print(f"    {name:<16} {small[name]:>9} queries with {SMALL} decisions, {big[name]:>9} with {BIG:,}  {same}")
    print(f"  page sizes with {BIG:,} decisions citing one theme, all from one meeting (budget for the minutes and "
          f"\"you said, we did\": under {SIZE_BUDGET_KB} KB)")
    for name, size in sizes.items():
        print(f"    {name:<16} {size / 1024:7.1f} KB")
    requests_per_second(paths)


def _setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import setup_django

    setup_django(url, SQLITE_FILE)


def _build():
    """A body, a held meeting, a theme, SMALL decisions citing it, and published minutes."""
    from governance.models import MinutesIndexPage, MinutesPage
    from portal.home.setup import ensure_home_page
    from tests.governance.factories import make_body, make_decision, make_meeting, make_theme

    home = ensure_home_page()
    body = make_body(code="TB", members=6, lived=3)
    meeting = make_meeting(body, held=True)
    theme = make_theme(consultation=_closed_consultation())  # its page shows "you said, we did"
    for n in range(SMALL):
        make_decision(body, meeting=meeting, themes=[theme], title=f"Bench decision {n}")
    index = home.add_child(instance=MinutesIndexPage(title="Minutes", slug="minutes"))
    sections = [("section", {"heading": f"Item {n}", "text": "<p>Discussed and agreed.</p>", "confidential": n == 2})
                for n in range(1, 6)]
    minutes = MinutesPage(title="Minutes of the bench meeting", slug="bench-minutes", meeting=meeting,
                          easy_read_summary="<p>What we decided.</p>", sections=sections, live=False)
    index.add_child(instance=minutes)
    # Only approved minutes may be published; the bench measures reading them, not the sign-off.
    MinutesPage.objects.filter(pk=minutes.pk).update(status=MinutesPage.Status.APPROVED)
    minutes.refresh_from_db()
    minutes.save_revision().publish()
    return body, meeting, theme, MinutesPage.objects.get(pk=minutes.pk)


def _closed_consultation():
    from datetime import timedelta

    from django.utils import timezone

    from tests.consultations.factories import make_consultation

    now = timezone.now()
    return make_consultation(title="Closed consultation", opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1))


def _grow(body, meeting, theme, count: int) -> None:
    """Add `count` decisions quickly (bulk), each citing the theme, numbered after the existing ones."""
    from django.utils import timezone

    from governance.models import Decision, EvidenceLink

    year = timezone.localdate().year
    start = Decision.objects.filter(body=body).count() + 1
    decisions = [
        Decision(body=body, meeting=meeting, reference=f"{body.code}-{year}-{n:04d}", title=f"Bulk decision {n}",
                 text="Agreed.", outcome="carried", members_present=6, lived_experience_present=3)
        for n in range(start, start + count)
    ]
    Decision.objects.bulk_create(decisions, batch_size=1000)
    made = Decision.objects.filter(title__startswith="Bulk decision")
    EvidenceLink.objects.bulk_create(
        [EvidenceLink(decision=d, theme=theme, relation="adopted") for d in made], batch_size=1000
    )


def page_client():
    from django.test import Client

    return Client(HTTP_HOST="localhost")


def query_counts(paths: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from portal.home.page_cache import page_cache_clear

    counts, sizes = {}, {}
    with override_settings(PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"]):
        client = page_client()
        for name, path in paths.items():
            seen = []
            for cold in (True, False):  # the first request after a change, when nothing kept can be used; the next
                client.get(path)  # warm what is kept per process (content types, URL patterns)
                if cold:
                    page_cache_clear()
                with CaptureQueriesContext(connection) as ctx:
                    response = client.get(path)
                seen.append(len(ctx.captured_queries) if response.status_code == 200 else f"HTTP {response.status_code}")
            counts[name] = f"{seen[0]}, then {seen[1]}"
            sizes[name] = len(response.content)
    return counts, sizes


def requests_per_second(paths: dict) -> None:
    from django.test.utils import override_settings

    print("  requests per second, anonymous, page cache off, beside the fixed 5 KB bare view (bench/urls.py)")
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["*"], PAGE_CACHE_SECONDS=0):
        client = page_client()
        for name, path in paths.items():
            page = rps(client, path)
            bare = rps(client, "/bench/bare/")
            print(f"    {name:<16} {page:8.0f} req/s   bare {bare:8.0f} req/s   ratio {page / bare:5.2f}")


def rps(client, path: str, seconds: float = 1.0) -> float:
    client.get(path)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        client.get(path)
        count += 1
    return count / (time.perf_counter() - start)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3])
    else:
        main()
