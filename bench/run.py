"""Benchmarks, printed as figures and ratios measured side by side in one run (never asserted).

Run with `make bench`. Uses its own SQLite file under var/ so the demo database is untouched.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
(ROOT / "var").mkdir(exist_ok=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")
os.environ["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402

from bench import urls as bench_urls  # noqa: E402

PAGES = [
    "/",
    "/about/",
    "/accessibility/",
    "/have-your-say/",
    "/have-your-say/improving-our-evening-groups/",
    "/have-your-say/making-our-drop-in-more-welcoming/",
    "/have-your-say/making-our-drop-in-more-welcoming/results/",
    "/account/sign-in/",
    "/account/sign-up/",
]


def requests_per_second(client: Client, path: str, seconds: float = 1.5) -> float:
    client.get(path)  # warm up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        client.get(path)
        count += 1
    return count / (time.perf_counter() - start)


def query_count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return len(ctx.captured_queries)


def grow_content(extra_pages: int) -> None:
    from portal.home.models import HomePage, StandardPage

    home = HomePage.objects.first()
    existing = StandardPage.objects.filter(slug__startswith="bench-").count()
    for i in range(existing, extra_pages):
        page = StandardPage(title=f"Bench page {i}", slug=f"bench-{i}", summary="Benchmark filler.")
        home.add_child(instance=page)


def main() -> None:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0, stdout=open(os.devnull, "w"))
    settings.DEBUG = False
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["*"]):
        client = Client()
        print("Queries per anonymous page (budget: at most 12, flat as content grows)")
        before = {p: query_count(client, p) for p in PAGES}
        grow_content(200)
        after = {p: query_count(client, p) for p in PAGES}
        for p in PAGES:
            print(f"  {p:<60} {before[p]:>3} queries with the demo content, {after[p]:>3} with 200 more pages")
        print("\nRequests per second, anonymous, each beside a bare Django view of the same size")
        print("(budget: at least 0.50 of the bare view for public pages)")
        for p in PAGES:
            html = client.get(p).content.decode()
            bench_urls.BARE_HTML["text"] = html.replace("{", "{ ")
            page_rps = requests_per_second(client, p)
            bare_rps = requests_per_second(client, "/bench/bare/")
            print(f"  {p:<60} {page_rps:8.0f} req/s   bare {bare_rps:8.0f} req/s   ratio {page_rps / bare_rps:5.2f}")
    bench_audit()
    from bench import consultations as bench_consultations  # noqa: I001

    bench_consultations.main()
    from bench import governance as bench_governance

    bench_governance.main()
    from bench import tally as bench_tally

    bench_tally.main()
    from bench import voting as bench_voting

    bench_voting.main()
    from bench import proposals as bench_proposals

    bench_proposals.main()
    from bench import involvement as bench_involvement

    bench_involvement.main()
    from bench import evidence as bench_evidence

    bench_evidence.main()
    from bench import audit_verify as bench_audit_verify

    bench_audit_verify.main()


def bench_audit() -> None:
    from portal.audit.models import AuditEvent
    from portal.audit.selectors import audit_verify
    from portal.audit.services import audit_record

    n = 2000
    start = time.perf_counter()
    for i in range(n):
        audit_record(actor=None, action="bench.event", target=("bench", i), data={"i": i})
    append_s = time.perf_counter() - start
    start = time.perf_counter()
    result = audit_verify()
    verify_s = time.perf_counter() - start
    print(f"\nAudit ledger: {n} appends in {append_s:.2f} s ({n / append_s:.0f}/s); "
          f"verify of {AuditEvent.objects.count()} events in {verify_s:.2f} s "
          f"({result.count / verify_s:.0f}/s), ok={result.ok}")


if __name__ == "__main__":
    main()
