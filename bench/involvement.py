"""Involvement payments benchmarks: finance's claims list and the batch export with 50,000 claims.

- Queries per signed-in page (finance's claim lists by status, its batches and one batch, the member's
  own claims page) with 10 claims and with 50,000 more: they must be equal, and at most 12.
- Making a batch of 50,000 approved claims (one UPDATE and one aggregate) and marking it paid.
- The CSV export of a batch of 5,000 and of 50,000 claims, streamed through the real view and read to
  the end: seconds, rows, peak traced memory (flat: the 50,000 batch should peak about where the 5,000
  one does), and whether its amounts add up, to the penny, to the batch's stored total.
Figures and ratios only, never asserted. Runs in its own process on a fresh SQLite file (and on
PostgreSQL when BENCH_POSTGRES_URL points at a database whose name contains "bench").
"""

import csv
import datetime
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.governance import page_client  # noqa: E402 (after the path)

SQLITE_FILE = ROOT / "var" / "bench-involvement.sqlite3"
SMALL, MID, BIG = 10, 5_000, 50_000
PAYEES = 500


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

    settings.DEBUG = False
    print(f"\nInvolvement payments on {label}")
    money_person, member, band = _people()
    # Every list has something in it from the start: claims waiting, approved, and paid in a batch.
    _claims(member, band, SMALL, "approved")
    small_batch = _batch(money_person, SMALL)
    _mark_paid(money_person, small_batch)
    _claims(member, band, SMALL, "approved")
    _claims(member, band, SMALL, "submitted")
    paths = {
        "claims waiting": reverse("involvement:finance"),
        "claims approved": reverse("involvement:finance") + "?status=approved",
        "claims paid": reverse("involvement:finance") + "?status=paid",
        "batches": reverse("involvement:finance-batches"),
        "one batch": reverse("involvement:finance-batch", args=[small_batch.pk]),
    }
    small = _queries(money_person, paths) | _queries(member, {"member's claims": reverse("involvement:mine")})
    _claims(None, band, BIG, "submitted")
    _claims(None, band, MID + BIG, "approved")  # the first MID in one batch, the other BIG in the next
    mid_batch, mid_seconds = _timed(_batch, money_person, MID)
    big_batch, big_seconds = _timed(_batch, money_person, None)
    _, paid_seconds = _timed(_mark_paid, money_person, big_batch)
    paths["one batch"] = reverse("involvement:finance-batch", args=[big_batch.pk])
    big = _queries(money_person, paths) | _queries(member, {"member's claims": reverse("involvement:mine")})
    print(f"  queries per signed-in page (budget: at most 12, equal at {SMALL} claims of each kind and at "
          f"{BIG:,} more waiting, {MID + BIG:,} more approved, in batches of {MID:,} and {BIG:,} (paid))")
    for name in big:
        same = "SAME" if small[name] == big[name] else "DIFFERENT"
        print(f"    {name:<16} {small[name]:>3} queries with {SMALL} claims, {big[name]:>3} with the big data  {same}")
    print(f"  making a batch: {mid_batch.count:,} claims in {mid_seconds:.2f} s, {big_batch.count:,} claims (every "
          f"approved claim waiting, finance's button) in {big_seconds:.2f} s")
    print(f"  marking the batch of {big_batch.count:,} paid: {paid_seconds:.2f} s")
    _export(money_person, {MID: mid_batch, BIG: big_batch})


def _people():
    from involvement import services
    from involvement.models import RateBand
    from portal.accounts import roles
    from tests.factories import UserFactory

    money_person = UserFactory(roles=[roles.FINANCE], email="bench-finance@example.org")
    member = UserFactory(roles=[roles.SERVICE_USERS], email="bench-member@example.org")
    band = services.rate_band_save(user=money_person, name="Bench band")
    services.rate_add(user=money_person, band=band, pence=2500, applies_from=datetime.date(2000, 1, 1))
    return money_person, member, RateBand.objects.get(pk=band.pk)


def _claims(person, band, n: int, status: str) -> None:
    """`n` claims with awkward amounts (bulk, as data; the services are timed elsewhere), for `person`
    or spread over PAYEES people; in one transaction."""
    from django.db import transaction

    with transaction.atomic():
        _bulk_claims(person, band, n, status)


def _bulk_claims(person, band, n: int, status: str) -> None:
    import random

    from involvement.models import Claim, Participation, Payee
    from involvement.services import payee_for
    from portal.accounts.models import User

    rng = random.Random(n)
    if person is not None:
        payees = [payee_for(person)]
    else:
        existing = list(Payee.objects.filter(reference__startswith="PAY-B"))
        if not existing:
            users = User.objects.bulk_create(
                User(email=f"bench-payee-{i}@example.org", display_name=f"Payee {i}") for i in range(PAYEES))
            existing = Payee.objects.bulk_create(
                Payee(person=user, reference=f"PAY-B{i:05d}") for i, user in enumerate(users))
        payees = existing
    start = Participation.objects.count()
    day = datetime.date(2025, 1, 1)
    for offset in range(0, n, 5000):
        size = min(5000, n - offset)
        made = Participation.objects.bulk_create(
            Participation(person_id=payees[(start + i) % len(payees)].person_id, day=day + datetime.timedelta(days=i % 365),
                          activity=f"Bench panel {start + offset + i}", kind="event", rate_band=band)
            for i in range(size)
        )
        claims = []
        for i, participation in enumerate(made):
            choice = rng.choice(["paid", "paid", "voucher", "expenses_only", "declined"])
            fee = 2500 if choice in ("paid", "voucher") else 0
            claims.append(Claim(payee=payees[(start + offset + i) % len(payees)], participation=participation,
                                activity_day=participation.day, rate_pence=2500, fee_pence=fee,
                                expenses_pence=rng.choice([0, rng.randint(1, 9_999)]) or (0 if fee else 101),
                                choice=choice, status=status))
        Claim.objects.bulk_create(claims, batch_size=1000)


def _batch(money_person, n: int | None):
    """A batch of the first `n` approved claims waiting, or (None) of all of them, as finance's button makes it."""
    from involvement import services
    from involvement.models import Claim

    if n is None:
        return services.batch_make(user=money_person)
    ids = list(Claim.objects.filter(status="approved", batch__isnull=True).order_by("pk").values_list("pk", flat=True)[:n])
    return services.batch_make(user=money_person, claims=ids)


def _mark_paid(money_person, batch):
    from involvement import services

    return services.batch_mark_paid(user=money_person, batch=batch)


def _queries(user, paths: dict) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    counts = {}
    with override_settings(PAGE_CACHE_SECONDS=0, ALLOWED_HOSTS=["*"], PORTAL_STAFF_2FA=False):
        client = page_client()
        client.force_login(user)
        for name, path in paths.items():
            client.get(path)  # warm the site and settings caches, as a running server has them
            with CaptureQueriesContext(connection) as ctx:
                status = client.get(path).status_code
            counts[name] = len(ctx.captured_queries) if status == 200 else f"HTTP {status}"
    return counts


def _export(money_person, batches: dict) -> None:
    print("  CSV export view, streamed and read to the end (budget: flat peak memory as claims grow)")
    figures = {}
    for n, batch in batches.items():
        seconds = _timed(_consume, money_person, batch)[1]
        tracemalloc.start()
        size, rows, pence = _consume(money_person, batch)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        figures[n] = (seconds, peak)
        adds_up = "adds up to the batch total" if pence == batch.total_pence else "DOES NOT ADD UP"
        print(f"    {n:>7,} claims: {seconds:6.2f} s, {rows:,} rows, {size / 1e6:5.1f} MB, "
              f"peak traced memory {peak / 1e6:5.2f} MB; £{pence // 100:,}.{pence % 100:02d} {adds_up}")
    (t_mid, m_mid), (t_big, m_big) = figures[MID], figures[BIG]
    print(f"    {BIG:,} / {MID:,}: claims x{BIG // MID}, time x{t_big / t_mid:.1f}, peak memory x{m_big / m_mid:.2f}")


def _consume(money_person, batch) -> tuple[int, int, int]:
    """Call the real view (as its URL does) and read the stream, adding the amounts as whole pence."""
    from django.test import RequestFactory
    from django.urls import reverse

    from involvement.finance_views import batch_csv

    request = RequestFactory().get(reverse("involvement:finance-batch-csv", args=[batch.pk]))
    request.user = money_person
    response = batch_csv(request, pk=batch.pk)
    assert response.status_code == 200, response.status_code
    size = rows = pence = 0
    first = True
    for chunk in response.streaming_content:
        size += len(chunk)
        for line in chunk.decode().splitlines():
            if first:
                first = False
                continue
            rows += 1
            whole, part = next(csv.reader([line]))[1].split(".")
            pence += int(whole) * 100 + int(part)
    return size, rows, pence


def _timed(fn, *args):
    start = time.perf_counter()
    result = fn(*args)
    return result, time.perf_counter() - start


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3])
    else:
        main()
