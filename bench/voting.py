"""Voting benchmarks: casting votes through the whole Django stack, and counting 100,000 stored papers.

- Votes per second: signed-in voters POST their ballot paper (CSRF checked, `confirmed=1`) through the
  test Client and the full middleware stack, beside the same clients POSTing the same form to a bare
  Django view that only reads `request.POST` (CSRF checked too), measured side by side in one run, for a
  secret single-choice ballot, a secret ranked (STV) ballot and a named motion. Each voter votes once,
  so every timed request really casts a vote; the papers are counted afterwards to prove it. A third
  column, "bare+write", is the bare view plus one INSERT committed in a transaction: the floor for a
  request whose write must be durable, as a vote's is. The query count is of one vote's request.
- Counting: `count_papers` (read every paper from the database, then the pure count) for 100,000
  ranked papers, STV and IRV. The pure count alone is in bench/tally.py.
- A 10,000-voter secret STV ballot, cast and closed through the services: sealed papers (now: each
  vote sealed to the ballot's key; at close every paper opened, shuffled and written again, apart from
  its receipt) beside the same ballot stored the way it was before sealing (the paper and its receipt
  written in clear in the vote's transaction; close only counts), side by side in one run.

Figures and ratios only, never asserted. Each database runs in its own process, as bench/governance.py:
a fresh SQLite file always, then PostgreSQL when BENCH_POSTGRES_URL names a database containing "bench".

    .venv/bin/python bench/voting.py
"""

import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / "var" / "bench-voting.sqlite3"
VOTERS = 300
PAPERS = 100_000
CANDIDATES = ("Ana", "Bo", "Cy", "Di", "Ed")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import run_on_each_database

    run_on_each_database(__file__, SQLITE_FILE)


def run_one(label: str, url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import setup_django

    setup_django(url, SQLITE_FILE)
    from django.conf import settings

    settings.DEBUG = False
    print(f"\nVoting on {label}")
    bench_casting()
    bench_counting()
    bench_sealed_roll()


# --- casting --------------------------------------------------------------------------------------
def _voters(count: int, prefix: str = "bench-voter-") -> list:
    """`count` active accounts with profiles, made in bulk (no password hashing: they sign in by session)."""
    from portal.accounts.models import Profile, User

    User.objects.bulk_create(
        [User(email=f"{prefix}{n}@example.org", display_name=f"Voter {n}", password="!")
         for n in range(count)],
        batch_size=1000,
    )
    voters = list(User.objects.filter(email__startswith=prefix).order_by("pk"))
    Profile.objects.bulk_create([Profile(user=v) for v in voters], batch_size=1000)
    return voters


def _ballot(kind: str, voters: list, *, secret: bool = True, seats: int = 1):
    """An open ballot whose roll is `voters` (an uploaded list), opened through the service."""
    from datetime import timedelta

    from django.utils import timezone

    from voting.models import Ballot, BallotOption, ListedVoter
    from voting.services import ballot_open

    now = timezone.now()
    ballot = Ballot.objects.create(
        title=f"Bench {kind}", kind=kind, seats=seats, secret=secret, electorate=Ballot.Electorate.LIST,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1),
    )
    if kind != Ballot.Kind.MOTION:
        for n, label in enumerate(CANDIDATES):
            BallotOption.objects.create(ballot=ballot, label=label, order=n)
    ListedVoter.objects.bulk_create([ListedVoter(ballot=ballot, voter=v) for v in voters], batch_size=1000)
    return ballot_open(ballot=ballot, user=None, tell_voters=False)  # the fan-out of emails is not measured here


def _form(ballot, n: int) -> dict:
    """Voter n's paper as the browser sends it (deterministic, varied)."""
    from voting.models import Ballot

    if ballot.kind == Ballot.Kind.MOTION:
        return {"vote": ("for", "for", "against", "abstain")[n % 4]}
    options = list(ballot.options.order_by("order").values_list("pk", flat=True))
    if ballot.kind in (Ballot.Kind.IRV, Ballot.Kind.STV):
        ranked = random.Random(n).sample(options, k=1 + n % len(options))
        return {f"rank_{pk}": str(place) for place, pk in enumerate(ranked, start=1)}
    return {"vote": str(options[n % len(options)])}


def _signed_in_clients(voters: list) -> list:
    """One browser per voter: signed in, holding a CSRF cookie, with CSRF checks enforced."""
    from django.conf import settings
    from django.test import Client

    clients = []
    for voter in voters:
        client = Client(enforce_csrf_checks=True)
        client.force_login(voter)
        client.get("/bench/csrf/")
        client.token = client.cookies[settings.CSRF_COOKIE_NAME].value
        clients.append(client)
    return clients


def bench_casting() -> None:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext, override_settings

    from bench.urls import BARE_WRITE_TABLE
    from voting.models import Ballot, BallotPaper, SealedPaper

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {BARE_WRITE_TABLE} (body text)")

    kinds = [
        ("secret single choice", Ballot.Kind.SINGLE, True, 1),
        ("secret ranked, STV 2 seats", Ballot.Kind.STV, True, 2),
        ("named motion", Ballot.Kind.MOTION, False, 1),
    ]
    with override_settings(ROOT_URLCONF="bench.urls", ALLOWED_HOSTS=["*"]):
        voters = _voters(VOTERS)
        clients = _signed_in_clients(voters)
        print(f"  casting a vote ({VOTERS} signed-in voters, one POST each, CSRF checked, test Client),")
        print("  beside the same clients POSTing the same form to bare views: 'bare' reads request.POST;")
        print("  'bare+write' also commits one INSERT")
        for name, kind, secret, seats in kinds:
            ballot = _ballot(kind, voters, secret=secret, seats=seats)
            url = f"/ballots/{ballot.pk}/vote/"
            forms = [{**_form(ballot, n), "confirmed": "1", "csrfmiddlewaretoken": c.token}
                     for n, c in enumerate(clients)]
            bare = _rate(clients, "/bench/bare-post/", forms)
            bare_write = _rate(clients, "/bench/bare-write/", forms)
            clients[0].get(url)  # warm the site and settings caches, as a running server has them
            reset_queries()  # the log is a bounded deque, filled while migrating with DEBUG on
            with CaptureQueriesContext(connection) as ctx:
                first = clients[0].post(url, forms[0])
            queries = len(ctx.captured_queries)  # now: the next request empties the log
            timed = _rate(clients[1:], url, forms[1:])
            papers = BallotPaper.objects.filter(ballot=ballot).count() + SealedPaper.objects.filter(ballot=ballot).count()
            ok = papers == VOTERS and first.status_code == 200
            note = "" if ok else f"  CHECK: {papers} papers for {VOTERS} votes"
            print(f"    {name:<26} {timed:5.0f} votes/s ({queries} queries)   "
                  f"bare {bare:5.0f} POSTs/s ratio {timed / bare:4.2f}   "
                  f"bare+write {bare_write:5.0f} POSTs/s ratio {timed / bare_write:4.2f}{note}")


def _rate(clients: list, url: str, forms: list) -> float:
    start = time.perf_counter()
    for client, form in zip(clients, forms, strict=True):
        client.post(url, form)
    return len(clients) / (time.perf_counter() - start)


# --- counting -------------------------------------------------------------------------------------
def bench_counting() -> None:
    """100,000 ranked papers stored for an STV and an IRV ballot, counted from the database."""
    from bench.tally import make_papers
    from portal.accounts.models import User
    from voting.models import Ballot, BallotPaper
    from voting.services import count_papers

    made = time.perf_counter()
    voter = User.objects.filter(email__startswith="bench-voter-").order_by("pk")[:1]
    raw, names = make_papers(len(CANDIDATES), PAPERS)
    rows = {}
    for kind, seats in ((Ballot.Kind.STV, 3), (Ballot.Kind.IRV, 1)):
        ballot = _ballot(kind, list(voter), seats=seats)
        pk_of = dict(zip(names, ballot.options.order_by("order").values_list("pk", flat=True), strict=True))
        BallotPaper.objects.bulk_create(
            [BallotPaper(ballot=ballot, choices=[pk_of[c] for c in paper]) for paper in raw],
            batch_size=5000,
        )
        rows[kind] = ballot
    print(f"  counting {PAPERS:,} stored ranked papers ({len(CANDIDATES)} candidates) read from the database "
          f"(made in {time.perf_counter() - made:.1f} s):")
    for kind, ballot in rows.items():
        start = time.perf_counter()
        result = count_papers(ballot)
        took = time.perf_counter() - start
        steps = len(result.get("stages") or result.get("rounds") or [])
        what = f"STV {ballot.seats} seats" if kind == Ballot.Kind.STV else "IRV"
        print(f"    {what:<12} {took:6.3f} s   ({steps} {'stages' if kind == Ballot.Kind.STV else 'rounds'}, "
              f"{result['turnout']['papers']:,} papers)")


# --- a 10,000-voter secret ballot, sealed and as before -----------------------------------------------
ROLL = 10_000


def _cast_as_before(ballot, user, choices) -> None:
    """How a secret vote was stored before sealing: the paper and its receipt in clear, in the vote's
    transaction (the baseline only: its rows are what the PostgreSQL linkage test showed to be joinable)."""
    from django.db import transaction

    from voting.models import BallotPaper, BallotReceipt, RollEntry
    from voting.services import clean_choices, receipt_for, receipt_hash

    stored = clean_choices(ballot, choices)
    code = receipt_for(ballot, user)
    with transaction.atomic():
        if not RollEntry.objects.filter(ballot=ballot, voter=user, has_voted=False).update(has_voted=True):
            raise RuntimeError("voted twice")
        BallotPaper.objects.create(ballot=ballot, choices=stored)
        BallotReceipt.objects.create(ballot=ballot, receipt_hash=receipt_hash(code))


def bench_sealed_roll() -> None:
    from voting.models import Ballot, BallotPaper, SealedPaper
    from voting.services import ballot_close, vote_cast

    made = time.perf_counter()
    voters = _voters(ROLL, prefix="bench-roll-")
    rows = []
    for label, cast in (("before (clear papers)", _cast_as_before), ("sealed (now)", None)):
        ballot = _ballot(Ballot.Kind.STV, voters, seats=3)
        options = list(ballot.options.order_by("order").values_list("pk", flat=True))
        papers = [random.Random(n).sample(options, k=1 + n % len(options)) for n in range(ROLL)]
        start = time.perf_counter()
        for voter, paper in zip(voters, papers, strict=True):
            if cast is None:
                vote_cast(ballot=ballot, user=voter, choices=paper)
            else:
                cast(ballot, voter, paper)
        casting = time.perf_counter() - start
        sealed = SealedPaper.objects.filter(ballot=ballot).count()
        start = time.perf_counter()
        closed = ballot_close(ballot=ballot)
        closing = time.perf_counter() - start
        counted = BallotPaper.objects.filter(ballot=ballot).count()
        check = "" if counted == ROLL == closed.tally["turnout"]["papers"] else f"  CHECK: {counted} papers counted"
        labels = dict(closed.options.values_list("pk", "label"))
        rows.append((label, casting, sealed, closing, sorted(labels[int(o)] for o in closed.tally["elected"]), check))
    print(f"  a {ROLL:,}-voter secret STV ballot (3 seats, {len(CANDIDATES)} candidates), every voter voting once "
          f"through the services (voters made in {time.perf_counter() - made:.1f} s):")
    for label, casting, sealed, closing, digest, check in rows:
        print(f"    {label:<22} cast {casting:6.1f} s ({ROLL / casting:5.0f} votes/s, {sealed:,} sealed)   "
              f"close {closing:6.2f} s{check}")
    (_, cast_before, _, close_before, elected_before, _), (_, cast_now, _, close_now, elected_now, _) = rows
    print(f"    ratio sealed/before: cast {cast_now / cast_before:4.2f}, close {close_now / close_before:4.2f}; "
          f"same papers, same people elected: {'yes' if elected_before == elected_now else 'NO'} ({', '.join(elected_now)})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3])
    else:
        main()
