"""The outbox: a background job written in the same transaction as the change that needs it.

A row is the promise that a job will run. It is handed to Celery after commit; if the broker is down
the row simply waits, and the relay hands it over later. Payloads hold ids only, never personal data,
so the table can be read, kept and exported without care for who it is about.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class OutboxMessage(models.Model):
    """One job to run once: which handler, with which ids, and how far it has got."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    job = models.CharField(
        max_length=100, help_text="The registered handler's name, e.g. accounts.send_password_reset."
    )
    payload = models.JSONField(
        default=dict, blank=True, help_text="Keyword arguments for the handler: ids only."
    )
    idempotency_key = models.CharField(
        max_length=100, unique=True, default=new_idempotency_key, editable=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(
        max_length=200, blank=True, help_text="The error's type only, never its text."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    available_at = models.DateTimeField(
        default=timezone.now, help_text="Not run before this time (retry back-off)."
    )
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to the job queue.")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When a worker last started it.")
    claimed_by = models.CharField(
        max_length=120, blank=True, help_text="The claim of the process that last started it (host/pid-namespace:pid:random)."
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "outbox message"
        ordering = ["-created_at"]
        indexes = [
            # The relay's two questions: which pending messages are due, which running ones are stale.
            models.Index(
                fields=["available_at"], condition=Q(status="pending"), name="jobs_outbox_pending_due"
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(status="running"), name="jobs_outbox_running_claimed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} #{self.pk} ({self.status})"


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class LongJob(models.Model):
    """A job someone started and is waiting for (a report, an export): its progress, and the file it made.

    It is its own outbox: the row is written in the request's transaction and handed to Celery after
    commit; `long_jobs_tick` hands over any the broker did not take. A conditional UPDATE claims it, so
    it runs once however often it is delivered. Progress is written as it runs, outside any
    transaction, so the person watching sees it move. The file is kept until `expires_at`.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=100, help_text="The registered long job, e.g. governance.evidence_pdf.")
    params = models.JSONField(default=dict, blank=True, help_text="Ids, dates and flags only.")
    started_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="long_jobs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    note = models.CharField(max_length=200, blank=True, help_text="What it is doing now, in plain words.")
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.FileField(storage=_private_storage, upload_to="jobs/%Y/%m/", blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life while running.")
    claimed_by = models.CharField(
        max_length=120, blank=True, help_text="The claim of the process running it (host/pid-namespace:pid:random)."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"
