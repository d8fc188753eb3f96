"""Members' proposals to a body, their supports and comments, moderation, and the duty to answer.

A proposal that reaches its body's support threshold (or that the body takes forward sooner) becomes an
agenda item of the body's next meeting, and must get a recorded decision before `respond_by`. Nothing
here is ever shown with its author's name unless the author chose that (`show_name`); otherwise the
pages, exports and feeds say "a member".
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from governance.models import AgendaItem, Body, Decision


class ModerationReason(models.TextChoices):
    """The short list a moderator chooses from; each has kind words for the author (proposals/words.py)."""

    PERSONAL = "personal", "It names or describes someone who could be recognised"
    UNKIND = "unkind", "It could hurt or upset someone"
    SAFETY = "safety", "We want to check the person who wrote it is safe"
    OFF_TOPIC = "off_topic", "It is not something this group can decide"
    REPEATED = "repeated", "The same idea has already been raised"
    OTHER = "other", "Another reason, explained in the note"


class ProposalRules(models.Model):
    """A body's rules for proposals: how much support makes an agenda item, and how soon it must be answered."""

    body = models.OneToOneField(Body, on_delete=models.CASCADE, related_name="proposal_rules")
    takes_proposals = models.BooleanField(default=True, help_text="Members can raise proposals to this group.")
    support_threshold = models.PositiveIntegerField(
        null=True, blank=True, help_text="Supports that put a proposal on the agenda (a number of people)."
    )
    support_share_percent = models.PositiveSmallIntegerField(
        null=True, blank=True,
        help_text="Or a share of the people who can vote for this group, in per cent (the larger applies if both are set).",
    )
    response_days = models.PositiveSmallIntegerField(
        default=56, help_text="Days from reaching the threshold to a recorded decision."
    )

    class Meta:
        verbose_name_plural = "proposal rules"

    def __str__(self) -> str:
        return f"Proposal rules for {self.body}"


class Proposal(models.Model):
    class Status(models.TextChoices):
        HELD = "held", "Waiting for a moderator"
        OPEN = "open", "Gathering support"
        ON_AGENDA = "on_agenda", "On the agenda"
        DECIDED = "decided", "Decided"
        HIDDEN = "hidden", "Hidden by a moderator"

    class Origin(models.TextChoices):
        ONLINE = "online", "Online"
        ASSISTED = "assisted", "Entered by a peer worker, with consent"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(max_length=150)
    change = models.TextField(help_text="What the member wants to change.")
    reason = models.TextField(help_text="Why.")
    easy_read = models.TextField(blank=True, help_text="An easy read summary (optional).")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    show_name = models.BooleanField(default=False, help_text="Show the author's name; otherwise 'a member'.")
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.ONLINE)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    consent_statement = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    moderation_reason = models.CharField(max_length=12, choices=ModerationReason.choices, blank=True)
    moderation_note = models.TextField(blank=True)
    support_count = models.PositiveIntegerField(default=0, help_text="Supports not withdrawn (kept with each change).")
    threshold_reached_at = models.DateTimeField(null=True, blank=True)
    taken_forward_at = models.DateTimeField(null=True, blank=True, help_text="Taken forward before the threshold.")
    agenda_item = models.OneToOneField(AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposal")
    respond_by = models.DateField(null=True, blank=True)
    decision = models.ForeignKey(Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    deferred_to = models.DateField(null=True, blank=True, help_text="When a deferred decision will be looked at again.")

    history = HistoricalRecords(excluded_fields=["support_count", "updated_at"])

    class Meta:
        indexes = [models.Index(fields=["body", "status"]), models.Index(fields=["status", "published_at"])]

    def __str__(self) -> str:
        return self.title


class Support(models.Model):
    """One person's support for a proposal; withdrawn supports are kept (with the time) and not counted."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "person"], condition=models.Q(withdrawn_at__isnull=True), name="one_live_support_per_person"
            )
        ]


class Comment(models.Model):
    class Status(models.TextChoices):
        HELD = "held", "Waiting for a moderator"
        PUBLISHED = "published", "Published"
        HIDDEN = "hidden", "Hidden by a moderator"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    show_name = models.BooleanField(default=False)
    text = models.TextField(max_length=1000)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED, db_index=True)
    moderation_reason = models.CharField(max_length=12, choices=ModerationReason.choices, blank=True)
    moderation_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["proposal", "status", "created_at"])]


class Report(models.Model):
    """Someone's "report this" on a proposal or a comment, for a moderator to look at."""

    proposal = models.ForeignKey(Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True, max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposal__isnull=False) | models.Q(comment__isnull=False), name="report_has_a_subject"
            )
        ]
