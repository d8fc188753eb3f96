"""One person, one vote; secret papers that cannot be paired with anyone."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.utils import timezone

from governance.models import Membership
from portal.audit.models import AuditEvent
from portal.jobs.models import OutboxMessage
from tests.governance.factories import make_body
from voting import sealing
from voting.models import Ballot, BallotOption, BallotPaper, BallotReceipt, NamedVote, RollEntry, SealedPaper
from voting.services import AlreadyVoted, VotingRefused, ballot_open, receipt_hash, vote_cast

pytestmark = pytest.mark.django_db


def make_ballot(body, *, kind=Ballot.Kind.IRV, secret=True, options=("Ana", "Bo", "Cy"), **fields):
    now = timezone.now()
    ballot = Ballot.objects.create(
        title="Trustee election", kind=kind, body=body, secret=secret,
        opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1), **fields,
    )
    for n, label in enumerate(options if kind != Ballot.Kind.MOTION else ()):
        BallotOption.objects.create(ballot=ballot, label=label, order=n)
    return ballot


def voters_of(body):
    return [m.person for m in body.memberships.filter(role__in=list(Membership.VOTING_ROLES))]


def sealed_votes(ballot) -> list[tuple[list, str]]:
    """What an open secret ballot's sealed papers hold, opened with the server's key: (choices, receipt hash)."""
    ballot.refresh_from_db()
    open_one = sealing.opener(ballot)
    return [open_one(box) for box in SealedPaper.objects.filter(ballot=ballot).values_list("box", flat=True)]


def nothing_cast() -> bool:
    return not (SealedPaper.objects.exists() or BallotPaper.objects.exists() or BallotReceipt.objects.exists())


@pytest.fixture
def body(home_page):
    return make_body(code="TB", members=5, lived=2)


def test_opening_freezes_the_roll_and_cannot_be_done_twice(body, user_factory):
    ballot = make_ballot(body)
    ballot_open(ballot=ballot, user=None)
    assert RollEntry.objects.filter(ballot=ballot).count() == len(voters_of(body)) == 5
    with pytest.raises(VotingRefused):
        ballot_open(ballot=ballot, user=None)
    assert AuditEvent.objects.get(action="voting.ballot_opened").data == {"roll": 5}


def test_a_vote_gives_a_receipt_and_a_second_vote_is_refused(body):
    ballot = make_ballot(body)
    ballot_open(ballot=ballot, user=None)
    voter = voters_of(body)[0]
    a, b, c = ballot.options.all()
    code = vote_cast(ballot=ballot, user=voter, choices=[b.pk, a.pk])
    assert sealed_votes(ballot) == [([b.pk, a.pk], receipt_hash(code))]
    assert not BallotPaper.objects.exists() and not BallotReceipt.objects.exists()  # sealed until close
    assert RollEntry.objects.get(ballot=ballot, voter=voter).has_voted
    with pytest.raises(AlreadyVoted):
        vote_cast(ballot=ballot, user=voter, choices=[c.pk])
    assert len(sealed_votes(ballot)) == 1


def test_people_not_on_the_roll_cannot_vote(body, user_factory):
    ballot = make_ballot(body)
    ballot_open(ballot=ballot, user=None)
    with pytest.raises(PermissionDenied):
        vote_cast(ballot=ballot, user=user_factory(), choices=[ballot.options.first().pk])


@pytest.mark.parametrize(
    "kind, choices, message",
    [
        (Ballot.Kind.IRV, [], "Choose at least one option."),
        (Ballot.Kind.IRV, [999999], "Choose from the options listed."),
        (Ballot.Kind.IRV, "dup", "Each option can only be chosen once."),
        (Ballot.Kind.SINGLE, "two", "Choose one option."),
        (Ballot.Kind.MOTION, "maybe", "Choose for, against or abstain."),
    ],
)
def test_bad_votes_are_refused_with_a_plain_message_and_nothing_is_recorded(body, kind, choices, message):
    ballot = make_ballot(body, kind=kind)
    ballot_open(ballot=ballot, user=None)
    ids = list(ballot.options.values_list("pk", flat=True))
    if choices == "dup":
        choices = [ids[0], ids[0]]
    elif choices == "two":
        choices = ids[:2]
    with pytest.raises(ValidationError) as refused:
        vote_cast(ballot=ballot, user=voters_of(body)[0], choices=choices)
    assert message in str(refused.value)
    assert nothing_cast()
    assert not RollEntry.objects.filter(has_voted=True).exists()


def test_a_named_motion_records_who_voted_how(body):
    ballot = make_ballot(body, kind=Ballot.Kind.MOTION, secret=False)
    ballot_open(ballot=ballot, user=None)
    voter = voters_of(body)[0]
    vote_cast(ballot=ballot, user=voter, choices="for")
    assert NamedVote.objects.get().voter == voter and NamedVote.objects.get().paper.choices == ["for"]


def test_a_secret_paper_has_no_voter_no_time_and_no_history():
    fields = BallotPaper._meta.get_fields()
    user_model = apps.get_model("accounts", "User")
    assert not [f for f in fields if f.is_relation and f.related_model is user_model]
    assert not [f for f in fields if isinstance(f, models.DateField | models.DateTimeField)]
    assert not [m for m in apps.get_models() if m.__name__ in ("HistoricalBallotPaper", "HistoricalRollEntry")]
    assert not [f for f in RollEntry._meta.get_fields() if isinstance(f, models.DateField | models.DateTimeField)]
    assert isinstance(BallotPaper._meta.pk, models.UUIDField)


def test_casting_a_secret_vote_writes_nothing_that_names_the_voter(body, caplog):
    ballot = make_ballot(body)
    ballot_open(ballot=ballot, user=None)
    events, messages = AuditEvent.objects.count(), OutboxMessage.objects.count()
    caplog.set_level(logging.DEBUG)
    for voter in voters_of(body):
        vote_cast(ballot=ballot, user=voter, choices=[ballot.options.first().pk])
    assert AuditEvent.objects.count() == events  # no per-vote ledger event at all
    assert OutboxMessage.objects.count() == messages  # no task carries anything about a vote
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for voter in voters_of(body):
        assert voter.email not in logged and f"'voter': {voter.pk}" not in logged


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_200_requests_from_100_voters_at_once_make_exactly_100_papers(home_page):
    body = make_body(code="EL", members=100, lived=10)
    ballot = make_ballot(body)
    ballot_open(ballot=ballot, user=None)
    voters = voters_of(body)
    first = ballot.options.first().pk
    outcomes, lock = [], threading.Lock()

    def attempt(voter):
        try:
            vote_cast(ballot=ballot, user=voter, choices=[first])
            result = "voted"
        except AlreadyVoted:
            result = "already"
        except Exception as error:  # noqa: BLE001 - every other outcome is a failure, collected
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    # Each voter's two requests are sent side by side, 40 at a time (PostgreSQL's connection limit).
    with ThreadPoolExecutor(max_workers=40) as pool:
        list(pool.map(attempt, [v for voter in voters for v in (voter, voter)]))

    assert outcomes.count("voted") == 100
    assert outcomes.count("already") == 100
    assert len(outcomes) == 200
    assert SealedPaper.objects.filter(ballot=ballot).count() == 100
    assert RollEntry.objects.filter(ballot=ballot, has_voted=True).count() == 100
    from voting.services import ballot_close

    ballot_close(ballot=ballot)
    assert BallotPaper.objects.filter(ballot=ballot).count() == 100
    assert BallotReceipt.objects.filter(ballot=ballot).count() == 100


def cast_all(ballot, body, rankings):
    options = list(ballot.options.order_by("order").values_list("pk", flat=True))
    for voter, ranking in zip(voters_of(body), rankings, strict=False):
        vote_cast(ballot=ballot, user=voter, choices=[options[i] for i in ranking])
    return options


def test_closing_counts_keeps_the_tally_and_puts_its_hash_in_the_ledger(body):
    from voting.services import ballot_close

    ballot = make_ballot(body)
    ballot_open(ballot=ballot, user=None)
    options = cast_all(ballot, body, [[0, 1], [0, 2], [1, 0], [2, 1], [0]])
    closed = ballot_close(ballot=ballot)
    assert closed.status == Ballot.Status.CLOSED
    assert closed.tally["winner"] in (options[0], str(options[0]))
    assert closed.tally["turnout"] == {"roll": 5, "papers": 5, "quorum_percent": None, "quorum_met": True}
    event = AuditEvent.objects.get(action="voting.ballot_closed")
    assert event.data == {"papers": 5, "tally_hash": closed.tally_hash}


def test_recount_reproduces_the_stored_tally_and_catches_a_changed_paper(body, capsys):
    from django.core.management import CommandError, call_command

    from voting.services import ballot_close

    ballot = make_ballot(body, kind=Ballot.Kind.STV, seats=2, options=("Ana", "Bo", "Cy", "Di"))
    ballot_open(ballot=ballot, user=None)
    cast_all(ballot, body, [[0, 1], [0, 2], [1, 3], [2, 1], [3, 0]])
    ballot_close(ballot=ballot)
    call_command("recount", str(ballot.pk))
    assert "Recount matches the stored tally" in capsys.readouterr().out
    ana, *_, di = ballot.options.order_by("order").values_list("pk", flat=True)
    changed = next(p for p in BallotPaper.objects.filter(ballot=ballot) if p.choices[0] == ana)
    BallotPaper.objects.filter(pk=changed.pk).update(choices=[di])  # a first preference moves: counts differ
    with pytest.raises(CommandError, match="MISMATCH"):
        call_command("recount", str(ballot.pk))


def test_due_ballots_close_once_even_when_the_job_runs_twice(body):
    from voting.services import ballots_close_due

    ballot = make_ballot(body)
    ballot_open(ballot=ballot, user=None)
    later = timezone.now() + timedelta(days=2)
    assert ballots_close_due(later) == [ballot.pk]
    assert ballots_close_due(later) == []
    assert AuditEvent.objects.filter(action="voting.ballot_closed").count() == 1
