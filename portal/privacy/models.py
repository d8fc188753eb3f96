"""Consent, self-declared lived experience, and the marker left on an erased person's husk account.

No model here points at a higher app: a consent about a response names it by label and id, the way the
audit ledger names its targets.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ConsentRecord(models.Model):
    """One consent, as given: what it was for, the exact wording (version and hash), when, and whether
    it has been withdrawn. A withdrawn record is kept (with its withdrawal time) while the person is."""

    class Kind(models.TextChoices):
        CONTACT = "contact", "Emails about consultations, meetings and decisions"
        LIVED_EXPERIENCE = "lived_experience_declaration", "Keeping your lived-experience answer"
        ASSISTED_ENTRY = "assisted_entry", "A peer worker entering answers for someone"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="consents",
        help_text="Whose consent it is; empty when the person has no account (an assisted response).",
    )
    subject_type = models.CharField(
        max_length=100, blank=True, help_text="What the consent is about, e.g. consultations.response."
    )
    subject_id = models.CharField(max_length=64, blank=True)
    wording_version = models.CharField(max_length=40)
    wording_hash = models.CharField(max_length=64, help_text="SHA-256 of the wording the person agreed to.")
    given_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The peer worker who recorded it, for consent given to someone else.",
    )

    class Meta:
        ordering = ["-given_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "kind"], name="privacy_consent_person_kind"),
            models.Index(fields=["subject_type", "subject_id"], name="privacy_consent_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(subject_id=""), name="privacy_consent_is_about_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.wording_version})"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


class LivedExperienceDeclaration(models.Model):
    """A person's own, optional answer about lived experience. Used only in counts, never shown beside
    their name outside their own pages; kept only while their consent to keep it stands."""

    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        PREFER_NOT = "prefer_not", "I prefer not to say"

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lived_experience_declaration"
    )
    answer = models.CharField(max_length=12, choices=Answer.choices)
    declared_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Lived-experience declaration {self.pk}"


class ErasedAccount(models.Model):
    """Marks a husk: the account that stands in for an erased person in records the charity must keep.

    The husk has a random address, no name, no password and is inactive; nothing links it to the
    person it replaced. It keeps no date: a creation time would sit beside the ledger's erasure event.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="erased_marker"
    )

    def __str__(self) -> str:
        return f"Erased account {self.pk}"
