"""Governance: bodies and who sits on them, meetings, minutes, decisions and what followed.

Decisions cite what service users said (consultations, themes, "we did" statements): governance imports
consultations, never the reverse. Lived-experience figures are snapshots taken at the moment of each
meeting and decision, so later changes to people's details never rewrite history.
"""

import hashlib
import json
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from simple_history.models import HistoricalRecords
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.rich_text import RichText
from wagtail.models import Page
from wagtail.search import index

from consultations.models import ConsultationPage, ResponseStatement, Theme
from portal.dates import gov_date
from portal.home.pagination import page_links
from portal.home.stable import StableRestrictionsMixin, stable_page

from .admin_forms import MinutesPageForm


class Body(models.Model):
    """A decision-making group, such as the Board of Trustees or the Service User Council."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(unique=True)
    code = models.CharField(
        max_length=6, unique=True, help_text="Short letters for decision references, e.g. TB for TB-2026-014."
    )
    description = models.TextField(blank=True, help_text="What this group does, in plain words.")
    quorum = models.PositiveSmallIntegerField(default=3, help_text="Members who must be present to decide.")
    lived_experience_quorum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Optional: members with lived experience who must be present."
    )
    chair_may_approve_minutes = models.BooleanField(
        default=False, help_text="If yes, the chair can approve minutes; otherwise a later meeting decides."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "bodies"

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's seat on a body for a term."""

    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        VICE_CHAIR = "vice_chair", "Vice chair"
        TRUSTEE = "trustee", "Trustee"
        MEMBER = "member", "Member"
        CO_OPTED = "co_opted", "Co-opted member"
        OBSERVER = "observer", "Observer"
        SECRETARY = "secretary", "Secretary"

    class Seat(models.TextChoices):
        LIVED_EXPERIENCE = "lived_experience", "Lived-experience seat"
        GENERAL = "general", "General seat"

    VOTING_ROLES = {Role.CHAIR, Role.VICE_CHAIR, Role.TRUSTEE, Role.MEMBER, Role.CO_OPTED}

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.MEMBER)
    seat = models.CharField(max_length=20, choices=Seat.choices, default=Seat.GENERAL)
    starts_on = models.DateField(default=timezone.localdate)
    ends_on = models.DateField(null=True, blank=True, help_text="Leave empty while the term goes on.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["body", "role", "person__display_name"]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()}, {self.body}"

    def clean(self):
        if self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The end of the term must be after its start."})

    def is_current(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class Meeting(models.Model):
    """A meeting of a body. Quorum figures are snapshotted when the meeting is marked as held."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(max_length=160)
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    is_public = models.BooleanField(default=True, help_text="Public meetings appear in the calendar feed.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    members_present = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    lived_experience_present = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    quorate = models.BooleanField(null=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return f"{self.body.name}: {self.title} ({gov_date(self.starts_at)})"


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    confidential = models.BooleanField(default=False, help_text="Only the body's members may read it.")
    consultations = models.ManyToManyField(ConsultationPage, blank=True, related_name="agenda_items")
    themes = models.ManyToManyField(Theme, blank=True, related_name="agenda_items")
    papers = models.ManyToManyField("wagtaildocs.Document", blank=True, related_name="+")

    history = HistoricalRecords(m2m_fields=[consultations, themes])

    class Meta:
        ordering = ["meeting", "order"]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Attendance(models.Model):
    """Who came. Role and seat are copied from the membership at the time, so history stays true."""

    class Status(models.TextChoices):
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Sent apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PRESENT)
    role = models.CharField(max_length=12, choices=Membership.Role.choices, blank=True)
    seat = models.CharField(max_length=20, choices=Membership.Seat.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "person"], name="one_attendance_per_person")]


class Decision(models.Model):
    """A decision, with its story: what service users said, who moved it, how the vote went."""

    class Outcome(models.TextChoices):
        CARRIED = "carried", "Carried"
        NOT_CARRIED = "not_carried", "Not carried"
        DEFERRED = "deferred", "Deferred"
        NOTED = "noted", "Noted"

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="decisions")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200, help_text="A short name for the decision.")
    text = models.TextField(help_text="What was decided, in plain words.")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.CARRIED)
    rationale = models.TextField(blank=True, help_text="Why: the reasons given.")
    mover = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    seconder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    votes_for = models.PositiveSmallIntegerField(null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField(null=True, blank=True)
    votes_abstain = models.PositiveSmallIntegerField(null=True, blank=True)
    conflicts_declared = models.TextField(blank=True)
    no_input_reason = models.TextField(
        blank=True, help_text="If no service-user input shaped this decision, say why (required then)."
    )
    decided_on = models.DateField(default=timezone.localdate)
    members_present = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    lived_experience_present = models.PositiveSmallIntegerField(null=True, blank=True, editable=False)
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-decided_on", "-reference"]
        indexes = [models.Index(fields=["body", "decided_on"]), models.Index(fields=["outcome"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class EvidenceLink(models.Model):
    """What shaped a decision: a consultation, a theme, a 'we did' statement or another body's decision."""

    class Relation(models.TextChoices):
        ADOPTED = "adopted", "Adopted"
        ADAPTED = "adapted", "Adapted"
        REJECTED_BECAUSE = "rejected_because", "Rejected, because"
        INFORMED_BY = "informed_by", "Informed by"

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="evidence")
    relation = models.CharField(max_length=20, choices=Relation.choices, default=Relation.INFORMED_BY)
    consultation = models.ForeignKey(
        ConsultationPage, null=True, blank=True, on_delete=models.PROTECT, related_name="decision_links"
    )
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.PROTECT, related_name="decision_links")
    statement = models.ForeignKey(
        ResponseStatement, null=True, blank=True, on_delete=models.PROTECT, related_name="decision_links"
    )
    recommendation = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="recommended_to",
        help_text="Another body's decision or recommendation that this decision responds to.",
    )
    note = models.TextField(blank=True, help_text="How it shaped the decision (needed for 'rejected, because').")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(consultation__isnull=False)
                | models.Q(theme__isnull=False)
                | models.Q(statement__isnull=False)
                | models.Q(recommendation__isnull=False),
                name="evidence_points_somewhere",
            )
        ]

    def clean(self):
        if not (self.consultation_id or self.theme_id or self.statement_id or self.recommendation_id):
            raise ValidationError("Choose what this evidence is: a consultation, a theme, a statement or a recommendation.")
        if self.relation == self.Relation.REJECTED_BECAUSE and not self.note.strip():
            raise ValidationError({"note": "Say why it was rejected."})


class Action(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        BLOCKED = "blocked", "Blocked"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = {Status.NOT_STARTED, Status.IN_PROGRESS, Status.BLOCKED}

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="actions")
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)

    history = HistoricalRecords()

    class Meta:
        ordering = ["due_on"]

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        return self.status in self.OPEN_STATUSES and self.due_on < timezone.localdate()

    @property
    def status_text(self) -> str:
        """Where the action is, in the one wording every page and file uses: "Done", "Cancelled", "In
        progress, due 3 March 2027", or "Blocked, overdue: it was due 1 March 2026"."""
        words = self.get_status_display()
        if self.status not in self.OPEN_STATUSES:
            return words
        due = gov_date(self.due_on)
        return f"{words}, overdue: it was due {due}" if self.overdue else f"{words}, due {due}"


class ActionUpdate(models.Model):
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class Outcome(models.Model):
    """What changed because of a decision, with the evidence, and when to look again."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="outcomes")
    what_changed = models.TextField()
    evidence = models.TextField(blank=True)
    review_on = models.DateField(null=True, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at"]


# --- Minutes: Wagtail pages, one per meeting ------------------------------------------------------

class MinutesNotApproved(Exception):
    """Raised when anything tries to put minutes on the public site before they are approved."""

    message = (
        "Minutes go on the public site only once they are approved. Circulate them to the people who "
        "attended, then have them approved (by the chair, or by a decision of a later meeting): approval "
        "publishes them. Use 'Sign off minutes' on the minutes page."
    )

    def __init__(self):
        super().__init__(self.message)


class MinutesLocked(Exception):
    """Raised when anything tries to change locked minutes. A correction is a new, linked decision."""

    message = (
        "These minutes are locked because they were approved. They cannot be changed. "
        "To correct them, record a new decision that says what the correction is."
    )

    def __init__(self):
        super().__init__(self.message)


class MinutesSectionBlock(blocks.StructBlock):
    heading = blocks.CharBlock(max_length=200, help_text="Usually the agenda item's title.")
    text = blocks.RichTextBlock(features=["bold", "italic", "ol", "ul", "link"])
    confidential = blocks.BooleanBlock(
        required=False, help_text="Only the body's members can read this section. It is kept out of search."
    )

    class Meta:
        icon = "doc-full"


def _minutes_view(name: str):
    """A route that hands over to governance.minutes_views (imported when first used: it imports these
    models)."""

    def route(page, request, *args, **kwargs):
        return getattr(import_module("governance.minutes_views"), name)(request, page, *args, **kwargs)

    route.__name__ = name
    return route


MINUTES_PER_PAGE = 25


class MinutesIndexPage(StableRestrictionsMixin, Page):
    """Lists minutes of every body."""

    intro = models.TextField(blank=True, max_length=500)

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["governance.MinutesPage"]
    max_count = 1

    def get_minutes(self):
        """Published minutes under this index, newest meeting first, with what the list shows in one query."""
        return (
            MinutesPage.objects.live()
            .public()
            .descendant_of(self)
            .select_related("meeting__body", "approved_by_decision")
            .order_by("-meeting__starts_at")
        )

    def get_context(self, request, *args, **kwargs):
        """One page of minutes at a time (MINUTES_PER_PAGE), with GOV.UK pagination links."""
        context = super().get_context(request, *args, **kwargs)
        page_obj = Paginator(self.get_minutes(), MINUTES_PER_PAGE).get_page(request.GET.get("page"))
        context.update(minutes_list=list(page_obj), page_obj=page_obj, pagination=page_links(request, page_obj))
        return context

    def route(self, request, path_components):
        """Straight to the minutes page, with its meeting, body and approving decision, in one query
        (Wagtail's own routing reads the child, then its specific row, then each relation in turn)."""
        if path_components:
            def find():
                return (
                    MinutesPage.objects.child_of(self).filter(slug=path_components[0])
                    .select_related("meeting__body", "approved_by_decision").first()
                )

            if request.user.is_authenticated:
                child = find()  # a member may read the confidential sections: always from the database
            else:
                # A visitor never sees confidential sections, so what is kept for GET and HEAD is a copy
                # without them: their text never leaves the database (tests/governance/test_minutes.py).
                child = stable_page(request, ("minutes", self.pk, path_components[0]),
                                    lambda: _without_confidential_text(find()))
            if child is not None:
                child._cached_parent_obj = self
                return child.route(request, path_components[1:])
        return super().route(request, path_components)


def _without_confidential_text(page: "MinutesPage | None") -> "MinutesPage | None":
    """`page` with each confidential section's heading and text emptied (its place and its flag kept, so
    visitors still see "Item 3: This part is confidential."). Marked so it can never be saved."""
    if page is None or not page.has_confidential_sections:
        return page
    page.sections = [
        ("section", {"heading": "", "text": RichText(""), "confidential": True})
        if block.value.get("confidential") else ("section", block.value)
        for block in page.sections
    ]
    page.confidential_text_removed = True
    return page


class MinutesPage(StableRestrictionsMixin, RoutablePageMixin, Page):
    """The minutes of one meeting: draft -> circulated -> approved -> locked (then never changed).

    Locked means locked, however the change is tried: the admin form refuses (admin_forms.py), and
    `save`, `save_revision` and `publish` raise `MinutesLocked` when the stored row is locked, so a
    revision published from code or a script is refused too. The life-cycle fields are carried over
    from the stored row whenever a revision is turned back into a page, so publishing an older
    revision never moves the status back.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        CIRCULATED = "circulated", "Circulated to attendees"
        APPROVED = "approved", "Approved"
        LOCKED = "locked", "Locked"

    LIFECYCLE_FIELDS = ("status", "approved_by_decision_id", "approved_at", "locked_hash")

    meeting = models.OneToOneField(Meeting, on_delete=models.PROTECT, related_name="minutes")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False)
    easy_read_summary = RichTextField(
        blank=True, features=["bold", "ul", "ol"], help_text="An easy read summary. Needed before publishing."
    )
    sections = StreamField([("section", MinutesSectionBlock())], blank=True, use_json_field=True)
    approved_by_decision = models.ForeignKey(
        Decision, null=True, blank=True, on_delete=models.PROTECT, related_name="approved_minutes", editable=False
    )
    approved_at = models.DateTimeField(null=True, blank=True, editable=False)
    locked_hash = models.CharField(max_length=64, blank=True, editable=False)

    content_panels = Page.content_panels + [
        FieldPanel("meeting"),
        FieldPanel("easy_read_summary"),
        FieldPanel("sections"),
    ]
    # Only public text is indexed: confidential sections never reach search.
    search_fields = Page.search_fields + [index.SearchField("public_text")]
    base_form_class = MinutesPageForm
    parent_page_types = ["governance.MinutesIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "minutes"
        verbose_name_plural = "minutes"

    @property
    def public_text(self) -> str:
        return "\n".join(
            f"{block.value['heading']}\n{block.value['text'].source}"
            for block in self.sections
            if not block.value.get("confidential")
        )

    @property
    def has_confidential_sections(self) -> bool:
        return any(block.value.get("confidential") for block in self.sections)

    # --- the content hash ---------------------------------------------------------------------------

    def hashed_content(self) -> dict:
        """Everything the lock vouches for, confidential sections included, as plain JSON values."""
        return {
            "title": self.title,
            "meeting": self.meeting_id,
            "easy_read_summary": self.easy_read_summary or "",
            "sections": [
                {
                    "heading": block.value["heading"],
                    "text": block.value["text"].source,
                    "confidential": bool(block.value.get("confidential")),
                }
                for block in self.sections
            ],
        }

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8) of `hashed_content()`."""
        text = json.dumps(self.hashed_content(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    # --- locked means locked ------------------------------------------------------------------------

    def stored(self) -> "MinutesPage | None":
        """The row as the database holds it now (None before the first save)."""
        return MinutesPage.objects.filter(pk=self.pk).first() if self.pk else None

    def is_locked_in_database(self) -> bool:
        return bool(self.pk) and MinutesPage.objects.filter(pk=self.pk, status=self.Status.LOCKED).exists()

    PUBLISHABLE = ("approved", "locked")

    def is_approved_in_database(self) -> bool:
        return bool(self.pk) and MinutesPage.objects.filter(pk=self.pk, status__in=self.PUBLISHABLE).exists()

    def refuse_unless_approved(self) -> None:
        """Only approved (or locked) minutes may be published, however publishing is tried: the admin's
        Publish, bulk actions, scheduled publishing, or `save_revision().publish()` from code."""
        if not self.is_approved_in_database():
            raise MinutesNotApproved()

    @staticmethod
    def locked_message() -> str:
        return MinutesLocked.message

    @staticmethod
    def not_approved_message() -> str:
        return MinutesNotApproved.message

    def refuse_if_locked(self) -> None:
        if self.is_locked_in_database():
            raise MinutesLocked()

    def _refuse_changes_to_locked(self) -> None:
        stored = self.stored()
        if stored is None or stored.status != self.Status.LOCKED:
            return
        lifecycle_changed = any(getattr(self, f) != getattr(stored, f) for f in self.LIFECYCLE_FIELDS)
        if lifecycle_changed or self.slug != stored.slug or self.content_hash() != stored.locked_hash:
            raise MinutesLocked()

    def clean(self):
        super().clean()
        # Publishing (however it happens) saves the page live; a new page's form is checked in admin_forms.
        if self.live and self.pk and not strip_tags(self.easy_read_summary or "").strip():
            raise ValidationError({"easy_read_summary": "Write an easy read summary before publishing."})

    def save(self, *args, **kwargs):
        if getattr(self, "confidential_text_removed", False):
            raise RuntimeError("This copy of the minutes has its confidential sections taken out; it cannot be saved.")
        self._refuse_changes_to_locked()
        if self.live:  # going live (a new live page, or one being published) needs approval first
            stored = self.stored()
            if (stored is None or not stored.live) and self.status not in self.PUBLISHABLE:
                self.refuse_unless_approved()
        return super().save(*args, **kwargs)

    def save_revision(self, *args, **kwargs):
        self.refuse_if_locked()
        return super().save_revision(*args, **kwargs)

    def publish(self, revision, *args, **kwargs):
        self.refuse_if_locked()
        self.refuse_unless_approved()
        return super().publish(revision, *args, **kwargs)

    def with_content_json(self, content):
        """A revision never carries the life cycle: status, approval and hash stay as stored."""
        obj = super().with_content_json(content)
        for field in self.LIFECYCLE_FIELDS:
            setattr(obj, field, getattr(self, field))
        return obj

    # --- reading ------------------------------------------------------------------------------------

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(import_module("governance.minutes_views").minutes_context(request, self))
        return context

    # The page itself and its PDF: each hands over to a view in minutes_views.py (also used for previews).
    route_main = path("", name="main")(_minutes_view("main"))
    route_pdf = path("pdf/", name="pdf")(_minutes_view("pdf"))
