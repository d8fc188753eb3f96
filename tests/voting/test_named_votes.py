"""A board motion's named ballot settles a decision: the decision page and the minutes show who voted how."""

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.models import Membership
from governance.minutes import minutes_approve, minutes_circulate
from portal.accounts import roles
from tests.governance.factories import make_body, make_decision, make_meeting
from tests.governance.test_minutes import make_minutes
from voting.models import Ballot
from voting.services import ballot_close, ballot_open, vote_cast

pytestmark = pytest.mark.django_db


def motion(body, decision, *, secret):
    now = timezone.now()
    ballot = Ballot.objects.create(
        title="Open on Saturdays", kind=Ballot.Kind.MOTION, electorate=Ballot.Electorate.BODY, body=body,
        secret=secret, decision=decision, opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=1),
    )
    return ballot_open(ballot=ballot, user=None)


def approved_minutes(body, meeting, home_page, user_factory):
    """The meeting's minutes, circulated and approved (so published) by a secretary."""
    secretary = user_factory(roles=[roles.SECRETARIES])
    minutes = make_minutes(home_page, meeting)
    minutes_circulate(minutes=minutes, user=secretary)
    minutes_approve(minutes=minutes, by_decision=make_decision(body, make_meeting(body)), user=secretary)
    minutes.refresh_from_db()
    return minutes


@pytest.fixture
def board(home_page):
    body = make_body(code="BD", members=3, lived=2)
    people = [m.person for m in body.memberships.filter(role__in=list(Membership.VOTING_ROLES)).order_by("pk")]
    for n, person in enumerate(people):
        person.display_name = f"Trustee {'ABC'[n]}"
        person.save()
    meeting = make_meeting(body)
    return body, people, meeting, make_decision(body, meeting, title="Saturday opening")


def test_a_named_motion_shows_each_members_vote_on_the_decision_and_in_the_minutes(client, board, home_page, user_factory):
    body, people, meeting, decision = board
    ballot = motion(body, decision, secret=False)
    page = client.get(f"/governance/decisions/{decision.reference}/").content.decode()
    assert "Voting is open until" in page and "Trustee A" not in page  # nothing shown while it is open

    for person, choice in zip(people, ["for", "for", "against"], strict=True):
        vote_cast(ballot=ballot, user=person, choices=choice)
    ballot_close(ballot=ballot)

    page = client.get(f"/governance/decisions/{decision.reference}/").content.decode()
    assert "Passed (simple majority): 2 for, 1 against, 0 abstained. 3 of 3 members voted." in page
    for name, vote in [("Trustee A", "For"), ("Trustee B", "For"), ("Trustee C", "Against")]:
        assert f'<td class="govuk-table__cell">{name}</td><td class="govuk-table__cell">{vote}</td>' in page

    secretary = user_factory(roles=[roles.SECRETARIES])
    minutes = make_minutes(home_page, meeting)
    minutes_circulate(minutes=minutes, user=secretary)
    approving = make_decision(body, make_meeting(body), title="Approve the minutes")
    minutes_approve(minutes=minutes, by_decision=approving, user=secretary)
    minutes.refresh_from_db()
    html = client.get(minutes.url).content.decode()
    assert "Decisions taken at this meeting" in html and decision.reference in html
    assert '<td class="govuk-table__cell">Trustee C</td><td class="govuk-table__cell">Against</td>' in html


def test_a_secret_motion_never_names_anyone(client, board):
    body, people, meeting, decision = board
    ballot = motion(body, decision, secret=True)
    for person, choice in zip(people, ["for", "against", "against"], strict=True):
        vote_cast(ballot=ballot, user=person, choices=choice)
    ballot_close(ballot=ballot)
    page = client.get(f"/governance/decisions/{decision.reference}/").content.decode()
    assert "Not passed (simple majority): 1 for, 2 against" in page
    assert "This was a secret ballot" in page
    assert not any(person.display_name in page for person in people)


def test_a_motion_short_of_its_turnout_quorum_is_not_carried_whatever_the_votes(client, board):
    body, people, meeting, decision = board
    now = timezone.now()
    ballot = ballot_open(ballot=Ballot.objects.create(
        title="Close on Mondays", kind=Ballot.Kind.MOTION, electorate=Ballot.Electorate.BODY, body=body,
        secret=True, decision=decision, turnout_quorum=75,
        opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(days=1),
    ), user=None)
    for person in people[:2]:  # 2 of 3 is 66%, under the 75% needed
        vote_cast(ballot=ballot, user=person, choices="for")
    ballot = ballot_close(ballot=ballot)
    assert ballot.tally["passed"] is True and ballot.tally["carried"] is False
    page = client.get(f"/governance/decisions/{decision.reference}/").content.decode()
    assert "Not passed (simple majority; the turnout needed was not reached)" in page
    results = client.get(f"/ballots/{ballot.pk}/results/").content.decode()
    assert "Not passed (simple majority; the turnout needed was not reached)" in results


def test_the_minutes_list_every_decision_and_its_ballot_in_the_same_number_of_queries(client, board, home_page, user_factory):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.home.page_cache import page_cache_clear

    body, people, meeting, decision = board
    minutes = approved_minutes(body, meeting, home_page, user_factory)

    def queries():
        with CaptureQueriesContext(connection) as seen:
            assert client.get(minutes.url).status_code == 200
        return len(seen)

    def add_settled_decision(n):
        settled = make_decision(body, meeting, title=f"Motion {n}")
        ballot = motion(body, settled, secret=False)
        vote_cast(ballot=ballot, user=people[0], choices="for")
        ballot_close(ballot=ballot)

    add_settled_decision(0)
    queries()  # the first request of all also makes what is made on first use (the site's settings)
    page_cache_clear()
    few = queries()  # the generation moved on: everything is read afresh
    for n in range(1, 6):
        add_settled_decision(n)
    assert queries() == few  # read afresh again, with five more decisions and ballots
    assert queries() < few  # then the list is kept until the next change
    assert client.get(minutes.url).content.decode().count("How each member voted") == 6


def test_the_minutes_show_a_ballot_opening_and_closing_at_once_though_their_decisions_are_kept(
    client, board, home_page, user_factory
):
    body, people, meeting, decision = board
    minutes = approved_minutes(body, meeting, home_page, user_factory)
    assert "Saturday opening" in client.get(minutes.url).content.decode()  # the list is kept from here

    ballot = motion(body, decision, secret=False)
    assert "Voting is open until" in client.get(minutes.url).content.decode()
    vote_cast(ballot=ballot, user=people[0], choices="for")
    ballot_close(ballot=ballot)
    html = client.get(minutes.url).content.decode()
    assert "Voting is open until" not in html and "How each member voted" in html and "Trustee A" in html
