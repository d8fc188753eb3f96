"""Writes for ballots: open (freeze the roll), cast a vote, close (count and record the tally).

Secrecy rules here: casting a secret vote writes nothing that pairs the voter with a choice — not in
the paper, the roll, the ledger, a log line or a task. The ledger records only ballot-level events.
"""

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.models import Membership
from governance.selectors import current_memberships
from portal.accounts import roles
from portal.audit.services import audit_record

from . import tally
from .models import Ballot, BallotPaper, ListedVoter, NamedVote, RollEntry

MOTION_CHOICES = ("for", "against", "abstain")
RECEIPT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


class VotingRefused(Exception):
    """A vote that cannot be taken, with the plain sentence to show the voter."""


class AlreadyVoted(VotingRefused):
    def __init__(self):
        super().__init__("You have already voted in this ballot. Each person votes once.")


def receipt_hash(code: str) -> str:
    """What is stored and published for a receipt code (the code itself is only ever shown to the voter)."""
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def _new_receipt() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _electorate(ballot: Ballot) -> list[int]:
    if ballot.electorate == Ballot.Electorate.BODY:
        voting = current_memberships(ballot.body).filter(role__in=[r.value for r in Membership.VOTING_ROLES])
        return list(voting.values_list("person_id", flat=True).distinct())
    if ballot.electorate == Ballot.Electorate.SERVICE_USERS:
        users = get_user_model().objects.filter(is_active=True, groups__name=roles.SERVICE_USERS)
        return list(users.values_list("pk", flat=True).distinct())
    return list(ListedVoter.objects.filter(ballot=ballot).values_list("voter_id", flat=True))


@transaction.atomic
def ballot_open(*, ballot: Ballot, user) -> Ballot:
    """Open the ballot and freeze its electoral roll. Options and electorate cannot change after this."""
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != Ballot.Status.DRAFT:
        raise VotingRefused("This ballot is already open or closed, so it cannot be opened again.")
    if ballot.kind != Ballot.Kind.MOTION and ballot.options.count() < 2:
        raise VotingRefused("Add at least two options before opening the ballot.")
    voters = _electorate(ballot)
    if not voters:
        raise VotingRefused("Nobody is on the electorate yet, so the ballot cannot open.")
    RollEntry.objects.bulk_create([RollEntry(ballot=ballot, voter_id=pk) for pk in voters])
    ballot.status = Ballot.Status.OPEN
    ballot.save(update_fields=["status"])
    audit_record(actor=user, action="voting.ballot_opened", target=ballot, data={"roll": len(voters)})
    return ballot


def clean_choices(ballot: Ballot, choices) -> list:
    """The stored form of a vote, or ValidationError with a plain message."""
    if ballot.kind == Ballot.Kind.MOTION:
        if not isinstance(choices, str) or choices not in MOTION_CHOICES:
            raise ValidationError("Choose for, against or abstain.")
        return [choices]
    option_ids = set(ballot.options.values_list("pk", flat=True))
    picked = [int(c) for c in (choices if isinstance(choices, list | tuple) else [choices]) if str(c).strip()]
    if not picked:
        raise ValidationError("Choose at least one option.")
    if any(c not in option_ids for c in picked):
        raise ValidationError("Choose from the options listed.")
    if len(set(picked)) != len(picked):
        raise ValidationError("Each option can only be chosen once.")
    if ballot.kind == Ballot.Kind.SINGLE and len(picked) != 1:
        raise ValidationError("Choose one option.")
    return picked


def vote_cast(*, ballot: Ballot, user, choices) -> str:
    """Record one vote and return the voter's receipt code (shown once, stored only as a hash).

    Invariant: one person, one paper. `has_voted` flips with a conditional UPDATE in the same
    transaction as the paper is written, so of two requests at once exactly one writes a paper and the
    other is told the person has already voted.
    """
    now = timezone.now()
    status = Ballot.objects.values_list("status", flat=True).get(pk=ballot.pk)  # never trust a stale copy
    if status != Ballot.Status.OPEN or not (ballot.opens_at <= now < ballot.closes_at):
        raise VotingRefused("This ballot is not open for voting.")
    stored = clean_choices(ballot, choices)
    with transaction.atomic():
        flipped = RollEntry.objects.filter(ballot=ballot, voter=user, has_voted=False).update(has_voted=True)
        if not flipped:
            if RollEntry.objects.filter(ballot=ballot, voter=user).exists():
                raise AlreadyVoted()
            raise PermissionDenied("You are not on the electoral roll for this ballot.")
        code = _new_receipt()
        paper = BallotPaper.objects.create(ballot=ballot, choices=stored, receipt_hash=receipt_hash(code))
        if not ballot.secret:
            NamedVote.objects.create(ballot=ballot, voter=user, paper=paper)
    return code


def count_papers(ballot: Ballot) -> dict:
    """Count the ballot's papers under its kind's rule; a pure function of the papers and the roll size.

    `manage.py recount` calls this too, so anyone holding the paper export gets the same tally and hash.
    """
    options = list(ballot.options.values_list("pk", flat=True))
    stored = BallotPaper.objects.filter(ballot=ballot).values_list("choices", flat=True).order_by("id")
    papers = stored.iterator(chunk_size=5000)
    seed = f"ballot-{ballot.pk}"  # published with the ballot: it fixes any drawing of lots
    if ballot.kind == Ballot.Kind.MOTION:
        result = tally.motion((p[0] for p in papers), ballot.threshold)
    elif ballot.kind == Ballot.Kind.SINGLE:
        result = tally.plurality((p[0] for p in papers), options)
    elif ballot.kind == Ballot.Kind.APPROVAL:
        result = tally.approval((frozenset(p) for p in papers), options)
    elif ballot.kind == Ballot.Kind.IRV:
        result = tally.irv(papers, options, seed=seed)
    else:
        result = tally.stv(papers, options, ballot.seats, seed=seed)
    roll = RollEntry.objects.filter(ballot=ballot).count()
    cast = BallotPaper.objects.filter(ballot=ballot).count()
    quorum = ballot.turnout_quorum
    result["turnout"] = {
        "roll": roll,
        "papers": cast,
        "quorum_percent": quorum,
        "quorum_met": quorum is None or (roll > 0 and cast * 100 >= quorum * roll),
    }
    return result


@transaction.atomic
def ballot_close(*, ballot: Ballot, user=None) -> Ballot:
    """Close an open ballot, count it, keep the tally and its hash, and put the hash in the ledger."""
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != Ballot.Status.OPEN:
        raise VotingRefused("Only an open ballot can be closed.")
    result = count_papers(ballot)
    ballot.status = Ballot.Status.CLOSED
    ballot.closed_at = timezone.now()
    ballot.tally = result
    ballot.tally_hash = tally.tally_hash(result)
    ballot.save(update_fields=["status", "closed_at", "tally", "tally_hash"])
    audit_record(
        actor=user,
        action="voting.ballot_closed",
        target=ballot,
        data={"papers": result["turnout"]["papers"], "tally_hash": ballot.tally_hash},
    )
    return ballot


def ballots_close_due(now=None) -> list[int]:
    """Close every open ballot whose closing time has passed; returns their ids."""
    now = now or timezone.now()
    closed = []
    for pk in Ballot.objects.filter(status=Ballot.Status.OPEN, closes_at__lte=now).values_list("pk", flat=True):
        try:
            ballot_close(ballot=Ballot(pk=pk))
        except VotingRefused:
            continue  # closed by someone else a moment ago
        closed.append(pk)
    return closed
