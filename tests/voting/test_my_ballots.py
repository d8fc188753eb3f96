""""Your ballots": the open ballots a person is on the roll for (voted or not), then recent results."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.governance.factories import make_body
from voting.models import Ballot
from voting.services import ballot_close, ballot_open, vote_cast

from .test_casting import make_ballot, voters_of

pytestmark = pytest.mark.django_db


def opened(body, title, **fields):
    """An open ballot of `body` (the shared builder names every ballot alike, so retitle it first)."""
    ballot = make_ballot(body, **fields)
    ballot.title = title
    ballot.save()
    return ballot_open(ballot=ballot, user=None)


@pytest.fixture
def world(home_page):
    """Two bodies; the first's members can vote in two open ballots and one closed one."""
    council, board = make_body(code="SUC", members=3, lived=1), make_body(code="TB", members=2, lived=0)
    return {
        "council": council,
        "board": board,
        "election": opened(council, "Council chair election"),
        "motion": opened(council, "Keep the Thursday group", kind=Ballot.Kind.MOTION, secret=False),
        "closed": opened(council, "Choose the new logo"),
        "other": opened(board, "Board treasurer election"),
    }


def card(html: str, title: str) -> str:
    """The summary card for one ballot (up to the next card or the results)."""
    cards = html.split("Results</h2>")[0].split('<div class="govuk-summary-card">')[1:]
    return next(c for c in cards if f">{title}</h3>" in c)


def test_a_voter_sees_only_their_own_ballots_and_whether_they_have_voted(client, world):
    voter = voters_of(world["council"])[0]
    vote_cast(ballot=world["motion"], user=voter, choices="for")
    ballot_close(ballot=world["closed"])
    client.force_login(voter)
    reply = client.get("/ballots/")
    html = reply.content.decode()
    assert reply.status_code == 200 and "no-store" in reply["Cache-Control"] and "private" in reply["Cache-Control"]
    assert "Board treasurer election" not in html

    election = card(html, "Council chair election")
    assert "You have not voted yet" in election and f'href="/ballots/{world["election"].pk}/vote/"' in election
    assert "Vote now" in election and "Nobody: this is a secret ballot" in election and "Voting closes" in election

    motion = card(html, "Keep the Thursday group")
    assert "You have voted" in motion and "Vote now" not in motion and "/vote/" not in motion
    assert "named vote, and your name is recorded" in motion

    results = html.split('<h2 class="govuk-heading-m govuk-!-margin-top-8">Results</h2>')[1]
    assert f'href="/ballots/{world["closed"].pk}/results/"' in results and "Choose the new logo" in results
    assert "You did not vote." in results
    assert "Choose the new logo" not in html.split("Results</h2>")[0]


def test_someone_on_no_roll_is_told_there_is_nothing_yet(client, world, user_factory):
    client.force_login(user_factory())
    html = client.get("/ballots/").content.decode()
    assert "There are no ballots for you at the moment." in html
    assert "Council chair election" not in html and "Vote now" not in html


def test_visitors_are_sent_to_sign_in(client, world):
    reply = client.get("/ballots/")
    assert reply.status_code == 302 and reply["Location"].startswith("/account/sign-in/?next=/ballots/")


def test_the_account_page_links_to_your_ballots(client, user_factory, home_page):
    client.force_login(user_factory())
    assert 'href="/ballots/"' in client.get("/account/profile/").content.decode()


def test_the_page_costs_the_same_queries_with_one_ballot_or_many(client, world):
    voter = voters_of(world["council"])[0]
    client.force_login(voter)
    client.get("/ballots/")  # warm the session and the site
    with CaptureQueriesContext(connection) as few:
        client.get("/ballots/")
    for n in range(6):
        opened(world["council"], f"More ballot {n}")
        ballot_close(ballot=opened(world["council"], f"Closed ballot {n}"))
    client.get("/ballots/")  # opening and closing ballots moved the page cache's generation on: warm again
    with CaptureQueriesContext(connection) as many:
        html = client.get("/ballots/").content.decode()
    assert "More ballot 5" in html and "Closed ballot 5" in html
    assert len(many) == len(few) <= 12
