"""Ballots: motions and elections with one person one vote, secret papers and re-checkable results.

A secret vote writes a `BallotPaper` with a random id, the choices and the hash of the voter's receipt
code only: no voter link, no timestamp, no history. The voter's `RollEntry.has_voted` flips in the same
transaction with a conditional UPDATE; the roll entry says nothing about the choice.
"""

import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from governance.models import Body, Decision


class Ballot(models.Model):
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

    history = HistoricalRecords(excluded_fields=["tally"])

    class Meta:
        ordering = ["-opens_at"]

    def __str__(self) -> str:
        return self.title


class BallotOption(models.Model):
    """A candidate or a choice. Fixed once the ballot opens."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(max_length=200)
    statement = models.TextField(blank=True, help_text="For candidates: their statement, in their words.")
    photo = models.ForeignKey(
        "wagtailimages.Image", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="For candidates: an optional photo. Its alt text is the candidate's name.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["ballot", "order", "pk"]

    def __str__(self) -> str:
        return self.label


class ListedVoter(models.Model):
    """A person on an uploaded electorate list (before opening; the roll is frozen from it)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="listed_voters")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "voter"], name="one_listing_per_voter")]


class RollEntry(models.Model):
    """The frozen electoral roll: who may vote, and whether they have. No time, no history, no choice."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="roll")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    has_voted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "voter"], name="one_roll_entry_per_voter")]


def new_paper_id() -> uuid.UUID:
    return uuid.uuid4()


class BallotPaper(models.Model):
    """One vote. Deliberately: a random id, no voter, no timestamp, no history."""

    id = models.UUIDField(primary_key=True, default=new_paper_id, editable=False)
    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="papers")
    choices = models.JSONField(help_text="Option ids (ranked order for IRV/STV), or for/against/abstain.")
    receipt_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        # Listing papers by id shows nothing about the order they were cast in.
        ordering = ["id"]


class NamedVote(models.Model):
    """For named (open) ballots only, such as board motions: who voted how, shown in the minutes."""

    ballot = models.ForeignKey(Ballot, on_delete=models.PROTECT, related_name="named_votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    paper = models.OneToOneField(BallotPaper, on_delete=models.PROTECT, related_name="named_vote")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "voter"], name="one_named_vote_per_voter")]
