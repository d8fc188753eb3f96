"""Paper votes: while voting is open the voter is marked on the roll (and cannot then vote online, nor the
other way round); after it closes the papers are typed in from the mixed box by one returning officer and
checked, blind, by a second before they count; the count, the receipts and `recount` treat them like any
other paper, and nothing pairs a paper with its voter: not the ledger, not the numbers, not the order."""

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
    AlreadyVoted, PaperVoteRefused, VotingRefused, ballot_close, ballot_open, ballots_close_due, paper_counting_ends,
    paper_counts, paper_vote_check, paper_vote_enter, paper_vote_set_aside, paper_voter_mark, vote_cast,
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


def voting_closes(ballot, ago=datetime.timedelta(minutes=1)):
    """Move the ballot's closing time into the past (it stays open, waiting for its papers)."""
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - ago)
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
    with pytest.raises(PaperVoteRefused, match="Papers are typed in after voting closes"):
        paper_vote_enter(ballot=motion, user=first, choices="for")

    voting_closes(motion)
    paper = paper_vote_enter(ballot=motion, user=first, choices="for")
    assert re.fullmatch(r"P-\d{5}", paper.label) and paper.status == PaperVote.Status.WAITING
    with pytest.raises(PaperVoteRefused, match="There is no paper left to type in"):
        paper_vote_enter(ballot=motion, user=first, choices="for")  # one voter marked, one paper
    with pytest.raises(PaperVoteRefused, match="Someone else must check it"):
        paper_vote_check(paper=paper, user=first, choices="for")
    with pytest.raises(VotingRefused, match="1 paper vote still needs a second person"):
        ballot_close(ballot=motion, user=first)

    assert paper_vote_check(paper=paper, user=second, choices="for") is True
    paper.refresh_from_db()
    assert (paper.status, paper.checked_by, bytes(paper.box), paper.digest) == ("counted", second, b"", "")
    assert paper_counts(motion) == {"waiting": 0, "counted": 1, "rejected": 0, "spoilt": 0, "marked": 1, "to_type": 0}
    with pytest.raises(PaperVoteRefused, match="already been checked, and will be counted"):
        paper_vote_check(paper=paper, user=second, choices="for")

    closed = ballot_close(ballot=motion, user=first)
    assert closed.tally["turnout"]["papers"] == 2
    assert (closed.tally["counts"]["for"], closed.tally["counts"]["against"]) == (1, 1)
    assert BallotReceipt.objects.filter(ballot=motion).count() == 2
    call_command("recount", str(motion.pk))
    event = AuditEvent.objects.get(action="voting.ballot_closed")
    assert event.data == {"papers": 2, "tally_hash": closed.tally_hash, "on_paper": 1, "spoilt": 0, "not_counted": 0}


def test_a_check_that_does_not_match_sets_the_paper_aside_at_once_so_nobody_can_guess_it(motion, body, officers):
    """A checker who tries choices until one matches would learn what the first person typed (and could
    confirm a false vote): the first wrong check ends that typing, and the paper is typed in again."""
    first, second = officers
    paper_voter_mark(ballot=motion, email=voters_of(body)[0].email, user=first)
    voting_closes(motion)
    typed = paper_vote_enter(ballot=motion, user=first, choices="against")
    assert paper_vote_check(paper=typed, user=second, choices="for") is False
    typed.refresh_from_db()
    assert (typed.status, typed.mismatches, typed.checked_by, typed.digest) == ("rejected", 1, second, "")
    with pytest.raises(PaperVoteRefused, match="already been set aside"):
        paper_vote_check(paper=typed, user=second, choices="against")  # the right guess comes too late
    assert not SealedPaper.objects.filter(ballot=motion).exists()
    assert paper_counts(motion)["to_type"] == 1

    again = paper_vote_enter(ballot=motion, user=second, choices="for")
    assert again.number != typed.number
    assert paper_vote_check(paper=again, user=first, choices="for")
    closed = ballot_close(ballot=motion, user=first)
    assert closed.tally["counts"]["for"] == 1 and closed.tally["counts"]["against"] == 0


def test_a_mistyped_paper_is_set_aside_by_hand_and_typed_in_again(motion, body, officers):
    first, second = officers
    paper_voter_mark(ballot=motion, email=voters_of(body)[0].email, user=first)
    voting_closes(motion)
    wrong = paper_vote_enter(ballot=motion, user=first, choices="against")
    paper_vote_set_aside(paper=wrong, user=second)
    again = paper_vote_enter(ballot=motion, user=second, choices="for")
    assert paper_vote_check(paper=again, user=first, choices="for")
    closed = ballot_close(ballot=motion, user=first)
    assert closed.tally["counts"]["for"] == 1 and closed.tally["counts"]["against"] == 0


def test_a_blank_or_spoilt_paper_is_checked_too_and_counts_for_nothing(motion, body, officers):
    first, second = officers
    people = voters_of(body)
    for person in people[:2]:
        paper_voter_mark(ballot=motion, email=person.email, user=first)
    vote_cast(ballot=motion, user=people[2], choices="for")
    voting_closes(motion)
    spoilt = paper_vote_enter(ballot=motion, user=first, spoilt=True)
    assert bytes(spoilt.box) == b""  # nothing to seal
    assert paper_vote_check(paper=spoilt, user=second, choices="against") is False  # the checker saw a vote
    spoilt = paper_vote_enter(ballot=motion, user=first, spoilt=True)
    assert paper_vote_check(paper=spoilt, user=second, spoilt=True) is True
    counted = paper_vote_enter(ballot=motion, user=second, choices="against")
    assert paper_vote_check(paper=counted, user=first, choices="against")
    assert paper_counts(motion) == {"waiting": 0, "counted": 1, "rejected": 1, "spoilt": 1, "marked": 2, "to_type": 0}
    assert ballots_close_due() == [motion.pk]  # nothing left to wait for
    closed = Ballot.objects.get(pk=motion.pk)
    assert closed.tally["turnout"]["papers"] == 2  # the online vote and one paper; the spoilt paper is not one
    assert (closed.tally["counts"]["for"], closed.tally["counts"]["against"]) == (1, 1)
    assert AuditEvent.objects.get(action="voting.ballot_closed").data["spoilt"] == 1
    call_command("recount", str(motion.pk))


def test_ranked_paper_votes_go_into_the_same_count_and_recount(body, officers, capsys):
    first, second = officers
    ballot = make_ballot(body, kind=Ballot.Kind.STV, seats=2, options=("Ana", "Bo", "Cy", "Di"))
    ballot_open(ballot=ballot, user=None)
    ballot.refresh_from_db()
    ana, bo, cy, di = ballot.options.order_by("order").values_list("pk", flat=True)
    people = voters_of(body)
    for person, choices in zip(people[:3], ([ana, bo], [bo], [cy, di]), strict=True):
        vote_cast(ballot=ballot, user=person, choices=choices)
    for person in people[3:]:
        paper_voter_mark(ballot=ballot, email=person.email, user=first)
    voting_closes(ballot)
    for choices in ([ana, cy], [di, ana]):
        paper = paper_vote_enter(ballot=ballot, user=first, choices=choices)
        assert paper_vote_check(paper=paper, user=second, choices=choices)
    closed = ballot_close(ballot=ballot)
    assert sorted(BallotPaper.objects.filter(ballot=ballot).values_list("choices", flat=True)) == sorted(
        [[ana, bo], [bo], [cy, di], [ana, cy], [di, ana]])
    call_command("recount", str(ballot.pk))
    assert "Recount matches the stored tally" in capsys.readouterr().out
    assert closed.tally["turnout"]["papers"] == 5


def test_the_close_waits_for_papers_given_out_until_their_time_runs_out(motion, body, officers):
    first, second = officers
    people = voters_of(body)
    for person in people[:3]:
        paper_voter_mark(ballot=motion, email=person.email, user=first)
    with pytest.raises(VotingRefused, match="3 paper votes have not been typed in yet"):
        ballot_close(ballot=motion, user=first)  # by hand, before voting closes: the papers would be lost
    voting_closes(motion)
    assert ballots_close_due() == []
    with pytest.raises(PaperVoteRefused, match="Voting has closed"):
        paper_voter_mark(ballot=motion, email=people[3].email, user=first)
    counted = paper_vote_enter(ballot=motion, user=first, choices="abstain")
    paper_vote_check(paper=counted, user=second, choices="abstain")
    unchecked = paper_vote_enter(ballot=motion, user=first, choices="for")  # typed in, never checked
    assert ballots_close_due() == []  # one paper never handed in, one never checked

    ends = paper_counting_ends(motion)
    assert ends == motion.closes_at + datetime.timedelta(hours=72)
    assert ballots_close_due(now=ends - datetime.timedelta(seconds=1)) == []
    assert ballots_close_due(now=ends) == [motion.pk]
    closed = Ballot.objects.get(pk=motion.pk)
    assert (closed.tally["counts"]["abstain"], closed.tally["counts"]["for"]) == (1, 0)  # the unchecked paper is out
    unchecked.refresh_from_db()
    assert (unchecked.status, bytes(unchecked.box)) == ("rejected", b"")
    event = AuditEvent.objects.get(action="voting.ballot_closed")
    assert (event.data["on_paper"], event.data["not_counted"]) == (3, 2)


def test_nothing_pairs_a_paper_with_its_voter(motion, body, officers):
    """As someone holding the database and the ledger would look: the roll says who voted on paper (as it
    says who voted online); marking leaves no ledger event and no time; papers are typed in only after
    voting closes, so their order and their random numbers follow the mixed box, not the marking."""
    first, second = officers
    people = voters_of(body)[:3]
    events_before = AuditEvent.objects.count()
    for person in people:
        paper_voter_mark(ballot=motion, email=person.email, user=first)
    assert AuditEvent.objects.count() == events_before  # no timed event per voter
    with pytest.raises(PaperVoteRefused):
        paper_vote_enter(ballot=motion, user=first, choices="against")  # not while voters are being marked
    voting_closes(motion)
    votes = ("against", "for", "abstain")
    papers = [paper_vote_enter(ballot=motion, user=first, choices=vote) for vote in votes]
    for paper, vote in zip(papers, votes, strict=True):
        assert paper_vote_check(paper=paper, user=second, choices=vote)
    numbers = [p.number for p in papers]
    assert len(set(numbers)) == 3 and all(10000 <= n <= 99999 for n in numbers)
    row = PaperVote.objects.filter(pk=papers[0].pk).values().get()
    assert set(row) == {"id", "ballot_id", "number", "status", "box", "digest", "nonce", "mismatches",
                        "entered_by_id", "checked_by_id"}
    assert not {p.pk for p in people} & {row["entered_by_id"], row["checked_by_id"]}
    events = AuditEvent.objects.filter(action__startswith="voting.paper")
    assert [e.action for e in events.order_by("pk")] == ["voting.paper_vote_entered"] * 3 + ["voting.paper_vote_checked"] * 3
    assert {e.data["paper"] for e in events} == {p.label for p in papers}
    assert {(e.target_type, e.target_id) for e in events} == {("voting.ballot", str(motion.pk))}
    entry = RollEntry.objects.filter(ballot=motion, voter=people[0]).values().get()
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
    new = reverse("voting:paper-vote-new", args=[motion.pk])
    client.force_login(first)
    unknown = client.post(url, {"email": "nobody@example.org"})
    assert unknown.status_code == 400 and "Nobody with that email address is on the roll" in unknown.content.decode()
    assert client.post(url, {"email": voter.email}).status_code == 302
    assert re.search(r'id="paper-marked">1<', client.get(url).content.decode())
    early = client.get(new).content.decode()
    assert "Papers are typed in after voting closes" in early and "Save this paper" not in early
    refused = client.post(new, {"vote": "for"})
    assert refused.status_code == 400 and "Keep every paper in the ballot box" in refused.content.decode()
    assert not PaperVote.objects.exists()

    voting_closes(motion)
    overview = client.get(url).content.decode()
    assert "Mix the papers in the ballot box" in overview and "Mark as voting on paper" not in overview
    assert client.post(new, {"vote": "for"}).status_code == 302
    paper = PaperVote.objects.get()
    check = reverse("voting:paper-vote-check", args=[motion.pk, paper.number])
    assert "You typed in this paper" in client.get(check).content.decode()

    client.force_login(second)
    page = client.get(check).content.decode()
    assert f"Check paper {paper.label}" in page and 'checked' not in page  # blind: nothing is chosen for them
    mismatch = client.post(check, {"vote": "against"}, follow=True)
    assert "did not match how it was first typed in, so it has been set aside" in mismatch.content.decode()
    assert re.search(r'id="paper-to-type">1<', mismatch.content.decode())

    assert client.post(new, {"spoilt": "1"}).status_code == 302  # the second officer types it in again
    again = PaperVote.objects.get(status="waiting")
    client.force_login(first)
    checked = client.post(reverse("voting:paper-vote-check", args=[motion.pk, again.number]), {"spoilt": "1"}, follow=True)
    assert "It will not be counted: it is blank or spoilt" in checked.content.decode()
    assert re.search(r'id="paper-spoilt">1<', checked.content.decode())
