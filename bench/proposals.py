"""Proposals benchmarks: the proposals list and one proposal page with 10,000 supports and 1,000 comments.

Query counts with 10 rows and with 10,000 supports, 1,000 comments and 1,000 more proposals (they must be
equal, and at most 12: the public pages' budget), whether each page paginates, and requests per second
for anonymous visitors beside a bare Django view rendering a template of the same size, in one run.
Figures and ratios only, never asserted. Runs in its own process on a fresh SQLite file (and on
PostgreSQL when BENCH_POSTGRES_URL points at a database whose name contains "bench").
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / "var" / "bench-proposals.sqlite3"
SMALL = 10
SUPPORTS, COMMENTS, PROPOSALS = 10_000, 1_000, 1_000


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import run_on_each_database

    run_on_each_database(__file__, SQLITE_FILE)


def run_one(label: str, url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import setup_django

    setup_django(url, SQLITE_FILE)
    from django.conf import settings
    from django.urls import reverse

    from tests.proposals import bulk

    settings.DEBUG = False
    print(f"\nProposals on {label}")
    proposal = _build()
    paths = {"list": reverse("proposals:list"), "proposal page": reverse("proposals:detail", args=[proposal.pk])}
    small = _query_counts(paths)
    bulk.add_supports(proposal, SUPPORTS - SMALL)
    bulk.add_comments(proposal, COMMENTS - SMALL)
    bulk.add_proposals(proposal, PROPOSALS)
    big = _query_counts(paths)
    print(f"  queries per anonymous page (budget: at most 12, equal at {SMALL} rows and at {SUPPORTS:,} supports, "
          f"{COMMENTS:,} comments, {PROPOSALS:,} more proposals)")
    for name in paths:
        same = "SAME" if small[name] == big[name] else "DIFFERENT"
        print(f"    {name:<14} {small[name]:>3} queries with {SMALL} rows, {big[name]:>3} with the big data  {same}")
    _pagination(paths)
    _requests_per_second(paths)


def _build():
    """A council taking proposals, its next meeting, and one proposal with SMALL supports and comments,
    among SMALL proposals."""
    from tests.governance.factories import make_meeting
    from tests.proposals import bulk
    from tests.proposals.factories import council, make_proposal

    body = council(threshold=SUPPORTS * 10)
    make_meeting(body, held=False)
    proposal = make_proposal(body, supporters=3)
    bulk.add_supports(proposal, SMALL - 3)
    bulk.add_comments(proposal, SMALL)
    bulk.add_proposals(proposal, SMALL - 1)
    return proposal


def _client():
    from django.test import Client

    return Client(HTTP_HOST="localhost")


def _query_counts(paths: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    counts = {}
    with override_settings(PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"]):
        client = _client()
        for name, path in paths.items():
            client.get(path)  # warm the site and settings caches, as a running server has them
            with CaptureQueriesContext(connection) as ctx:
                status = client.get(path).status_code
            counts[name] = len(ctx.captured_queries) if status == 200 else f"HTTP {status}"
    return counts


def _pagination(paths: dict) -> None:
    """How much of the data one page shows, and whether it links to further pages."""
    from django.test.utils import override_settings

    with override_settings(PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"]):
        client = _client()
        listing = client.get(paths["list"]).content.decode()
        page = client.get(paths["proposal page"]).content.decode()
    comments = page.count('class="portal-comment"')
    print(f"  paginated: list shows {listing.count('Bulk proposal')} of {PROPOSALS:,} bulk proposals "
          f"({'with' if 'govuk-pagination' in listing else 'WITHOUT'} page links); proposal page shows "
          f"{comments} of {COMMENTS:,} comments "
          f"({'with' if 'Pages of comments' in page else 'WITHOUT'} page links)")


def _requests_per_second(paths: dict) -> None:
    from django.test.utils import override_settings

    from bench import urls as bench_urls

    print("  requests per second, anonymous, beside a bare Django view of the same size (budget: ratio >= 0.50)")
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["*"]):
        client = _client()
        for name, path in paths.items():
            html = client.get(path).content.decode()
            bench_urls.BARE_HTML["text"] = html.replace("{", "{ ")
            page = _rps(client, path)
            bare = _rps(client, "/bench/bare/")
            print(f"    {name:<14} {page:8.0f} req/s   bare {bare:8.0f} req/s   ratio {page / bare:5.2f}")


def _rps(client, path: str, seconds: float = 1.0) -> float:
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
