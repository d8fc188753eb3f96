"""Paper votes: the voter is marked on the roll (and cannot then vote online, nor the other way round),
the paper is typed in by one returning officer and checked, blind, by a second before it counts; the
count, the receipts and `recount` treat it like any other paper, and nothing pairs it with the voter."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from portal.accounts import roles
from portal.audit.models import AuditEvent
from tests.factories import UserFactory
from tests.governance.factories import make_body
from voting.models import Ballot, BallotPaper, BallotReceipt, PaperVote, RollEntry, SealedPaper
from voting.services import (
    AlreadyVoted, PaperVoteRefused, VotingRefused, ballot_close, ballot_open, ballots_close_due, paper_counts,
    paper_vote_check, paper_vote_enter, paper_vote_set_aside, paper_voter_mark, vote_cast,
)

from .test_casting import make_ballot, voters_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def body(home_page):
    return make_body(code="TB", members=5, lived=2)


@pytest.fixture
def officers(db):
    return UserFactory(roles=[roles.RETURNING_OFFICERS]), UserFactory(roles=[roles.RETURNING_OFFICERS])


@pytest.fixture
def motion(body):
    ballot = make_ballot(body, kind=Ballot.Kind.MOTION)
    ballot_open(ballot=ballot, user=None)
    ballot.refresh_from_db()
    return ballot


def test_a_paper_vote_typed_in_and_checked_counts_and_the_voter_cannot_then_vote_online(motion, body, officers):
    first, second = officers
    paper_voter, online_voter, *_ = voters_of(body)
    paper_voter_mark(ballot=motion, email=paper_voter.email.upper(), user=first)
    with pytest.raises(AlreadyVoted):
        vote_cast(ballot=motion, user=paper_voter, choices="for")

    vote_cast(ballot=motion, user=online_voter, choices="against")
    with pytest.raises(PaperVoteRefused, match="already voted"):
        paper_voter_mark(ballot=motion, email=online_voter.email, user=first)

    paper = paper_vote_enter(ballot=motion, user=first, choices="for")
    assert paper.label == "P-1" and paper.status == PaperVote.Status.WAITING
    with pytest.raises(PaperVoteRefused, match="Mark the voter on the roll first"):
        paper_vote_enter(ballot=motion, user=first, choices="for")  # one voter marked, one paper
    with pytest.raises(PaperVoteRefused, match="Someone else must check it"):
        paper_vote_check(paper=paper, user=first, choices="for")
    with pytest.raises(VotingRefused, match="1 paper vote still needs a second person"):
        ballot_close(ballot=motion, user=first)

    assert paper_vote_check(paper=paper, user=second, choices="against") is False
    paper.refresh_from_db()
    assert paper.status == PaperVote.Status.WAITING and paper.mismatches == 1
    assert SealedPaper.objects.filter(ballot=motion).count() == 1  # only the online vote so far

    assert paper_vote_check(paper=paper, user=second, choices="for") is True
    paper.refresh_from_db()
    assert (paper.status, paper.checked_by, bytes(paper.box), paper.digest) == ("counted", second, b"", "")
    assert paper_counts(motion) == {"waiting": 0, "counted": 1, "rejected": 0, "marked": 1, "to_type": 0}

    closed = ballot_close(ballot=motion, user=first)
    assert closed.tally["turnout"]["papers"] == 2
    assert (closed.tally["counts"]["for"], closed.tally["counts"]["against"]) == (1, 1)
    assert BallotReceipt.objects.filter(ballot=motion).count() == 2
    call_command("recount", str(motion.pk))


def test_a_mistyped_paper_is_set_aside_and_typed_in_again(motion, body, officers):
    first, second = officers
    voter = voters_of(body)[0]
    paper_voter_mark(ballot=motion, email=voter.email, user=first)
    wrong = paper_vote_enter(ballot=motion, user=first, choices="against")
    paper_vote_set_aside(paper=wrong, user=second)
    again = paper_vote_enter(ballot=motion, user=second, choices="for")
    assert again.label == "P-2"
    assert paper_vote_check(paper=again, user=first, choices="for")
    with pytest.raises(PaperVoteRefused, match="already been counted"):
        paper_vote_check(paper=again, user=first, choices="for")
    closed = ballot_close(ballot=motion, user=first)
    assert closed.tally["counts"]["for"] == 1 and closed.tally["counts"]["against"] == 0


def test_ranked_paper_votes_go_into_the_same_count_and_recount(body, officers, capsys):
    first, second = officers
    ballot = make_ballot(body, kind=Ballot.Kind.STV, seats=2, options=("Ana", "Bo", "Cy", "Di"))
    ballot_open(ballot=ballot, user=None)
    ballot.refresh_from_db()
    ana, bo, cy, di = ballot.options.order_by("order").values_list("pk", flat=True)
    people = voters_of(body)
    for person, choices in zip(people[:3], ([ana, bo], [bo], [cy, di]), strict=True):
        vote_cast(ballot=ballot, user=person, choices=choices)
    for person, choices in zip(people[3:], ([ana, cy], [di, ana]), strict=True):
        paper_voter_mark(ballot=ballot, email=person.email, user=first)
        paper = paper_vote_enter(ballot=ballot, user=first, choices=choices)
        assert paper_vote_check(paper=paper, user=second, choices=choices)
    closed = ballot_close(ballot=ballot)
    assert sorted(BallotPaper.objects.filter(ballot=ballot).values_list("choices", flat=True)) == sorted(
        [[ana, bo], [bo], [cy, di], [ana, cy], [di, ana]])
    call_command("recount", str(ballot.pk))
    assert "Recount matches the stored tally" in capsys.readouterr().out
    assert closed.tally["turnout"]["papers"] == 5


def test_the_automatic_close_waits_for_marked_papers_but_a_returning_officer_can_close_by_hand(motion, body, officers):
    first, second = officers
    paper_voter_mark(ballot=motion, email=voters_of(body)[0].email, user=first)
    Ballot.objects.filter(pk=motion.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    assert ballots_close_due() == []
    with pytest.raises(PaperVoteRefused, match="Voting has closed"):
        paper_voter_mark(ballot=motion, email=voters_of(body)[1].email, user=first)
    paper = paper_vote_enter(ballot=motion, user=first, choices="abstain")  # handed in before the close
    assert ballots_close_due() == []
    paper_vote_check(paper=paper, user=second, choices="abstain")
    assert ballots_close_due() == [motion.pk]


def test_nothing_pairs_a_paper_with_its_voter(motion, body, officers):
    """As someone holding the database and the ledger would look: the roll says who voted on paper (as
    it says who voted online), the papers and the ledger say only numbers and staff."""
    first, second = officers
    voter = voters_of(body)[0]
    paper_voter_mark(ballot=motion, email=voter.email, user=first)
    paper = paper_vote_enter(ballot=motion, user=first, choices="against")
    paper_vote_check(paper=paper, user=second, choices="against")
    row = PaperVote.objects.filter(pk=paper.pk).values().get()
    assert set(row) == {"id", "ballot_id", "number", "status", "box", "digest", "nonce", "mismatches",
                        "entered_by_id", "checked_by_id"}
    assert voter.pk not in (row["entered_by_id"], row["checked_by_id"])
    events = AuditEvent.objects.filter(action__startswith="voting.paper")
    assert [e.data for e in events.order_by("pk")] == [{}, {"paper": "P-1"}, {"paper": "P-1"}]
    assert {(e.target_type, e.target_id) for e in events} == {("voting.ballot", str(motion.pk))}
    entry = RollEntry.objects.filter(ballot=motion, voter=voter).values().get()
    assert set(entry) == {"id", "ballot_id", "voter_id", "has_voted", "on_paper"}


def test_only_returning_officers_use_the_paper_vote_pages(client, motion, body, officers):
    first, second = officers
    member = voters_of(body)[0]
    url = reverse("voting:paper-votes", args=[motion.pk])
    assert client.get(url).status_code == 302
    client.force_login(member)
    assert client.get(url).status_code == 403
    assert client.post(url, {"email": member.email}).status_code == 403
    assert not RollEntry.objects.filter(on_paper=True).exists()


def test_the_pages_take_a_returning_officer_through_a_paper_vote(client, motion, body, officers):
    first, second = officers
    voter = voters_of(body)[0]
    url = reverse("voting:paper-votes", args=[motion.pk])
    client.force_login(first)
    unknown = client.post(url, {"email": "nobody@example.org"})
    assert unknown.status_code == 400 and "Nobody with that email address is on the roll" in unknown.content.decode()
    assert client.post(url, {"email": voter.email}).status_code == 302
    assert re.search(r'id="paper-marked">1<', client.get(url).content.decode())
    assert client.post(reverse("voting:paper-vote-new", args=[motion.pk]), {"vote": "for"}).status_code == 302
    check = reverse("voting:paper-vote-check", args=[motion.pk, 1])
    assert "You typed in this paper" in client.get(check).content.decode()

    client.force_login(second)
    page = client.get(check).content.decode()
    assert "Check paper P-1" in page and 'checked' not in page  # blind: nothing is chosen for them
    mismatch = client.post(check, {"vote": "against"})
    assert mismatch.status_code == 400 and "does not match" in mismatch.content.decode()
    assert client.post(check, {"vote": "for"}).status_code == 302
    assert re.search(r'id="paper-counted">1<', client.get(url).content.decode())
