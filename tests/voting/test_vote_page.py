"""Voting through the page: rank with numbers, get a receipt once, and be told plainly on a second try."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.governance.factories import make_body
from voting.models import Ballot, BallotOption, BallotPaper
from voting.services import ballot_open, receipt_hash

from .test_casting import voters_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(home_page):
    body = make_body(code="TB", members=3, lived=1)
    now = timezone.now()
    ballot = Ballot.objects.create(title="Trustee election", kind=Ballot.Kind.IRV, body=body,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    options = [BallotOption.objects.create(ballot=ballot, label=n, order=i).pk for i, n in enumerate(["Ana", "Bo", "Cy"])]
    ballot_open(ballot=ballot, user=None)
    return ballot, options, voters_of(body)


def test_a_voter_ranks_gets_a_receipt_and_is_told_when_trying_again(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    assert "Number 1" in client.get(f"/ballots/{ballot.pk}/vote/").content.decode()
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{cy}": "1", f"rank_{ana}": "2", f"rank_{bo}": ""})
    html = reply.content.decode()
    assert reply.status_code == 200 and "Your receipt code" in html and "no-store" in reply["Cache-Control"]
    code = html.split("<strong>")[1].split("</strong>")[0]
    assert BallotPaper.objects.get().receipt_hash == receipt_hash(code)
    assert BallotPaper.objects.get().choices == [cy, ana]
    again = client.get(f"/ballots/{ballot.pk}/vote/").content.decode()
    assert "You have already voted" in again
    assert client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{bo}": "1"}).status_code == 200
    assert BallotPaper.objects.count() == 1


def test_a_number_used_twice_is_explained_and_the_choices_are_kept(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana}": "1", f"rank_{bo}": "1", f"rank_{cy}": "2"})
    html = reply.content.decode()
    assert reply.status_code == 400 and "Number 1 is used more than once" in html
    assert 'value="2" selected' in html
    assert not BallotPaper.objects.exists()


def test_people_off_the_roll_and_visitors_cannot_vote(client, ranked, user_factory):
    ballot, _, _ = ranked
    assert "/account/sign-in/" in client.get(f"/ballots/{ballot.pk}/vote/")["Location"]
    client.force_login(user_factory())
    refused = client.get(f"/ballots/{ballot.pk}/vote/")
    assert refused.status_code == 403 and "not on the list of people who can vote" in refused.content.decode()
