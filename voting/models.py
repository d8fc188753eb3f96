"""Ballots: motions and elections with one person one vote, secret papers and re-checkable results.

A secret vote writes a `SealedPaper` (the choices and the receipt hash, sealed to the ballot's public
key) in the same transaction as the voter's `RollEntry.has_voted` flips with a conditional UPDATE. At
close the sealed papers are opened and written again, shuffled, as countable `BallotPaper` rows and,
separately, `BallotReceipt` rows: see voting/sealing.py for why. None of them has a voter, a timestamp
or history.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from simple_history.models import HistoricalRecords

from governance.models import Body, Decision


FROZEN_MESSAGE = (
    "This ballot has opened, so its {what} cannot change: people may already have voted on what they saw. "
    "If something is wrong, close the ballot and set up a new one."
)


class BallotFrozen(ValidationError):
    """A change to an open or closed ballot's options, electorate or rules (the last line of defence)."""

    def __init__(self, what: str = "options, rules and electorate"):
        super().__init__(FROZEN_MESSAGE.format(what=what))


def _refuse_if_opened(ballot_id, what: str) -> None:
    if ballot_id and Ballot.objects.filter(pk=ballot_id).exclude(status=Ballot.Status.DRAFT).exists():
        raise BallotFrozen(what)


class Ballot(ClusterableModel):
    class Kind(models.TextChoices):
        MOTION = "motion", "Motion: for, against or abstain"
        SINGLE = "single", "Single choice"
        APPROVAL = "approval", "Approval: choose any"
        IRV = "irv", "Ranked choice (instant run-off)"
        STV = "stv", "Single transferable vote"

    class Status(models.TextChoices):
        DRAFT = "draft", "Not open yet"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Electorate(models.TextChoices):
        BODY = "body", "Members of a body"
        SERVICE_USERS = "service_users", "All service-user members"
        LIST = "list", "An uploaded list"

    class Threshold(models.TextChoices):
        SIMPLE = "simple", "Simple majority"
        TWO_THIRDS = "two_thirds", "Two thirds"

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MOTION)
    seats = models.PositiveSmallIntegerField(default=1, help_text="For elections: how many people are elected.")
    electorate = models.CharField(max_length=20, choices=Electorate.choices, default=Electorate.BODY)
    body = models.ForeignKey(Body, null=True, blank=True, on_delete=models.PROTECT, related_name="ballots")
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    threshold = models.CharField(max_length=12, choices=Threshold.choices, default=Threshold.SIMPLE)
    turnout_quorum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Optional: the share of the roll (in %) that must vote."
    )
    secret = models.BooleanField(default=True, help_text="Secret ballots keep no link between a person and a vote.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT, editable=False)
    decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.SET_NULL, related_name="ballots",
        help_text="For motions: the decision this ballot settles.",
    )
    tally = models.JSONField(null=True, blank=True, editable=False)
    tally_hash = models.CharField(max_length=64, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when the ballot opens (voting/sealing.py): the salt the sealing key and receipt codes are
    # derived with, and the public key secret votes are sealed to. The private key is never stored.
    seal_salt = models.CharField(max_length=32, blank=True, editable=False)
    seal_public_key = models.CharField(max_length=64, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["tally"])

    # What voters saw and the rules they voted under: fixed from opening. The description may still be
    # corrected and the decision link added.
    FROZEN_FIELDS = (
        "title", "kind", "seats", "electorate", "body", "opens_at", "closes_at", "threshold", "turnout_quorum", "secret",
    )

    class Meta:
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def save(self, *args, **kwargs):
        if self.pk:
            stored = Ballot.objects.filter(pk=self.pk).exclude(status=self.Status.DRAFT).values(*self.FROZEN_FIELDS).first()
            if stored is not None:
                current = {name: getattr(self, self._meta.get_field(name).attname) for name in self.FROZEN_FIELDS}
                stored = {name: stored[name] for name in self.FROZEN_FIELDS}
                if current != stored:
                    raise BallotFrozen()
        super().save(*args, **kwargs)


class BallotOption(models.Model):
    """A candidate or a choice. Fixed once the ballot opens."""

    ballot = ParentalKey(Ballot, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200)
    statement = models.TextField(blank=True, help_text="For candidates: their statement, in their words.")
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="For candidates: an optional photo. Its alt text is the candidate's name.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    # simple-history cannot copy a ParentalKey (it would need related_name="+"), so option history rows
    # carry the option's id but not its ballot's; options are fixed from opening anyway.
    history = HistoricalRecords(excluded_fields=["ballot"])

    class Meta:
        ordering = ["ballot", "order", "pk"]

    def __str__(self) -> str:
        return self.label

    EDITABLE = ("label", "statement", "photo_id", "order")

    def save(self, *args, **kwargs):
        if self.pk and self.ballot_id:
            stored = BallotOption.objects.filter(pk=self.pk).values(*self.EDITABLE).first()
            if stored == {name: getattr(self, name) for name in self.EDITABLE}:
                # Saving an unchanged option (as the admin form does with every inline row) is fine.
                if not Ballot.objects.filter(pk=self.ballot_id, status=Ballot.Status.DRAFT).exists():
                    return
        _refuse_if_opened(self.ballot_id, "options")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_opened(self.ballot_id, "options")
        return super().delete(*args, **kwargs)


class ListedVoter(models.Model):
    """A person on an uploaded electorate list (before opening; the roll is frozen from it)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="listed_voters")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "voter"], name="one_listing_per_voter")]

    def save(self, *args, **kwargs):
        _refuse_if_opened(self.ballot_id, "electorate")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        _refuse_if_opened(self.ballot_id, "electorate")
        return super().delete(*args, **kwargs)


class RollEntry(models.Model):
    """The frozen electoral roll: who may vote, and whether they have. No time, no history, no choice."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="roll")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    has_voted = models.BooleanField(default=False)
    on_paper = models.BooleanField(
        default=False, help_text="Voted on a paper handed in to the returning officer, so not online too."
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "voter"], name="one_roll_entry_per_voter")]


def new_paper_id() -> uuid.UUID:
    return uuid.uuid4()


class SealedPaper(models.Model):
    """A secret vote while the ballot is open: choices and receipt hash sealed to the ballot's public
    key, padded to one size. Opened, shuffled and deleted when the ballot closes. No voter, no time."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="sealed_papers")
    box = models.BinaryField()


class PaperVote(models.Model):
    """A paper vote typed in by one returning officer (after voting has closed, from a mixed box) and typed
    in again, blind, by a second.

    Like an online secret vote it holds no voter and no time: the choices are sealed to the ballot's
    public key (`box`) and kept, for the check, only as a keyed digest. When the second entry matches,
    the box becomes a SealedPaper (counted at close with every other) and is cleared here; what stays is
    who typed and who checked, and the random number written on the paper so the two can find it again.
    A blank or spoilt paper is typed in as such (no box) and, once checked, counts for nothing."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a second person to check it"
        COUNTED = "counted", "Checked: it will be counted"
        REJECTED = "rejected", "Set aside: the two typings differed, or it was typed in wrongly"
        SPOILT = "spoilt", "Checked: blank or spoilt, so it does not count"

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="paper_votes")
    number = models.PositiveIntegerField(help_text="A random number written on the paper, so the second person can find it.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    box = models.BinaryField(blank=True, default=b"")
    digest = models.CharField(max_length=64, blank=True)
    nonce = models.CharField(max_length=32, blank=True)
    mismatches = models.PositiveSmallIntegerField(default=0)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["ballot", "number"], name="one_paper_vote_per_number")]

    @property
    def label(self) -> str:
        return f"P-{self.number}"


class BallotPaper(models.Model):
    """One countable vote. Deliberately: a random id, no voter, no receipt, no timestamp, no history.

    Secret ballots' papers are written all at once when the ballot closes, in a random order."""

    id = models.UUIDField(primary_key=True, default=new_paper_id, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="papers")
    choices = models.JSONField(help_text="Option ids (ranked order for IRV/STV), or for/against/abstain.")

    class Meta:
        # Listing papers by id shows nothing about the order they were cast in.
        ordering = ["id"]


class BallotReceipt(models.Model):
    """The hash of one receipt code counted: published apart from the papers, so that a receipt shows a
    vote was counted but never which vote it was."""

    id = models.UUIDField(primary_key=True, default=new_paper_id, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="receipts")
    receipt_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["receipt_hash"]
        constraints = [models.UniqueConstraint(fields=["ballot", "receipt_hash"], name="one_receipt_per_code")]


class NamedVote(models.Model):
    """For named (open) ballots only, such as board motions: who voted how, shown in the minutes."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="named_votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    paper = models.OneToOneField(BallotPaper, on_delete=models.PROTECT, related_name="named_vote")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "voter"], name="one_named_vote_per_voter")]
