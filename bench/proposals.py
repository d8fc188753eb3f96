"""Proposals benchmarks: the proposals list and one proposal page with 10,000 supports and 1,000 comments.

Query counts with 10 rows and with 10,000 supports, 1,000 comments and 1,000 more proposals (they must be
equal, and at most 12: the public pages' budget), whether each page paginates, and requests per second
for anonymous visitors beside a bare Django view rendering a template of the same size, in one run.
Figures and ratios only, never asserted. Runs in its own process on a fresh SQLite file (and on
PostgreSQL when BENCH_POSTGRES_URL points at a database whose name contains "bench").
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.governance import page_client, query_counts, requests_per_second  # noqa: E402 (after the path)

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
    small = query_counts(paths)
    bulk.add_supports(proposal, SUPPORTS - SMALL)
    bulk.add_comments(proposal, COMMENTS - SMALL)
    bulk.add_proposals(proposal, PROPOSALS)
    big = query_counts(paths)
    print(f"  queries per anonymous page (budget: at most 12, equal at {SMALL} rows and at {SUPPORTS:,} supports, "
          f"{COMMENTS:,} comments, {PROPOSALS:,} more proposals)")
    for name in paths:
        same = "SAME" if small[name] == big[name] else "DIFFERENT"
        print(f"    {name:<14} {small[name]:>3} queries with {SMALL} rows, {big[name]:>3} with the big data  {same}")
    _pagination(paths)
    requests_per_second(paths)


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






def _pagination(paths: dict) -> None:
    """How much of the data one page shows, and whether it links to further pages."""
    from django.test.utils import override_settings

    with override_settings(PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"]):
        client = page_client()
        listing = client.get(paths["list"]).content.decode()
        page = client.get(paths["proposal page"]).content.decode()
    comments = page.count('class="portal-comment"')
    print(f"  paginated: list shows {listing.count('Bulk proposal')} of {PROPOSALS:,} bulk proposals "
          f"({'with' if 'govuk-pagination' in listing else 'WITHOUT'} page links); proposal page shows "
          f"{comments} of {COMMENTS:,} comments "
          f"({'with' if 'Pages of comments' in page else 'WITHOUT'} page links)")






if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3])
    else:
        main()
