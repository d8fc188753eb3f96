"""`manage.py seed_demo`'s ballots: a counted election anyone can recount, an open board motion and an
open members' ballot the demo service user has not voted in, and nothing made twice."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from portal.accounts.models import User
from portal.audit.models import AuditEvent
from voting import demo
from voting.models import Ballot, BallotOption, BallotPaper, BallotReceipt, NamedVote, RollEntry, SealedPaper

pytestmark = pytest.mark.django_db

COUNTED = [Ballot, BallotOption, RollEntry, BallotPaper, BallotReceipt, SealedPaper, NamedVote, AuditEvent, User,
           Ballot.history.model]


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def counts():
    return {model._meta.label: model.objects.count() for model in COUNTED}


@pytest.fixture
def seeded(seeded_demo):
    """The demo, seeded once for this module (tests/conftest.py's demo_once), in this test's own savepoint."""


def test_seeding_twice_creates_nothing_the_second_time(seeded):
    first = counts()  # after the module's seed
    seed()
    assert counts() == first
    assert first["voting.Ballot"] == 4


def test_the_demo_has_a_ballot_in_every_state(seeded):
    states = sorted(Ballot.objects.values_list("status", flat=True))
    assert states == sorted([Ballot.Status.CLOSED, Ballot.Status.OPEN, Ballot.Status.OPEN, Ballot.Status.DRAFT])
    draft = Ballot.objects.get(title=demo.COUNCIL_CHAIR)
    assert draft.body is not None and draft.options.count() == 2


def test_the_election_is_closed_with_two_elected_and_a_count_the_recount_reproduces(seeded, capsys):
    election = Ballot.objects.get(title=demo.ELECTION)
    assert election.status == Ballot.Status.CLOSED and election.kind == Ballot.Kind.STV and election.secret
    assert election.options.count() == len(demo.CANDIDATES)
    assert all(option.statement for option in election.options.all())
    tally = election.tally
    assert len(tally["elected"]) == 2
    labels = dict(election.options.values_list("pk", "label"))
    assert sorted(labels[int(pk)] for pk in tally["elected"]) == ["Jo", "Lena"]
    actions = [stage["action"] for stage in tally["stages"]]
    assert "surplus" in actions and actions.count("exclusion") >= 1 and len(actions) >= 3
    papers = sum(copies for _, copies in demo.ELECTION_PAPERS)
    assert BallotPaper.objects.filter(ballot=election).count() == papers == tally["turnout"]["papers"]
    assert tally["turnout"]["roll"] > papers and tally["turnout"]["quorum_met"]
    assert election.tally_hash and AuditEvent.objects.filter(
        action="voting.ballot_closed", data__tally_hash=election.tally_hash
    ).exists()
    capsys.readouterr()
    call_command("recount", str(election.pk))
    assert f"Recount matches the stored tally: {election.tally_hash}" in capsys.readouterr().out


def test_the_board_motion_is_open_named_linked_to_its_decision_and_tom_can_vote(seeded):
    motion = Ballot.objects.get(title=demo.MOTION)
    assert motion.status == Ballot.Status.OPEN and motion.closes_at > timezone.now() > motion.opens_at
    assert motion.kind == Ballot.Kind.MOTION and not motion.secret
    assert motion.decision is not None and motion.decision.body == motion.body
    assert NamedVote.objects.filter(ballot=motion).count() == len(demo.MOTION_VOTES)
    tom = User.objects.get(email="trustee@example.org")
    assert RollEntry.objects.get(ballot=motion, voter=tom).has_voted is False


def test_the_members_ballot_is_open_and_the_demo_service_user_has_not_voted(seeded, client):
    ballot = Ballot.objects.get(title=demo.MEMBERS_BALLOT)
    assert ballot.status == Ballot.Status.OPEN and ballot.closes_at > timezone.now() > ballot.opens_at
    assert ballot.secret and ballot.electorate == Ballot.Electorate.SERVICE_USERS
    assert SealedPaper.objects.filter(ballot=ballot).count() == len(demo.TOPIC_VOTES)  # sealed until close
    assert not BallotPaper.objects.filter(ballot=ballot).exists()
    assert not NamedVote.objects.filter(ballot=ballot).exists()
    sam = User.objects.get(email="service.user@example.org")
    assert RollEntry.objects.get(ballot=ballot, voter=sam).has_voted is False
    client.force_login(sam)
    page = client.get(f"/ballots/{ballot.pk}/vote/")
    assert page.status_code == 200 and "You have already voted" not in page.content.decode()
