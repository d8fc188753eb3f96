"""Hearing back: telling people what came of what they took part in.

`HearBackEvent`: one piece of news ("we did" published, a decision citing a consultation, a proposal
decided) for one audience (the people who answered consultation 12, the proposer and supporters of
proposal 7). `HearBackMessage`: that news for one person, shown on their account page and emailed once
(or listed in their weekly digest). One message per person and `topic`: a decision that cites a
consultation and also decides a proposal reaches someone who did both once.
`HearBackAddress`: an address an anonymous respondent left for this alone, with no link to their answers.
No model here points at a higher app: audiences and addresses name their subject by id.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class HearBackChoice(models.Model):
    """How a person wants to hear back by email (when they accept emails about decisions at all)."""

    class How(models.TextChoices):
        EACH = "each", "Email me each time"
        WEEKLY = "weekly", "Email me one list each week"

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hear_back_choice")
    how = models.CharField(max_length=8, choices=How.choices, default=How.EACH)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Hearing back choice of user {self.person_id}"


class HearBackEvent(models.Model):
    """One piece of news for one audience; the fan-out job makes its messages."""

    class Kind(models.TextChoices):
        STATEMENT = "statement", "“We did”"
        DECISION = "decision", "A decision"
        PROPOSAL = "proposal", "A proposal decided"

    topic = models.CharField(max_length=60, help_text="What the news is about, e.g. decision-12: one message per person.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    audience = models.CharField(max_length=40, help_text="Who hears, by a registered name, e.g. consultation.")
    subject_id = models.PositiveIntegerField()
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500, help_text="A path on this site.")
    created_at = models.DateTimeField(default=timezone.now)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "audience", "subject_id"], name="hear_back_one_event_per_audience")
        ]

    def __str__(self) -> str:
        return self.title


class HearBackMessage(models.Model):
    """One person's copy of a piece of news. Never holds answers or anyone else's name."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hear_back_messages")
    event = models.ForeignKey(HearBackEvent, on_delete=models.CASCADE, related_name="messages")
    topic = models.CharField(max_length=60)
    created_at = models.DateTimeField(default=timezone.now)
    emailed_at = models.DateTimeField(null=True, blank=True, help_text="Sent on its own.")
    digested_at = models.DateTimeField(null=True, blank=True, help_text="Sent in a weekly list.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "topic"], name="hear_back_one_message_per_topic")]
        indexes = [
            models.Index(fields=["person", "created_at"], name="hear_back_person_created"),
            models.Index(fields=["emailed_at"], name="hear_back_emailed"),
            models.Index(fields=["digested_at"], name="hear_back_digested"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} to user {self.person_id}"


class HearBackAddress(models.Model):
    """An email address an anonymous respondent left to hear what came of one consultation.

    Deliberately holds nothing else: no response, no token, no time of day (a day is enough to keep it
    tidy, and a time could be matched with a response's submission time), and a random key so its
    order says nothing either. Used once when the loop closes, then deleted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    consultation_id = models.PositiveIntegerField(db_index=True)
    email = models.EmailField()
    left_on = models.DateField(default=timezone.localdate)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consultation_id", "email"], name="hear_back_one_address_per_consultation")
        ]

    def __str__(self) -> str:
        return f"Address for consultation {self.consultation_id}"
