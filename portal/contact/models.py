"""A message sent with the contact form, kept only until it has been emailed on.

The outbox carries ids only (never what someone wrote), so the message waits here for its email jobs.
Each job deletes the row once every email it needs has gone; the retention rule deletes any left
behind (sending kept failing) after the site settings' `contact_message_retention_days`.
"""

from django.db import models
from django.utils import timezone


class Topic(models.TextChoices):
    """What the message is about, as the person chose it on the form."""

    QUESTION = "question", "A question"
    ACCESSIBILITY = "accessibility", "A problem with the website or its accessibility"
    OTHER = "other", "Something else"


class ContactMessage(models.Model):
    """One message on its way to the charity's inbox: never shown on the website, never in the admin."""

    topic = models.CharField(max_length=20, choices=Topic.choices)
    name = models.CharField(max_length=80, blank=True)
    email = models.EmailField(blank=True, help_text="Where to reply; empty when the person gave none.")
    message = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    forwarded_at = models.DateTimeField(null=True, blank=True, help_text="When it was emailed to the inbox.")
    acknowledged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person was sent a short 'we have your message' email."
    )

    class Meta:
        verbose_name = "contact message"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Contact message {self.pk}"

    @property
    def all_sent(self) -> bool:
        """True once the inbox has it and, if the person gave an email, they were told we have it."""
        return self.forwarded_at is not None and (not self.email or self.acknowledged_at is not None)
