"""Consultations: the pages editors publish, and the responses, answers and themes they gather.

Pages (ConsultationIndexPage, ConsultationPage and its Questions) are Wagtail content with revisions.
Participation data (Response, Answer, AnswerChoice) are plain models, never edited in the admin.
Choice answers are stored as choice positions so every result is one SQL GROUP BY.
"""

import secrets
from importlib import import_module

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.paginator import Paginator
from django.db import models
from django.utils import timezone
from django.utils.html import strip_tags
from modelcluster.fields import ParentalKey
from simple_history.models import HistoricalRecords
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.models import Orderable, Page
from wagtail.search import index

from portal.home.pagination import page_links
from portal.home.stable import StableRestrictionsMixin, stable_page

from .admin_forms import ConsultationPageForm


# How many closed consultations the index lists on each page.
CLOSED_PER_PAGE = 20


class ConsultationIndexPage(StableRestrictionsMixin, Page):
    """Lists open, upcoming and closed consultations."""

    intro = models.TextField(blank=True, max_length=500, help_text="A sentence or two shown above the list.")

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["consultations.ConsultationPage"]
    max_count = 1

    def get_consultations(self):
        """Live, public consultations under this index, soonest closing first."""
        return ConsultationPage.objects.live().public().descendant_of(self).order_by("closes_at")

    def route(self, request, path_components):
        """Straight to the consultation page with its number of questions, in one query (Wagtail's own
        routing reads the child, then its specific row, and the page then counts its questions)."""
        if path_components:
            # Kept between publishes for GET and HEAD (its row and its questions change only when it is
            # published); for the answering pages with its questions, which each of them reads (the
            # other pages read them their own way, so they do not pay a query for them after a change).
            answering = path_components[1:2] == ["respond"]

            def find():
                queryset = ConsultationPage.objects.child_of(self).filter(slug=path_components[0])
                queryset = queryset.annotate(question_total=models.Count("questions"))
                return (queryset.prefetch_related("questions") if answering else queryset).first()

            key = ("consultation", self.pk, path_components[0], "answering" if answering else "")
            child = stable_page(request, key, find)
            if child is not None:
                child._cached_parent_obj = self
                return child.route(request, path_components[1:])
        return super().route(request, path_components)

    def get_context(self, request, *args, **kwargs):
        from .selectors import index_lists_kept

        context = super().get_context(request, *args, **kwargs)
        context["lists_html"] = index_lists_kept(request, self)
        return context

    def lists_context(self, request, now) -> dict:
        """What the three lists show at `now`: open and opening soon in full, closed a page at a time."""
        from .selectors import consultations_by_phase

        consultations = self.get_consultations()  # one query for the view restrictions, shared by both lists
        phases = consultations_by_phase(consultations.filter(closes_at__gt=now), now)
        # Closed ones pile up over the years: newest first, a page at a time.
        closed = consultations.filter(closes_at__lte=now).order_by("-closes_at", "-pk")
        page_obj = Paginator(closed, CLOSED_PER_PAGE).get_page(request.GET.get("page"))
        phases["closed"] = list(page_obj)
        return {"request": request, "phases": phases, "closed_page": page_obj,
                "pagination": page_links(request, page_obj, anchor="closed")}


def _hand_over(module: str, view: str):
    """A route method that calls `consultations.<module>.<view>(request, page, *args)`."""

    def route(self, request, *args, **kwargs):
        return getattr(import_module(f"consultations.{module}"), view)(request, self, *args, **kwargs)

    route.__name__ = f"route_{view}"
    return route


class Audience(models.TextChoices):
    PUBLIC = "public", "Anyone"
    MEMBERS = "members", "People who are signed in"
    SERVICE_USERS = "service_users", "Service users only"


class Identity(models.TextChoices):
    ANONYMOUS = "anonymous", "Anonymous: no names are kept"
    NAMED = "named", "Named: people answer signed in, with their name"
    CHOOSE = "choose", "The person chooses"


class ResultsVisibility(models.TextChoices):
    AFTER_CLOSE = "after_close", "After it closes"
    NEVER = "never", "Never (analysts only)"
    LIVE = "live", "Live, while it is open"


class Phase(models.TextChoices):
    UPCOMING = "upcoming", "Opens soon"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ConsultationPage(StableRestrictionsMixin, RoutablePageMixin, Page):
    """One consultation: what it is about, who may answer, when, and its questions.

    Its sub-pages (answering, results, analysis, exports) are routes on the page; each route hands
    over at once to a view function in views.py, analysis.py or results_views.py.
    """

    summary = models.TextField(max_length=600, help_text="What this consultation is about, in plain words.")
    purpose = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why we are asking: what this will shape or decide. Shown in the evidence report.",
    )
    easy_read_summary = RichTextField(
        blank=True,
        features=["bold", "ul", "ol", "image"],
        help_text="An easy read version: short sentences, one idea each. Needed before publishing.",
    )
    content_note = models.TextField(
        blank=True,
        max_length=400,
        help_text="Optional. Shown before the questions, e.g. 'This asks about experiences of crisis care.'",
    )
    opens_at = models.DateTimeField(help_text="When people can start answering.")
    closes_at = models.DateTimeField(help_text="When answering stops.")
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.PUBLIC)
    identity = models.CharField(max_length=20, choices=Identity.choices, default=Identity.ANONYMOUS)
    results_visibility = models.CharField(
        max_length=20, choices=ResultsVisibility.choices, default=ResultsVisibility.AFTER_CLOSE
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("purpose"),
        FieldPanel("easy_read_summary"),
        FieldPanel("content_note"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")]),
                FieldPanel("audience"),
                FieldPanel("identity"),
                FieldPanel("results_visibility"),
            ],
            heading="Who, when and how",
        ),
        InlinePanel("questions", heading="Questions", label="Question", min_num=1),
    ]
    search_fields = Page.search_fields + [index.SearchField("summary")]
    base_form_class = ConsultationPageForm
    parent_page_types = ["consultations.ConsultationIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = "consultation"

    def clean(self):
        super().clean()
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            raise ValidationError({"closes_at": "The closing time must be after the opening time."})
        # Publishing (however it happens) saves the page live; a new page's form is checked in admin_forms.
        if self.live and self.pk and not strip_tags(self.easy_read_summary or "").strip():
            raise ValidationError({"easy_read_summary": "Write an easy read summary before publishing."})

    def phase(self, now=None) -> str:
        now = now or timezone.now()
        if now < self.opens_at:
            return Phase.UPCOMING
        if now >= self.closes_at:
            return Phase.CLOSED
        return Phase.OPEN

    def get_context(self, request, *args, **kwargs):
        from .views import consultation_context

        context = super().get_context(request, *args, **kwargs)
        context.update(consultation_context(request, self))
        return context

    # Sub-pages: each route hands over to a view function (modules imported when first used, because
    # the views import these models).
    route_start = path("start/", name="start")(_hand_over("views", "start"))
    route_assisted = path("assisted/", name="assisted")(_hand_over("views", "assisted_start"))
    route_question = path("respond/<str:token>/<int:number>/", name="question")(_hand_over("views", "question"))
    route_check = path("respond/<str:token>/check/", name="check")(_hand_over("views", "check_answers"))
    route_done = path("respond/<str:token>/done/", name="done")(_hand_over("views", "done"))
    route_withdraw = path("respond/<str:token>/withdraw/", name="withdraw")(_hand_over("views", "withdraw"))
    route_hear_back = path("respond/<str:token>/hear-back/", name="hear-back")(_hand_over("hear_back_views", "leave_address"))
    route_results = path("results/", name="results")(_hand_over("results_views", "results"))
    route_analysis = path("analysis/", name="analysis")(_hand_over("analysis", "analysis"))
    route_themes = path("analysis/themes/", name="themes")(_hand_over("analysis", "themes"))
    route_export_csv = path("export/csv/", name="export-csv")(_hand_over("results_views", "export_csv"))
    route_export_json = path("export/json/", name="export-json")(_hand_over("results_views", "export_json"))


class Question(Orderable):
    """One question. Choices are one per line; answers store a choice's position (0, 1, 2...)."""

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        SINGLE_CHOICE = "single_choice", "Choose one"
        MULTIPLE_CHOICE = "multiple_choice", "Choose any"
        SCALE = "scale", "Scale 1 to 5"
        RANKING = "ranking", "Put in order"
        YES_NO = "yes_no", "Yes or no"

    CHOICE_KINDS = {Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE, Kind.RANKING}
    TEXT_KINDS = {Kind.SHORT_TEXT, Kind.LONG_TEXT}
    TEXT_LIMITS = {Kind.SHORT_TEXT: 200, Kind.LONG_TEXT: 5000}

    page = ParentalKey(ConsultationPage, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.LONG_TEXT)
    prompt = models.CharField(max_length=300, help_text="The question, as a person would ask it.")
    help_text = models.CharField(max_length=400, blank=True, help_text="Optional hint shown under the question.")
    required = models.BooleanField(default=False, help_text="People must answer this to finish.")
    choices = models.TextField(
        blank=True, help_text="For 'Choose one', 'Choose any' and 'Put in order': one choice per line."
    )
    scale_low_label = models.CharField(max_length=60, blank=True, help_text="For scales: what 1 means.")
    scale_high_label = models.CharField(max_length=60, blank=True, help_text="For scales: what 5 means.")

    panels = [
        FieldPanel("kind"),
        FieldPanel("prompt"),
        FieldPanel("help_text"),
        FieldPanel("required"),
        FieldPanel("choices"),
        FieldRowPanel([FieldPanel("scale_low_label"), FieldPanel("scale_high_label")]),
    ]

    def __str__(self) -> str:
        return self.prompt

    def clean(self):
        if self.kind in self.CHOICE_KINDS and len(self.choice_list) < 2:
            raise ValidationError({"choices": "Give at least two choices, one per line."})
        if self.kind == self.Kind.SCALE and not (self.scale_low_label and self.scale_high_label):
            raise ValidationError({"scale_low_label": "Say what 1 and 5 mean on this scale."})

    @property
    def choice_list(self) -> list[str]:
        if self.kind == self.Kind.YES_NO:
            return ["Yes", "No"]
        if self.kind == self.Kind.SCALE:
            return [str(n) for n in range(1, 6)]
        return [line.strip() for line in self.choices.splitlines() if line.strip()]

    @property
    def text_limit(self) -> int | None:
        return self.TEXT_LIMITS.get(self.kind)


def new_token() -> str:
    return secrets.token_urlsafe(24)


def new_reference() -> str:
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def _response_history_user(request, instance=None, **kwargs):
    """Who changed a response, for its history: only when the response is already tied to someone.

    An anonymous response sent by a signed-in person must not gain their account through the history
    table, so history rows of responses with neither a respondent nor a peer worker name nobody.
    """
    if instance is None or not (instance.respondent_id or instance.entered_by_id):
        return None
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _private_storage():
    return storages["private"]


class PaperBatch(models.Model):
    """A pile of paper forms, or the answers gathered at one event, typed in by a peer worker or secretary.

    Each form becomes one submitted Response (origin paper or event) linked to the batch, so the results,
    the exports and the evidence report count it like any other. A scan of the forms may be kept, in
    private storage, until `scan_delete_after` (settings.PORTAL_PAPER_SCAN_DAYS after it was added)."""

    ORIGINS = [("paper", "Paper forms"), ("event", "At an event")]

    consultation = models.ForeignKey("ConsultationPage", on_delete=models.PROTECT, related_name="paper_batches")
    origin = models.CharField(max_length=12, choices=ORIGINS, default="paper")
    label = models.CharField(
        max_length=120, help_text="Where the answers came from, for example 'Posted back in March' or 'Drop-in at Hope Cafe'."
    )
    received_on = models.DateField(help_text="The day the forms arrived, or the day of the event.")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    scan = models.FileField(storage=_private_storage, upload_to="paper-scans/%Y/%m/", blank=True)
    scan_delete_after = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_origin_display()}: {self.label}"


class Response(models.Model):
    """One person's response. Drafts keep raw input in `draft`; submitting writes Answer rows."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Origin(models.TextChoices):
        ONLINE = "online", "Online"
        ASSISTED = "assisted", "Entered by a peer worker, with consent"
        PAPER = "paper", "Paper form"
        EVENT = "event", "At an event"

    class LivedExperience(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        PREFER_NOT = "prefer_not", "I prefer not to say"

    consultation = models.ForeignKey(ConsultationPage, on_delete=models.PROTECT, related_name="responses")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.ONLINE)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses",
        help_text="Empty for anonymous responses.",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The peer worker who entered an assisted response, or who typed in a paper or event one.",
    )
    batch = models.ForeignKey(
        PaperBatch, null=True, blank=True, on_delete=models.PROTECT, related_name="responses",
        help_text="The pile of paper forms (or the event) this response was typed in from.",
    )
    consent_statement = models.TextField(blank=True, help_text="For assisted responses: the consent given.")
    resume_token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    idempotency_key = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=12, unique=True, default=new_reference, editable=False)
    lived_experience = models.CharField(max_length=12, choices=LivedExperience.choices, blank=True)
    draft = models.JSONField(default=dict, blank=True, help_text="Raw answers as typed, by question id.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["draft", "resume_token", "updated_at"], get_user=_response_history_user)

    class Meta:
        indexes = [models.Index(fields=["consultation", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "respondent"],
                condition=models.Q(respondent__isnull=False) & ~models.Q(status="withdrawn"),
                name="one_live_named_response_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"Response {self.reference}"


class Answer(models.Model):
    """A submitted answer. Text, a choice position, or a scale value; many choices use AnswerChoice."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    text = models.TextField(blank=True)
    choice = models.PositiveSmallIntegerField(null=True, blank=True)
    scale = models.PositiveSmallIntegerField(null=True, blank=True)
    themes = models.ManyToManyField("Theme", through="AnswerTheme", related_name="answers", blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")]
        indexes = [models.Index(fields=["question", "choice"]), models.Index(fields=["question", "scale"])]


class AnswerChoice(models.Model):
    """One ticked choice (multiple choice) or one ranked choice (rank 1 = first)."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="picked")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choice = models.PositiveSmallIntegerField()
    rank = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["answer", "choice"], name="one_pick_per_choice")]
        indexes = [models.Index(fields=["question", "choice"])]


class Theme(models.Model):
    """An analyst's code for something people said, with a summary of it."""

    consultation = models.ForeignKey(ConsultationPage, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=120)
    summary = models.TextField(blank=True, help_text="What people said about this, in plain words.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["consultation", "name"], name="unique_theme_name")]

    def __str__(self) -> str:
        return self.name


class AnswerTheme(models.Model):
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE)
    theme = models.ForeignKey(Theme, on_delete=models.CASCADE)
    tagged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["answer", "theme"], name="unique_answer_theme")]


class ResponseStatement(models.Model):
    """'We did': what the charity did about a theme. Governance links decisions to these later."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="statements")
    text = models.TextField(help_text="What we did, or will do, about this. Plain words.")
    published = models.BooleanField(default=False)
    published_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When it was last made public (empty while hidden)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.text[:60]

    def save(self, *args, **kwargs):
        # Derived from `published`, however the statement is saved: stamped when it goes public,
        # cleared when it is hidden, kept while it stays public (so a rewrite does not move it).
        if self.published and self.published_at is None:
            self.published_at = timezone.now()
        elif not self.published:
            self.published_at = None
        super().save(*args, **kwargs)
