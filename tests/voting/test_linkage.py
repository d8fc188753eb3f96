"""Floor 1 of the secret-ballot issue: someone holding the PostgreSQL database (but not the server's
secret) tries every way we know to pair a voter with a vote, while voting is open and after close.

100 service users sign in through the sign-in page and vote through the real paper and check pages in a
ranked (IRV) ballot of 5 candidates, in a random order. Each votes a different full ranking (5! = 120),
so a pairing method's guess for a voter is right only if it found that voter's own paper.

The bound. A method that knows nothing pairs voters with papers as a random permutation would, and the
number of voters a random permutation of 100 gets right is close to Poisson(1): P(at least 8) is about
1.0e-5. With the ~60 methods tried here, a design that leaks nothing fails this test about once in
1,700 runs; one that leaks (as the old design did, 100 of 100 by `xmin`) fails every time. So: at most 7
right per method.
"""

import json
import random
from datetime import timedelta
from itertools import permutations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD
from tests.governance.factories import make_body
from voting import sealing
from voting.models import Ballot, BallotOption, BallotPaper, BallotReceipt, SealedPaper
from voting.services import ballot_close, ballot_open, receipt_hash

from .test_casting import voters_of

VOTERS = 100
CHANCE_BOUND = 7  # at most this many right per method; see the module docstring


def rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def voter_orderings(ballot) -> dict[str, list[int]]:
    """Every order of the voters the database gives away (user ids, earliest or lowest first)."""
    orders = {}
    roll = "FROM voting_rollentry WHERE ballot_id = %s AND has_voted"
    for name, key in [("xmin", "xmin::text::bigint, ctid"), ("ctid", "ctid"), ("id", "id")]:
        orders[f"roll by {name}"] = [r[0] for r in rows(f"SELECT voter_id {roll} ORDER BY {key}", [ballot.pk])]
    sessions = rows("SELECT session_data, expire_date, xmin::text::bigint, ctid::text FROM django_session")
    decoded = [(SessionStore().decode(data).get("_auth_user_id"), expire, xid, ctid) for data, expire, xid, ctid in sessions]
    decoded = [(int(user), expire, xid, ctid) for user, expire, xid, ctid in decoded if user]
    orders["sessions by expiry"] = [user for user, *_ in sorted(decoded, key=lambda d: d[1])]
    orders["sessions by xmin"] = [user for user, _, xid, _ in sorted(decoded, key=lambda d: d[2])]
    orders["sessions by ctid"] = [d[0] for d in sorted(decoded, key=lambda d: tuple(map(int, d[3].strip("()").split(","))))]
    emails = dict(rows("SELECT lower(email), id FROM accounts_user"))
    for table, column in [("axes_accesslog", "attempt_time"), ("axes_accessattempt", "attempt_time")]:
        found = rows(f"SELECT lower(username) FROM {table} ORDER BY {column}, id")
        orders[f"{table} by {column}"] = [emails[u] for (u,) in found if u in emails]
    orders["users by last login"] = [r[0] for r in rows("SELECT id FROM accounts_user WHERE last_login IS NOT NULL ORDER BY last_login")]
    orders["users by xmin"] = [r[0] for r in rows("SELECT id FROM accounts_user ORDER BY xmin::text::bigint, ctid")]
    orders["audit events by time"] = [r[0] for r in rows(
        "SELECT p.user_id FROM audit_auditevent e JOIN audit_actorpseudonym p ON p.key = e.actor_key "
        "WHERE p.user_id IS NOT NULL ORDER BY e.occurred_at, e.id")]
    orders["outbox by time"] = [int(r[0]) for r in rows(
        "SELECT payload->>'user_id' FROM jobs_outboxmessage WHERE payload ? 'user_id' ORDER BY created_at, id")]
    return orders


def paper_orderings(ballot) -> dict[str, list[list]]:
    """Every order of the countable papers the database gives away (their choices)."""
    table = "FROM voting_ballotpaper WHERE ballot_id = %s"
    return {
        f"papers by {name}": [r[0] for r in rows(f"SELECT choices {table} ORDER BY {key}", [ballot.pk])]
        for name, key in [("xmin", "xmin::text::bigint, ctid"), ("ctid", "ctid"), ("id", "id")]
    }


def right(pairs, truth) -> int:
    """How many (voter, choices) pairs are right. Django hands jsonb to Python as text, so it is parsed here."""
    parsed = ((voter, json.loads(choices) if isinstance(choices, str) else choices) for voter, choices in pairs)
    return sum(1 for voter, choices in parsed if truth.get(voter) == choices)


def linked_by_every_method(ballot, truth) -> dict[str, int]:
    """How many voters each method pairs with their own paper."""
    found = {}
    voters, papers = voter_orderings(ballot), paper_orderings(ballot)
    for vname, vorder in voters.items():
        for pname, porder in papers.items():
            first_seen = list(dict.fromkeys(vorder))  # a person who signed in twice counts at their first
            found[f"{vname} ~ {pname}"] = right(zip(first_seen, porder, strict=False), truth)
            found[f"{vname} ~ {pname}, reversed"] = right(zip(first_seen, reversed(porder), strict=False), truth)
    for table, column in [("voting_rollentry", "voter_id"), ("accounts_user", "id")]:
        joined = rows(
            f"SELECT t.{column}, p.choices FROM {table} t JOIN voting_ballotpaper p ON p.xmin = t.xmin "
            "WHERE p.ballot_id = %s", [ballot.pk])
        found[f"{table} xmin = papers xmin"] = right(joined, truth)
    joined = rows("SELECT session_data, p.choices FROM django_session s JOIN voting_ballotpaper p ON p.xmin = s.xmin "
                  "WHERE p.ballot_id = %s", [ballot.pk])
    found["sessions xmin = papers xmin"] = right(
        [(int(SessionStore().decode(d).get("_auth_user_id", 0)), c) for d, c in joined], truth)
    return found


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_way_of_reading_the_database_links_more_papers_to_voters_than_chance(home_page):
    body = make_body(code="EL", members=VOTERS, lived=10)
    now = timezone.now()
    ballot = Ballot.objects.create(title="Council election", kind=Ballot.Kind.IRV, body=body,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    options = [BallotOption.objects.create(ballot=ballot, label=name, order=n).pk
               for n, name in enumerate(["Ana", "Bo", "Cy", "Di", "Ed"])]
    ballot_open(ballot=ballot, user=None)
    voters = voters_of(body)
    assert len(voters) == VOTERS
    rankings = random.Random(7).sample(list(permutations(options)), VOTERS)
    truth = {voter.pk: list(ranking) for voter, ranking in zip(voters, rankings, strict=True)}
    codes = {}
    order = list(voters)
    random.Random(11).shuffle(order)
    for voter in order:  # sign in, check the paper, send it: one browser each, through the real pages
        browser = Client()
        signed_in = browser.post("/account/sign-in/", {"username": voter.email, "password": DEFAULT_PASSWORD})
        assert signed_in.status_code == 302, signed_in.content.decode()[:300]
        paper = {f"rank_{pk}": str(place) for place, pk in enumerate(truth[voter.pk], start=1)}
        assert "Check your vote" in browser.post(f"/ballots/{ballot.pk}/vote/", paper).content.decode()
        sent = browser.post(f"/ballots/{ballot.pk}/vote/", {**paper, "confirmed": "1"}).content.decode()
        codes[voter.pk] = sent.split("Your receipt code<br><strong>")[1].split("</strong>")[0]

    # While voting is open: the only rows per vote are sealed, one size, all different, nothing in clear.
    assert not BallotPaper.objects.filter(ballot=ballot).exists()
    assert not BallotReceipt.objects.filter(ballot=ballot).exists()
    boxes = [bytes(b) for b in SealedPaper.objects.filter(ballot=ballot).values_list("box", flat=True)]
    assert len(boxes) == VOTERS == len(set(boxes)) and len({len(b) for b in boxes}) == 1
    for box in boxes:
        assert not any(receipt_hash(code).encode() in box for code in codes.values())
        assert not any(json.dumps(ranking, separators=(",", ":")).encode() in box for ranking in truth.values())
    with override_settings(SECRET_KEY="what-an-attacker-guesses", VOTING_SECRET=""):
        with pytest.raises(sealing.SealBroken):
            sealing.opener(Ballot.objects.get(pk=ballot.pk))  # the key is not in the database
    during = {name: count for name, count in linked_by_every_method(ballot, truth).items()}
    assert during and max(during.values()) == 0  # nothing to pair with: no countable paper exists yet

    ballot_close(ballot=ballot)  # as the beat job or the returning officer does

    assert BallotPaper.objects.filter(ballot=ballot).count() == VOTERS
    assert not SealedPaper.objects.exists()
    stored = sorted(BallotPaper.objects.filter(ballot=ballot).values_list("choices", flat=True))
    assert stored == sorted(truth.values())  # every vote counted as cast
    hashes = set(BallotReceipt.objects.filter(ballot=ballot).values_list("receipt_hash", flat=True))
    assert hashes == {receipt_hash(code) for code in codes.values()}
    assert len({x for (x,) in rows("SELECT xmin::text FROM voting_ballotpaper WHERE ballot_id = %s", [ballot.pk])}) == 1
    after = linked_by_every_method(ballot, truth)
    assert len(after) > 50
    worst = max(after, key=after.get)
    assert after[worst] <= CHANCE_BOUND, f"{worst} links {after[worst]} of {VOTERS} papers to their voters"
