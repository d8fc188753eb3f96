"""Involvement that is recognised and paid: opportunities, participation, rates, claims and payments.

Money is whole pence everywhere (integer columns; never floats). A claim is made from one participation
record (a meeting attended, an opportunity taken part in, or event work entered by staff), at the rate in
force on the day of the activity; the rate row and the pence are stored on the claim and never worked out
again. The portal holds no bank details: each payee has a reference the charity's payroll knows.

Finance records (payees, claims, expenses, receipts, notes, batches) are kept for
`PORTAL_FINANCE_RETENTION_YEARS` even after the person is erased: the payee then has no account
(`person` is empty, `former` is set) and is shown as "Former member PAY-XXXXXX".
"""

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from governance.models import Attendance, Body


def _private_storage():
    return storages["private"]


class RateBand(models.Model):
    """A kind of involvement with its own rate, e.g. "Meeting or panel, up to 2 hours"."""

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, help_text="What this band covers, in plain words.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Rate(models.Model):
    """What a band pays from a date on. The rate in force on a day is the latest one starting on or before it."""

    band = models.ForeignKey(RateBand, on_delete=models.PROTECT, related_name="rates")
    pence = models.PositiveIntegerField(help_text="The payment in pence, e.g. 2500 for £25.00.")
    applies_from = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["band", "-applies_from"]
        constraints = [models.UniqueConstraint(fields=["band", "applies_from"], name="one_rate_per_band_and_day")]

    def __str__(self) -> str:
        return f"{self.band.name} from {self.applies_from.isoformat()}"


class MeetingRate(models.Model):
    """The band that attending a meeting of `body` is paid at (no row: meetings of the body pay expenses only)."""

    body = models.OneToOneField(Body, on_delete=models.CASCADE, related_name="involvement_rate")
    band = models.ForeignKey(RateBand, on_delete=models.PROTECT, related_name="+")


class Opportunity(models.Model):
    """A chance to take part (an interview panel, a working group...), with what it pays and the support offered."""

    class Kind(models.TextChoices):
        INTERVIEW_PANEL = "interview_panel", "Interview panel"
        WORKING_GROUP = "working_group", "Working group"
        TRAINING = "training", "Training session"
        MEETING_SEAT = "meeting_seat", "Meeting seat"
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        CANCELLED = "cancelled", "Cancelled"

    title = models.CharField(max_length=150)
    purpose = models.TextField(help_text="What it is for and what people will do, in plain words.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveIntegerField(help_text="How long it lasts, in minutes.")
    place = models.CharField(max_length=200, help_text="Where it happens, or 'Online'.")
    rate_band = models.ForeignKey(
        RateBand, null=True, blank=True, on_delete=models.PROTECT, related_name="opportunities",
        help_text="What it pays. Leave empty if it pays expenses only.",
    )
    support_offered = models.TextField(blank=True, help_text="Support we offer, e.g. a support worker or taxi.")
    what_to_bring = models.TextField(blank=True)
    places = models.PositiveSmallIntegerField(default=1, help_text="How many people we need.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.title

    @property
    def paid(self) -> bool:
        return self.rate_band_id is not None


class Interest(models.Model):
    """A member's interest in an opportunity; staff select and confirm, then record that they took part."""

    class Status(models.TextChoices):
        INTERESTED = "interested", "Interested"
        SELECTED = "selected", "Selected"
        CONFIRMED = "confirmed", "Confirmed"
        ATTENDED = "attended", "Took part"
        NOT_SELECTED = "not_selected", "Not selected this time"
        WITHDRAWN = "withdrawn", "Withdrawn"

    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="interests")
    # Empty only after the person was erased and they had taken part (kept with the finance records).
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=14, choices=Status.choices, default=Status.INTERESTED, db_index=True)
    note = models.TextField(blank=True, max_length=1000, help_text="Anything the person wants staff to know.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["opportunity", "person"], name="one_interest_per_person")]


class Participation(models.Model):
    """Taking part, recorded once from its source; the only thing a claim can be made from.

    Sources: a governance `Attendance` marked present, an `Interest` marked attended, or an event entry
    typed by staff. Each source gives at most one participation (database unique constraints).
    """

    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting"
        OPPORTUNITY = "opportunity", "Opportunity"
        EVENT = "event", "Event or other work"

    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    day = models.DateField(db_index=True)
    minutes = models.PositiveIntegerField(default=0)
    activity = models.CharField(max_length=200, help_text="Short words for what the person did.")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    rate_band = models.ForeignKey(RateBand, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    attendance = models.OneToOneField(
        Attendance, null=True, blank=True, on_delete=models.SET_NULL, related_name="involvement_participation"
    )
    interest = models.OneToOneField(Interest, null=True, blank=True, on_delete=models.SET_NULL, related_name="participation")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-pk"]
        indexes = [models.Index(fields=["person", "day"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "day", "activity"], condition=Q(kind="event"), name="one_event_entry_per_person_day_activity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity} ({self.day.isoformat()})"


class Payee(models.Model):
    """Who is paid, by a reference the charity's payroll knows. One per person, made on their first claim."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="payee")
    reference = models.CharField(max_length=12, unique=True)
    former = models.BooleanField(default=False, help_text="The person's account was erased; the finance records are kept.")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Former member {self.reference}" if self.former else self.reference


class PaymentBatch(models.Model):
    """Approved claims paid together, exported as one CSV for payroll or the bank."""

    reference = models.CharField(max_length=20, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    count = models.PositiveIntegerField(default=0)
    total_pence = models.BigIntegerField(default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    exported_at = models.DateTimeField(null=True, blank=True, help_text="The last time it was downloaded.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "payment batches"

    def __str__(self) -> str:
        return self.reference

    @property
    def is_paid(self) -> bool:
        return self.paid_at is not None


class Claim(models.Model):
    """A claim for one participation: the fee (by the person's choice) plus expenses, in pence."""

    class Choice(models.TextChoices):
        PAID = "paid", "Be paid"
        VOUCHER = "voucher", "Take a voucher"
        EXPENSES_ONLY = "expenses_only", "Expenses only"
        DECLINED = "declined", "Decline payment"

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Sent, waiting to be checked"
        QUERIED = "queried", "We have a question"
        APPROVED = "approved", "Approved, waiting to be paid"
        PAID = "paid", "Paid"
        WITHDRAWN = "withdrawn", "Withdrawn"

    payee = models.ForeignKey(Payee, on_delete=models.PROTECT, related_name="claims")
    participation = models.OneToOneField(Participation, on_delete=models.PROTECT, related_name="claim")
    activity_day = models.DateField()
    rate = models.ForeignKey(Rate, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    rate_pence = models.PositiveIntegerField(default=0, help_text="The rate in force on the day (0 if unpaid).")
    fee_pence = models.PositiveIntegerField(default=0, help_text="0 for expenses only, or when payment is declined.")
    expenses_pence = models.PositiveIntegerField(default=0, help_text="The sum of the claim's expenses.")
    choice = models.CharField(max_length=14, choices=Choice.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    batch = models.ForeignKey(PaymentBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="claims")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["payee", "created_at"]),
            models.Index(fields=["paid_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """CLAIM-000123: the claim's own reference, on every screen, email and export row."""
        return f"CLAIM-{self.pk:06d}" if self.pk else "CLAIM-"

    @property
    def total_pence(self) -> int:
        return self.fee_pence + self.expenses_pence

    @property
    def fee_type(self) -> str:
        """The export's type for the fee row: "voucher" for a voucher, otherwise "fee"."""
        return "voucher" if self.choice == self.Choice.VOUCHER else "fee"


class Expense(models.Model):
    """One cost the person paid to take part, with its receipt (kept in private storage)."""

    class Kind(models.TextChoices):
        TRAVEL = "travel", "Travel"
        CARE = "care", "Care (for example for a child or someone you look after)"
        SUPPORT_WORKER = "support_worker", "Support worker"
        OTHER = "other", "Something else"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="expenses")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.CharField(max_length=200, blank=True)
    pence = models.PositiveIntegerField()
    receipt = models.FileField(storage=_private_storage, upload_to="receipts/%Y/%m/", blank=True)
    receipt_name = models.CharField(max_length=200, blank=True, help_text="The file's name as it was sent.")
    receipt_type = models.CharField(max_length=40, blank=True, help_text="application/pdf, image/jpeg or image/png.")
    receipt_size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]


class ClaimNote(models.Model):
    """Finance's question about a claim (the claimant sees it), her answer, and approval notes."""

    class Kind(models.TextChoices):
        QUERY = "query", "Question from finance"
        ANSWER = "answer", "Answer"
        APPROVE = "approve", "Approved"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
