"""The append-only audit ledger: one row per business event, each chained to the one before.

No personal data lives here. The actor is a random pseudonym key; the link from key to account lives in
`ActorPseudonym`, which erasure deletes, leaving every row (and so the chain) untouched.
"""

import secrets

from django.conf import settings
from django.db import models


def new_pseudonym_key() -> str:
    return secrets.token_hex(16)


class ActorPseudonym(models.Model):
    """The only link from a ledger pseudonym to an account. Deleting it anonymises the ledger."""

    key = models.CharField(max_length=32, unique=True, default=new_pseudonym_key, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="audit_pseudonym"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


class AuditEvent(models.Model):
    """One business event. `hash = sha256(prev_hash + canonical JSON of the row)`; never updated."""

    GENESIS_HASH = "0" * 64

    occurred_at = models.DateTimeField(db_index=True)
    actor_key = models.CharField(
        max_length=32, blank=True, help_text="Pseudonym of who did it; blank for the system itself."
    )
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # `data` exactly as the hash covers it (hashing.canonical_data), so a check of the chain hashes the
    # stored text instead of decoding and re-encoding each row; the check also holds it equal to `data`.
    data_text = models.TextField(editable=False)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["prev_hash"], name="audit_one_successor_per_event"),
        ]
        # The explorer's searches: everything about one object, everything one person did.
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_event_target"),
            models.Index(fields=["actor_key"], name="audit_event_actor"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action}"


class CheckpointPublication(models.Model):
    """A record that a published page (approved minutes) quotes a checkpoint's head hash.

    Written only by `checkpoint_publication_record`, which checks the page is live and that its text
    contains the hash, so the transparency page can say where each checkpoint was published. The page
    is referred to as a plain Wagtail page: this app sits below the governance app that defines minutes.
    """

    checkpoint = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="publications")
    page = models.ForeignKey(
        "wagtailcore.Page", on_delete=models.CASCADE, related_name="+",
        help_text="The published page (usually approved minutes) that quotes the checkpoint's head hash.",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checkpoint_id", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "page"], name="audit_checkpoint_published_once_per_page"),
        ]

    def __str__(self) -> str:
        return f"Checkpoint #{self.checkpoint_id} in page {self.page_id}"
