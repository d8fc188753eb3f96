"""Writes for ballots: open (freeze the roll), cast a vote, close (count and record the tally).

Secrecy rules here: casting a secret vote writes nothing that pairs the voter with a choice — not in
the paper, the roll, the ledger, a log line or a task. The ledger records only ballot-level events.
A secret vote is sealed until the ballot closes, and the countable papers are written then, shuffled,
apart from the receipts (voting/sealing.py says why).
"""

import csv
import datetime
import hashlib
import hmac
import io
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone

from governance.models import Membership
from governance.selectors import current_memberships
from portal.accounts import roles
from portal.audit.services import audit_record, changes_by_user
from portal.dates import gov_datetime

from . import sealing, tally
from .jobs import ballot_opened_enqueue
from .models import (
    Ballot, BallotFrozen, BallotPaper, BallotReceipt, ListedVoter, NamedVote, PaperVote, RollEntry, SealedPaper,
)

logger = logging.getLogger(__name__)

MOTION_CHOICES = ("for", "against", "abstain")


class VotingRefused(Exception):
    """A vote that cannot be taken, with the plain sentence to show the voter."""


class AlreadyVoted(VotingRefused):
    def __init__(self):
        super().__init__("You have already voted in this ballot. Each person votes once.")


def receipt_hash(code: str) -> str:
    """What is stored and published for a receipt code (the code itself is only ever shown to the voter)."""
    return hashlib.sha256(code.strip().upper().replace("-", "").encode()).hexdigest()


def receipt_for(ballot: Ballot, user) -> str:
    """The receipt code this person's vote in this ballot has (or will have): the same on every visit."""
    return sealing.receipt_code(ballot, user.pk)


def _electorate(ballot: Ballot) -> list[int]:
    if ballot.electorate == Ballot.Electorate.BODY:
        voting = current_memberships(ballot.body).filter(role__in=[r.value for r in Membership.VOTING_ROLES])
        return list(voting.values_list("person_id", flat=True).distinct())
    if ballot.electorate == Ballot.Electorate.SERVICE_USERS:
        users = get_user_model().objects.filter(is_active=True, groups__name=roles.SERVICE_USERS)
        return list(users.values_list("pk", flat=True).distinct())
    return list(ListedVoter.objects.filter(ballot=ballot).values_list("voter_id", flat=True))


@changes_by_user
@transaction.atomic
def ballot_open(*, ballot: Ballot, user, tell_voters: bool = True) -> Ballot:
    """Open the ballot and freeze its electoral roll. Options and electorate cannot change after this.

    With `tell_voters`, everyone on the roll is emailed that they can vote (voting/jobs.py); the demo
    data and the load run's world open ballots without it.
    """
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != Ballot.Status.DRAFT:
        raise VotingRefused("This ballot is already open or closed, so it cannot be opened again.")
    problems = ballot_open_problems(ballot)
    if problems:
        raise VotingRefused(" ".join(problems))
    voters = _electorate(ballot)
    if not voters:
        raise VotingRefused("Nobody is on the electorate yet, so the ballot cannot open.")
    RollEntry.objects.bulk_create([RollEntry(ballot=ballot, voter_id=pk) for pk in voters])
    ballot.status = Ballot.Status.OPEN
    ballot.seal_salt = sealing.new_salt()
    ballot.seal_public_key = sealing.public_key_for(ballot)
    ballot.save(update_fields=["status", "seal_salt", "seal_public_key"])
    audit_record(actor=user, action="voting.ballot_opened", target=ballot, data={"roll": len(voters)})
    if tell_voters:
        ballot_opened_enqueue(ballot)
    return ballot


def ballot_open_problems(ballot: Ballot, now=None) -> list[str]:
    """Plain sentences saying what stops this ballot opening; empty when it can open."""
    now = now or timezone.now()
    problems = []
    options = ballot.options.count()
    if ballot.kind != Ballot.Kind.MOTION and options < 2:
        problems.append("Add at least two options before opening the ballot.")
    if ballot.kind == Ballot.Kind.STV and options and ballot.seats >= options:
        problems.append(f"There are {ballot.seats} seats but only {options} candidates: add candidates or reduce the seats.")
    if ballot.closes_at <= ballot.opens_at:
        problems.append("The closing time must be after the opening time.")
    if ballot.closes_at <= now:
        problems.append("The closing time has already passed: set a closing time in the future.")
    if ballot.electorate == Ballot.Electorate.BODY and ballot.body_id is None:
        problems.append("Choose the body whose members can vote.")
    return problems


def electorate_preview(ballot: Ballot) -> int:
    """How many people would be on the roll if the ballot opened now."""
    if ballot.electorate == Ballot.Electorate.BODY and ballot.body_id is None:
        return 0
    return len(_electorate(ballot))


FROZEN_ELECTORATE = str(BallotFrozen("electorate").messages[0])


class ElectorateFileError(Exception):
    """An electorate list that was not imported, with a plain message per problem row."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


MAX_LIST_BYTES = 2 * 1024 * 1024


def _csv_text(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ElectorateFileError(["The file could not be read as text. Save it as 'CSV UTF-8' and try again."])


@transaction.atomic
def electorate_import(*, ballot: Ballot, user, raw: bytes) -> int:
    """Replace a draft ballot's uploaded electorate with the people in a CSV file (a column headed 'email').

    Every row is checked first; if any row is wrong, nothing is imported and each problem is named by
    its row number. Returns how many people are now listed.
    """
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if not ballot.is_draft:
        raise ElectorateFileError([FROZEN_ELECTORATE])
    if len(raw) > MAX_LIST_BYTES:
        raise ElectorateFileError(["The file is larger than 2 MB. Split it or remove other columns."])
    rows = list(csv.reader(io.StringIO(_csv_text(raw))))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ElectorateFileError(["The file is empty. The first row should be a heading 'email'."])
    headings = [cell.strip().lower() for cell in rows[0]]
    if "email" not in headings:
        raise ElectorateFileError(["The first row must have a column headed 'email'."])
    column = headings.index("email")
    errors: list[str] = []
    wanted: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        email = (row[column] if column < len(row) else "").strip()
        if not email:
            errors.append(f"Row {number}: the email is missing.")
            continue
        try:
            validate_email(email)
        except ValidationError:
            errors.append(f"Row {number}: '{email}' is not an email address.")
            continue
        key = email.lower()
        if key in wanted:
            errors.append(f"Row {number}: {email} is already listed in row {wanted[key]}.")
            continue
        wanted[key] = number
    accounts = {}
    if wanted:
        emails = list(wanted)  # accounts store emails lower-cased
        for start in range(0, len(emails), 500):
            for account in get_user_model().objects.filter(email__in=emails[start:start + 500]):
                accounts[account.email.lower()] = account
    for key, number in wanted.items():
        account = accounts.get(key)
        if account is None:
            errors.append(f"Row {number}: nobody has an account with the email {key}.")
        elif not account.is_active:
            errors.append(f"Row {number}: the account for {key} is switched off.")
    if not wanted and not errors:
        errors.append("The file has a heading but no email addresses under it.")
    if errors:
        errors.sort(key=lambda line: int(line.split(":")[0].removeprefix("Row ")) if line.startswith("Row ") else 0)
        raise ElectorateFileError(errors)
    ListedVoter.objects.filter(ballot=ballot).delete()
    ListedVoter.objects.bulk_create([ListedVoter(ballot=ballot, voter=accounts[key]) for key in wanted])
    audit_record(actor=user, action="voting.electorate_listed", target=ballot, data={"people": len(wanted)})
    return len(wanted)


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
    """Record one vote and return the voter's receipt code (stored only as a hash).

    The code is `receipt_for(ballot, user)`, the one the check page showed: it is derived, not carried
    in the form, so it cannot be swapped and a lost connection after the vote is taken does not lose it.

    Invariant: one person, one paper. `has_voted` flips with a conditional UPDATE in the same
    transaction as the paper is written, so of two requests at once exactly one writes a paper and the
    other is told the person has already voted. A secret vote's paper is sealed (voting/sealing.py):
    sharing the roll's transaction, it still says nothing about the choice to anyone without the key.
    """
    now = timezone.now()
    status, ballot.seal_salt, ballot.seal_public_key = Ballot.objects.values_list(
        "status", "seal_salt", "seal_public_key").get(pk=ballot.pk)  # never trust a stale copy
    if status != Ballot.Status.OPEN or not (ballot.opens_at <= now < ballot.closes_at):
        raise VotingRefused("This ballot is not open for voting.")
    stored = clean_choices(ballot, choices)
    code = receipt_for(ballot, user)
    sealed = None
    if ballot.secret:
        options = ballot.options.count()
        sealed = sealing.seal(ballot, choices=stored, receipt_hash=receipt_hash(code), option_count=options)
    with transaction.atomic():
        flipped = RollEntry.objects.filter(ballot=ballot, voter=user, has_voted=False).update(has_voted=True)
        if not flipped:
            if RollEntry.objects.filter(ballot=ballot, voter=user).exists():
                raise AlreadyVoted()
            raise PermissionDenied("You are not on the electoral roll for this ballot.")
        if sealed is not None:
            SealedPaper.objects.create(ballot=ballot, box=sealed)
        else:
            paper = BallotPaper.objects.create(ballot=ballot, choices=stored)
            BallotReceipt.objects.create(ballot=ballot, receipt_hash=receipt_hash(code))
            NamedVote.objects.create(ballot=ballot, voter=user, paper=paper)
    return code


def _unseal(ballot: Ballot) -> int:
    """Open a secret ballot's sealed papers and write them as countable papers and separate receipts.

    Runs inside the close transaction. The papers go in in one random order and the receipts in
    another, with fresh random ids, so neither their ids, their storage order nor their transaction
    says anything about who voted when; the sealed papers are deleted (and vacuumed after commit).
    """
    open_one = sealing.opener(ballot)
    opened = [open_one(box) for box in SealedPaper.objects.filter(ballot=ballot).values_list("box", flat=True)]
    BallotPaper.objects.bulk_create(
        [BallotPaper(ballot=ballot, choices=choices) for choices, _ in sealing.shuffled(opened)], batch_size=2000
    )
    BallotReceipt.objects.bulk_create(
        [BallotReceipt(ballot=ballot, receipt_hash=rhash) for _, rhash in sealing.shuffled(opened)], batch_size=2000
    )
    SealedPaper.objects.filter(ballot=ballot).delete()
    transaction.on_commit(vacuum_sealed)
    return len(opened)


def vacuum_sealed() -> None:
    """On PostgreSQL, reclaim the deleted sealed papers' space at once rather than at autovacuum's pace.

    They are sealed, so this is tidiness rather than secrecy: a failure is logged, never raised.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {SealedPaper._meta.db_table}")
    except DatabaseError:
        logger.warning("VACUUM of the sealed papers table failed; autovacuum will reclaim it later.")


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
    if ballot.kind == Ballot.Kind.MOTION:
        # A motion is carried only if the votes meet the threshold and enough of the roll voted.
        result["carried"] = bool(result["passed"]) and result["turnout"]["quorum_met"]
    return result


def _papers_at_close(ballot: Ballot, now) -> dict[str, int]:
    """Refuse to close while paper votes are still to be typed in or checked, until the time for them
    runs out; after that, set aside the papers nobody checked. What goes into the closing ledger event."""
    counts = paper_counts(ballot)
    if not counts["marked"]:
        return {}
    overdue = now >= paper_counting_ends(ballot)
    if counts["waiting"] and not overdue:
        papers = "1 paper vote still needs" if counts["waiting"] == 1 else f"{counts['waiting']} paper votes still need"
        raise VotingRefused(
            f"{papers} a second person to check it. Check or set aside every paper vote before the ballot closes."
        )
    if counts["to_type"] and not overdue:
        papers = "1 paper vote has" if counts["to_type"] == 1 else f"{counts['to_type']} paper votes have"
        raise VotingRefused(
            f"{papers} not been typed in yet. Papers are typed in after voting closes. If a paper is never "
            f"handed in, the ballot can close without it from {gov_datetime(paper_counting_ends(ballot))}."
        )
    unchecked = PaperVote.objects.filter(ballot=ballot, status=PaperVote.Status.WAITING).update(
        status=PaperVote.Status.REJECTED, box=b"", digest="", nonce="")
    missing = counts["to_type"] + unchecked
    if missing:
        logger.warning("Ballot %s closed without %s paper vote(s) that were given out but not typed in and checked in time.",
                       ballot.pk, missing)
    return {"on_paper": counts["marked"], "spoilt": counts["spoilt"], "not_counted": missing}


@changes_by_user
@transaction.atomic
def ballot_close(*, ballot: Ballot, user=None, now=None) -> Ballot:
    """Close an open ballot, count it, keep the tally and its hash, and put the hash in the ledger."""
    ballot = Ballot.objects.select_for_update().get(pk=ballot.pk)
    if ballot.status != Ballot.Status.OPEN:
        raise VotingRefused("Only an open ballot can be closed.")
    now = now or timezone.now()
    on_paper = _papers_at_close(ballot, now)
    if ballot.secret:
        try:
            _unseal(ballot)
        except sealing.SealBroken as broken:
            raise VotingRefused(str(broken)) from broken
    result = count_papers(ballot)
    ballot.status = Ballot.Status.CLOSED
    ballot.closed_at = now
    ballot.tally = result
    ballot.tally_hash = tally.tally_hash(result)
    ballot.save(update_fields=["status", "closed_at", "tally", "tally_hash"])
    audit_record(
        actor=user,
        action="voting.ballot_closed",
        target=ballot,
        data={"papers": result["turnout"]["papers"], "tally_hash": ballot.tally_hash, **on_paper},
    )
    return ballot


def ballots_close_due(now=None) -> list[int]:
    """Close every open ballot whose closing time has passed; returns their ids. A ballot with paper votes
    still to type in or check waits for them, until the time for them runs out."""
    now = now or timezone.now()
    closed = []
    for ballot in Ballot.objects.filter(status=Ballot.Status.OPEN, closes_at__lte=now).only("pk", "closes_at"):
        if now < paper_counting_ends(ballot) and _paper_votes_pending(ballot.pk):
            logger.info("Ballot %s waits for its paper votes to be typed in and checked before it closes.", ballot.pk)
            continue
        try:
            ballot_close(ballot=Ballot(pk=ballot.pk), now=now)
        except VotingRefused as refused:
            if Ballot.objects.filter(pk=ballot.pk, status=Ballot.Status.OPEN).exists():
                logger.error("Ballot %s could not be closed: %s", ballot.pk, refused)
            continue  # else closed by someone else a moment ago
        closed.append(ballot.pk)
    return closed


# --- Paper votes -----------------------------------------------------------------------------------
# A voter who votes on paper is marked on the roll (so they cannot vote online too) and puts the paper in
# the box. Nothing pairs the roll mark with the paper:
# - the mark has no time, no ledger event of its own (the count of paper voters goes into the ledger when
#   the ballot closes) and no officer's name;
# - papers are typed in only after voting has closed, from a box that has been mixed, so the order they
#   are typed in (their row ids, their ledger events, PostgreSQL's transaction ids) says nothing about the
#   order the voters were marked in;
# - each paper gets a random number to write on it, not the next number in a line;
# - the paper is sealed like an online vote. A second returning officer types it in again, blind, before
#   it counts; a check that does not match sets the paper aside at once, so nobody can find out by
#   guessing what the first person typed.

SPOILT = {"spoilt": True}  # what a blank or spoilt paper is typed in as (no vote can look like it)
_PAPER_NUMBERS = (10000, 99999)
_DONE = {"counted": "checked, and will be counted", "spoilt": "checked as blank or spoilt", "rejected": "set aside"}


class PaperVoteRefused(VotingRefused):
    """A paper-vote step that cannot be done, with the plain sentence to show the returning officer."""


def can_handle_paper_votes(user, ballot: Ballot) -> bool:
    return user.is_authenticated and user.has_perm("voting.change_ballot") and ballot.secret


def paper_counting_ends(ballot: Ballot):
    """When the automatic close stops waiting for papers that were given out but never typed in."""
    return ballot.closes_at + datetime.timedelta(hours=settings.PORTAL_PAPER_VOTE_COUNT_HOURS)


def paper_stage(ballot: Ballot, now=None) -> str:
    """"marking" while people vote (papers are given out, none typed in); "typing" once voting has closed
    and the ballot waits for its papers; "closed" after that (or for a ballot that takes no paper votes)."""
    now = now or timezone.now()
    if not ballot.secret or ballot.status != Ballot.Status.OPEN:
        return "closed"
    return "marking" if now < ballot.closes_at else "typing"


def _paper_ballot(ballot: Ballot, user, *, stage: str, lock: bool = False) -> Ballot:
    """The ballot, fresh (and locked, inside a transaction, when `lock`), if `user` may do a paper-vote
    step of `stage` on it now; else PermissionDenied or PaperVoteRefused with the reason."""
    if not can_handle_paper_votes(user, ballot):
        raise PermissionDenied("Only returning officers record paper votes, and only in secret ballots.")
    query = Ballot.objects.select_for_update() if lock else Ballot.objects
    ballot = query.get(pk=ballot.pk)
    if ballot.status != Ballot.Status.OPEN:
        raise PaperVoteRefused("This ballot is not open, so paper votes cannot be recorded.")
    now_stage = paper_stage(ballot)
    if stage == "marking" and now_stage != "marking":
        raise PaperVoteRefused("Voting has closed. Nobody else can be given a paper.")
    if stage == "typing" and now_stage != "typing":
        raise PaperVoteRefused(
            f"Papers are typed in after voting closes ({gov_datetime(ballot.closes_at)}). Until then keep every "
            "paper in the ballot box. Mixing them first means nobody can tell whose paper is whose from the "
            "order they are typed in."
        )
    return ballot


def paper_voter_mark(*, ballot: Ballot, email: str, user) -> RollEntry:
    """Mark someone on the roll as voting on paper. Refused if they have voted already, either way.
    Deliberately no ledger event: its time would say when this person voted (the count goes into the
    ledger when the ballot closes)."""
    ballot = _paper_ballot(ballot, user, stage="marking")
    entry = RollEntry.objects.filter(ballot=ballot, voter__email__iexact=email.strip()).first()
    if entry is None:
        raise PaperVoteRefused("Nobody with that email address is on the roll for this ballot.")
    flipped = RollEntry.objects.filter(pk=entry.pk, has_voted=False).update(has_voted=True, on_paper=True)
    if not flipped:
        raise PaperVoteRefused("This person has already voted in this ballot, online or on paper. Do not give them a paper.")
    entry.refresh_from_db()
    return entry


def _paper_votes_pending(ballot_pk: int) -> bool:
    """Whether papers marked on the roll are still to be typed in or checked (the automatic close waits)."""
    counts = paper_counts(Ballot(pk=ballot_pk))
    return bool(counts["waiting"] or counts["to_type"])


def paper_counts(ballot: Ballot) -> dict[str, int]:
    """How many voters are marked as voting on paper, and the typed-in papers by status."""
    counts = {status.value: 0 for status in PaperVote.Status}
    for row in PaperVote.objects.filter(ballot=ballot).values("status").annotate(n=models.Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    counts["marked"] = RollEntry.objects.filter(ballot=ballot, on_paper=True).count()
    done = counts["waiting"] + counts["counted"] + counts["spoilt"]
    counts["to_type"] = max(counts["marked"] - done, 0)
    return counts


def _paper_number(ballot: Ballot) -> int:
    taken = set(PaperVote.objects.filter(ballot=ballot).values_list("number", flat=True))
    low, high = _PAPER_NUMBERS
    if len(taken) > (high - low) // 2:
        raise PaperVoteRefused("This ballot has run out of paper numbers. Ask the site's administrator for help.")
    while True:
        number = low + secrets.randbelow(high - low + 1)
        if number not in taken:
            return number


def _stored_paper(ballot: Ballot, choices, spoilt: bool):
    return SPOILT if spoilt else clean_choices(ballot, choices)


def paper_vote_enter(*, ballot: Ballot, user, choices=None, spoilt: bool = False) -> PaperVote:
    """Type in one paper (first entry), after voting has closed: its choices, or that it is blank or
    spoilt. It waits, sealed, for a second person's check."""
    ballot = _paper_ballot(ballot, user, stage="typing")
    stored = _stored_paper(ballot, choices, spoilt)
    nonce = secrets.token_hex(16)
    box = b""
    if not spoilt:
        # A random receipt nobody holds, so the published receipts still number the papers counted.
        unheld = receipt_hash(secrets.token_hex(16))
        box = sealing.seal(ballot, choices=stored, receipt_hash=unheld, option_count=ballot.options.count())
    with transaction.atomic():
        ballot = _paper_ballot(ballot, user, stage="typing", lock=True)  # one entry at a time per ballot
        if paper_counts(ballot)["to_type"] <= 0:
            raise PaperVoteRefused(
                "Every voter marked on the roll as voting on paper has a paper typed in already. "
                "There is no paper left to type in."
            )
        paper = PaperVote.objects.create(
            ballot=ballot, number=_paper_number(ballot), box=box, nonce=nonce,
            digest=sealing.paper_digest(ballot, nonce, stored), entered_by=user,
        )
        audit_record(actor=user, action="voting.paper_vote_entered", target=ballot, data={"paper": paper.label})
    return paper


def paper_vote_check(*, paper: PaperVote, user, choices=None, spoilt: bool = False) -> bool:
    """The second person's blind typing of the same paper: True (and the paper will be counted, or kept
    as blank or spoilt) when it matches the first. False when it does not: the paper is then set aside
    at once, never counts, and must be typed in again, so the check cannot be passed by guessing."""
    ballot = _paper_ballot(paper.ballot, user, stage="typing")
    if paper.entered_by_id == user.pk:
        raise PaperVoteRefused("You typed in this paper. Someone else must check it.")
    stored = _stored_paper(ballot, choices, spoilt)
    with transaction.atomic():
        ballot = _paper_ballot(ballot, user, stage="typing", lock=True)
        paper = PaperVote.objects.select_for_update().get(pk=paper.pk)
        if paper.status != PaperVote.Status.WAITING:
            raise PaperVoteRefused(f"Paper {paper.label} has already been {_DONE[paper.status]}.")
        matched = hmac.compare_digest(sealing.paper_digest(ballot, paper.nonce, stored), paper.digest)
        if not matched:
            paper.mismatches += 1
            paper.status = PaperVote.Status.REJECTED
            action = "voting.paper_vote_set_aside"
        elif spoilt:
            paper.status = PaperVote.Status.SPOILT
            action = "voting.paper_vote_checked"
        else:
            SealedPaper.objects.create(ballot=ballot, box=bytes(paper.box))
            paper.status = PaperVote.Status.COUNTED
            action = "voting.paper_vote_checked"
        paper.checked_by = user
        paper.box, paper.digest, paper.nonce = b"", "", ""
        paper.save(update_fields=["status", "checked_by", "box", "digest", "nonce", "mismatches"])
        audit_record(actor=user, action=action, target=ballot, data={"paper": paper.label})
    return matched


def paper_vote_set_aside(*, paper: PaperVote, user) -> PaperVote:
    """Set aside a paper that was typed in wrongly, so it can be typed in again. It never counts."""
    with transaction.atomic():
        _paper_ballot(paper.ballot, user, stage="typing", lock=True)
        paper = PaperVote.objects.select_for_update().get(pk=paper.pk)
        if paper.status != PaperVote.Status.WAITING:
            raise PaperVoteRefused(f"Paper {paper.label} has already been {_DONE[paper.status]}.")
        paper.status, paper.checked_by = PaperVote.Status.REJECTED, user
        paper.box, paper.digest, paper.nonce = b"", "", ""
        paper.save(update_fields=["status", "checked_by", "box", "digest", "nonce"])
        audit_record(actor=user, action="voting.paper_vote_set_aside", target=paper.ballot, data={"paper": paper.label})
    return paper
