"""The evidence report: how people with lived experience lead us, set out by the National Involvement
Standards (4Pi: Principles, Purpose, Presence, Process, Impact), for any period and, optionally, one body.

What each figure counts (the period is `start` to `end`, both days included, in local time):
- Principles: the organisation's involvement statement (site settings).
- Purpose: each consultation's stated purpose, and how many of them state one.
- Presence: the share of seats that are lived-experience seats on each body at the end of each month
  of the period (each quarter over 2 years, each year over 10), from dated memberships: a seat counts
  on a day when its term covers that day, so someone who joins later never changes an earlier period.
  Seats are voting places (chair, vice chair, trustee, member, co-opted); observers and the secretary
  are not counted. Attendance by seat type and lived-experience quorum come from the snapshots kept on
  each held meeting and attendance row, never from today's memberships.
- Process: consultations open at any time in the period, their submitted responses by origin, easy
  read versions, days open; ballots closed in the period and their turnout (from other apps, through
  PROCESS_SOURCES, so governance never imports voting).
- Impact: decisions made in the period that cite service-user input, and the reasons recorded where
  none did; themes of those consultations that have closed with a published "we did", and the median
  days from closing to it; actions due in the period (up to today) done by their due date; outcome
  reviews due in the period, counted as done when a later outcome was recorded on or after the date.
Consultations are run for the whole organisation, so Process consultation figures and the themes are
not narrowed to a body; everything else is.

Public version: a figure that counts people (or is worked out from a count of people) is hidden when
it is 1 to 4 ("fewer than 5"); a share is hidden when its numerator, denominator or the rest (the
denominator less the numerator) is 1 to 4; where parts add up to a shown total and only one part is
hidden, the next smallest part is hidden too ("hidden"), so nothing can be worked out by subtraction.
0 is shown: it says nothing about any one person. The trustees' version shows every figure, marking
those the public version hides.

Cost: a fixed number of queries (about 15) whatever the number of decisions, meetings or responses:
every count is an SQL aggregate; rows are fetched only for consultations, themes and the recorded
reasons, one query each.
"""

import datetime
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from consultations.models import ConsultationPage, Response, ResponseStatement, Theme
from portal.home.models import SiteSettings

from . import permissions
from .models import Action, Attendance, Body, Decision, EvidenceLink, Meeting, Membership, Outcome
from .selectors import QUORUM_ROLES, seat_shares, shaped_by_input, whole_percent

THRESHOLD = 5
FEWER_THAN_5 = "fewer than 5"
HIDDEN = "hidden"
MAX_YEARS = 20

SECTIONS = [
    ("principles", "Principles"),
    ("purpose", "Purpose"),
    ("presence", "Presence"),
    ("process", "Process"),
    ("impact", "Impact"),
]
SECTION_INTROS = {
    "principles": "What we say about how people with lived experience lead our work.",
    "purpose": "Why we asked people what they think: the purpose each consultation set out.",
    "presence": "Who was in the room: lived-experience seats, who came to meetings, and quorum.",
    "process": "How people took part: consultations, the ways people answered, and votes.",
    "impact": "What changed because of it: decisions, “we did” responses, actions and outcomes.",
}
LIVED, GENERAL = Membership.Seat.LIVED_EXPERIENCE, Membership.Seat.GENERAL
ORIGINS = list(Response.Origin)
ORIGIN_LABELS = {
    Response.Origin.ONLINE: "Online",
    Response.Origin.ASSISTED: "With a peer worker",
    Response.Origin.PAPER: "On paper",
    Response.Origin.EVENT: "At an event",
}


def can_view_full_evidence(user) -> bool:
    """The trustees' version (every number, none hidden): trustees, secretaries and superusers.
    Everyone else, signed in or not, sees the public version with small numbers of people hidden."""
    return user is not None and (permissions.is_trustee(user) or permissions.is_secretary(user))


# --- the period -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """The days `start` to `end` (both included) and, optionally, one body; `today` caps what has
    happened yet (Presence points, actions and reviews due)."""

    start: datetime.date
    end: datetime.date
    body: Body | None = None
    today: datetime.date = field(default_factory=timezone.localdate)

    @property
    def start_at(self) -> datetime.datetime:
        return _midnight(self.start)

    @property
    def end_at(self) -> datetime.datetime:
        """The first moment after the period (exclusive)."""
        return _midnight(self.end + datetime.timedelta(days=1))

    @property
    def last_day(self) -> datetime.date:
        """The end of the period, or today if the period runs on into the future."""
        return min(self.end, self.today)

    def previous(self) -> "Period":
        """The period of the same length just before this one (for "how that changed")."""
        length = self.end - self.start + datetime.timedelta(days=1)
        return Period(self.start - length, self.start - datetime.timedelta(days=1), self.body, self.today)

    def query(self, **extra) -> str:
        params = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.body is not None:
            params["body"] = self.body.slug
        params.update({k: v for k, v in extra.items() if v})
        return urlencode(params)

    def records_url(self, kind: str, **extra) -> str:
        return f"{reverse('governance:evidence-records', args=[kind])}?{self.query(**extra)}"

    def register_url(self, **extra) -> str:
        return f"{reverse('governance:decision-register')}?{self.query(**extra)}"


def default_period(today: datetime.date | None = None) -> Period:
    """The last twelve months: from the first of the month eleven months ago to today."""
    today = today or timezone.localdate()
    month = today.month - 11
    start = datetime.date(today.year - (month <= 0), month + 12 * (month <= 0), 1)
    return Period(start, today, today=today)


def period_from_params(params: dict) -> Period:
    """A period from plain values (`from`, `to` as ISO dates, `body` as a slug or empty), as kept in
    a long job's params or given to the command. ValueError, in plain words, if they do not make one."""
    try:
        start = datetime.date.fromisoformat(str(params.get("from") or ""))
        end = datetime.date.fromisoformat(str(params.get("to") or ""))
    except ValueError:
        raise ValueError("Give both dates as year-month-day, for example 2026-03-31.") from None
    check_dates(start, end)
    body = None
    if params.get("body"):
        body = Body.objects.filter(slug=params["body"]).first()
        if body is None:
            raise ValueError(f"There is no group called “{params['body']}”.")
    return Period(start, end, body)


def check_dates(start: datetime.date, end: datetime.date) -> None:
    """ValueError, in plain words, unless `start` is on or before `end` and they are at most MAX_YEARS apart."""
    if end < start:
        raise ValueError("The end date must be the same as or after the start date.")
    if (end - start).days > MAX_YEARS * 366:
        raise ValueError(f"Choose a period of {MAX_YEARS} years or less.")


def _midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def presence_step(period: Period) -> int:
    """Months between Presence points: 1 up to 24 months, 3 up to 120, else 12."""
    last = max(period.last_day, period.start)
    months = (last.year - period.start.year) * 12 + last.month - period.start.month + 1
    return 1 if months <= 24 else 3 if months <= 120 else 12


def presence_points(period: Period) -> list[datetime.date]:
    """Month ends in the period (quarter ends over 24 months, year ends over 120), and its last day."""
    last = period.last_day
    if last < period.start:
        return []
    step = presence_step(period)
    points, year, month = [], period.start.year, period.start.month
    while (year, month) <= (last.year, last.month):
        month_end = datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
        if month % step == 0 and month_end <= last:
            points.append(month_end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if not points or points[-1] != last:
        points.append(last)
    return points


# --- figures and the report -----------------------------------------------------------------------
@dataclass
class Figure:
    """One number (or statement) in the report, with what it is made of and where its records are.

    `people`: it counts people (or comes from a count of people), so the public version may hide it.
    `small`: the public version hides it (set in both versions, so trustees can see which).
    `suppressed`: hidden in this version; then value, numerator and denominator are None and
    `hidden_as` says why ("fewer than 5" or "hidden").
    """

    key: str
    section: str
    label: str
    value: object = None
    numerator: int | None = None
    denominator: int | None = None
    unit: str = "count"  # count | percent | days | text
    url: str = ""
    people: bool = False
    suppressed: bool = False
    small: bool = False
    hidden_as: str = ""
    note: str = ""
    previous: int | None = None  # the same count over the previous period of the same length
    previous_small: bool = False  # that count is 1 to 4, so the public version hides it

    @property
    def text(self) -> str:
        """The figure as people read it: "23 of 30 (77%)", "12 days", "fewer than 5", "No data"."""
        if self.suppressed:
            return self.hidden_as
        if self.value is None:
            return "none yet" if self.unit != "text" else "Not written yet"
        if self.unit == "percent":
            return f"{self.numerator} of {self.denominator} ({self.value}%)"
        if self.unit == "days":
            return f"{_number(self.value)} day{'' if self.value == 1 else 's'}"
        return str(self.value) if self.unit == "text" else _number(self.value)

    @property
    def change(self) -> str:
        """How the figure compares with the previous period, in words: "up 4 from 26", "the same as
        before (12)", "down 3 from 9", "fewer than 5 before"; "" when there is no previous figure or
        this one is hidden."""
        if self.suppressed or not isinstance(self.value, int) or (self.previous is None and not self.previous_small):
            return ""
        if self.previous is None:
            return f"{FEWER_THAN_5} in the previous period"
        difference = self.value - self.previous
        if difference == 0:
            return f"the same as the previous period ({self.previous})"
        return f"{'up' if difference > 0 else 'down'} {abs(difference)} from {self.previous} in the previous period"

    def as_row(self) -> dict:
        """The figure as plain values for CSV and JSON (hidden parts stay empty)."""
        return {
            "section": self.section, "key": self.key, "label": self.label,
            "value": "" if self.value is None else self.value,
            "numerator": "" if self.numerator is None else self.numerator,
            "denominator": "" if self.denominator is None else self.denominator,
            "unit": self.unit, "shown_as": self.text, "suppressed": self.suppressed,
            "previous_period": "" if self.previous is None else self.previous, "change": self.change,
            "hidden_in_public": self.small, "link": self.url,
        }


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def share(key, section, label, numerator: int, denominator: int, **fields) -> Figure:
    """A share as a whole per cent (half rounds up), or no value when there is nothing to share."""
    return Figure(key, section, label, whole_percent(numerator, denominator), numerator, denominator, unit="percent", **fields)


@dataclass
class Report:
    """Every figure in 4Pi order, plus what the pages draw: the seat series, responses by origin,
    each consultation's row, and the reasons recorded where no service-user input shaped a decision."""

    period: Period
    public: bool
    figures: list[Figure]
    statement_html: str = ""
    bodies: list[Body] = field(default_factory=list)
    points: list[datetime.date] = field(default_factory=list)
    consultations: list[dict] = field(default_factory=list)
    reasons: list[dict] = field(default_factory=list)
    narratives: dict = field(default_factory=dict)  # section key -> editors' words (HTML), figures quoted
    stories: list[dict] = field(default_factory=list)  # "you said, we did", with decisions and outcomes
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)

    def section(self, key: str) -> list[Figure]:
        return [f for f in self.figures if f.section == key]

    @property
    def sections(self) -> list[dict]:
        return [
            {"key": key, "label": label, "intro": SECTION_INTROS[key], "figures": self.headline(key),
             "narrative": self.narratives.get(key, "")}
            for key, label in SECTIONS
        ]

    @property
    def version(self) -> str:
        return "public" if self.public else "trustees"

    def seat_series(self) -> list[dict]:
        """Per body: its seat-share figure at each point, for the chart and its table."""
        return [
            {"body": body, "points": [self.figure(seat_key(body, day)) for day in self.points]}
            for body in self.bodies
        ]

    def headline(self, section: str) -> list[Figure]:
        """The section's figures other than those drawn in their own tables (seats over time, purposes,
        responses by origin and per consultation)."""
        special = ("presence.seats.", "purpose.consultation.", "process.responses.")
        return [f for f in self.section(section) if not f.key.startswith(special) or f.key == "process.responses"]

    def origins(self) -> list[Figure]:
        return [self.figure(f"process.responses.{origin.value}") for origin in ORIGINS]


def seat_key(body: Body, day: datetime.date) -> str:
    return f"presence.seats.{body.slug}.{day.isoformat()}"


# --- contributions from other apps ----------------------------------------------------------------
# Functions (period) -> [Figure] for the Process section, e.g. voting's ballots and turnout. Another
# app registers one at start-up (its AppConfig.ready), because governance may not import it.
PROCESS_SOURCES: list[Callable[[Period], list[Figure]]] = []
# kind -> function (period) -> RecordTable, for the records behind those figures.
RECORD_SOURCES: dict[str, Callable] = {}


def register_process_source(fn: Callable[[Period], list[Figure]], *, records: dict | None = None) -> None:
    """Add `fn`'s figures to every report (idempotent), and its record lists by kind."""
    if fn not in PROCESS_SOURCES:
        PROCESS_SOURCES.append(fn)
    RECORD_SOURCES.update(records or {})


# Figures from apps above governance, e.g. proposals' (raised, answered in time, heard back): functions
# (period) -> [Figure], each figure naming its section; registered from the app's AppConfig.ready().
EXTRA_FIGURES: list[Callable[[Period], list[Figure]]] = []


def register_extra_figures(fn: Callable[[Period], list[Figure]]) -> None:
    """Add `fn`'s figures to every report, each in the section it names (idempotent)."""
    if fn not in EXTRA_FIGURES:
        EXTRA_FIGURES.append(fn)


def extra_figures(period: Period) -> list[Figure]:
    """Every registered app's figures, checked to name a section of the report."""
    found = [figure for fn in EXTRA_FIGURES for figure in fn(period)]
    strays = sorted({f.key for f in found if f.section not in dict(SECTIONS)})
    if strays:
        raise ValueError(f"Evidence figures outside the report's sections: {', '.join(strays)}.")
    return found


# People who took part, by route. Each source returns {route key: (label, account ids, people without a
# name)}; voting adds ballots from its AppConfig.ready(), because governance may not import it.
INVOLVEMENT_SOURCES: list[Callable[[Period], dict[str, tuple[str, set, int]]]] = []


def register_involvement_source(fn: Callable[[Period], dict[str, tuple[str, set, int]]]) -> None:
    """Add `fn`'s routes to "People who took part" in every report (idempotent)."""
    if fn not in INVOLVEMENT_SOURCES:
        INVOLVEMENT_SOURCES.append(fn)


def involvement(period: Period, pages) -> dict[str, tuple[str, set, int]]:
    """{route: (label, ids of people with an account, people without a name)} for the period.

    Responses: sent to `pages` (a list or a query), the consultations the report covers (live, and
    public in the public version, as "Responses sent" counts them); a named or
    assisted response with an account counts that person once, however many they sent; one sent
    without a name counts as one person, since nothing can tell two of them apart. Meetings: people
    present at meetings held in the period, other than the secretary (who records, not takes part).
    Two queries, plus one per registered source.
    """
    sent = Response.objects.filter(consultation__in=pages, status=Response.Status.SUBMITTED)
    found = {o.value: (set(), 0) for o in ORIGINS}
    rows = sent.values("origin", "respondent_id").annotate(n=Count("pk")).order_by()
    for row in rows:
        ids, unnamed = found[row["origin"]]
        if row["respondent_id"] is None:
            found[row["origin"]] = (ids, unnamed + row["n"])
        else:
            ids.add(row["respondent_id"])
    routes = {f"responses.{o.value}": (ORIGIN_LABELS[o].lower(), *found[o.value]) for o in ORIGINS}
    present = Attendance.objects.filter(meeting__in=held_meetings(period), status=Attendance.Status.PRESENT)
    routes["meetings"] = ("at meetings", set(present.exclude(role=Membership.Role.SECRETARY)
                                             .values_list("person_id", flat=True).distinct()), 0)
    for source in INVOLVEMENT_SOURCES:
        routes.update(source(period))
    return routes


def people_figures(period: Period, pages: list[ConsultationPage], *, public: bool) -> list[Figure]:
    """People who took part in the period, in all and by route, each beside the previous period of the
    same length. A person with an account is counted once in all, however many routes they took."""
    earlier = period.previous()
    now = involvement(period, [page.pk for page in pages])
    before = involvement(earlier, consultations_open_in(earlier, public=public).values("pk"))
    url = period.records_url("consultations")

    def everyone(routes) -> int:
        return len(set().union(*(ids for _label, ids, _n in routes.values()))) + sum(n for *_x, n in routes.values())

    figures = [Figure("process.people", "process", "People who took part (each person once)", everyone(now),
                      people=True, previous=everyone(before), url=url)]
    for key, (label, ids, unnamed) in now.items():
        earlier = before.get(key, (label, set(), 0))
        figures.append(Figure(f"process.people.{key}", "process", f"People who took part: {label}",
                              len(ids) + unnamed, people=True, previous=len(earlier[1]) + earlier[2], url=url))
    return figures


# --- computing the report -------------------------------------------------------------------------
def evidence_report(*, period: Period, public: bool) -> Report:
    """The whole report for `period` (public: small numbers hidden). A fixed number of queries."""
    bodies = [period.body] if period.body is not None else list(Body.objects.order_by("name"))
    pages = consultations_in(period, public=public)
    report = Report(period=period, public=public, figures=[], bodies=bodies, points=presence_points(period))
    report.narratives = report_words(period.last_day)
    report.statement_html = report.narratives.pop("principles", "")
    report.figures += principles_figures(report.statement_html)
    report.figures += purpose_figures(period, pages)
    report.figures += presence_figures(period, bodies, report.points)
    process, report.consultations = process_figures(period, pages)
    report.figures += people_figures(period, pages, public=public) + process
    for source in PROCESS_SOURCES:
        report.figures += source(period)
    report.figures += impact_figures(period, pages)
    report.figures += extra_figures(period)
    report.reasons = no_input_reasons(period)
    report.stories = you_said_we_did(period)
    suppress(report.figures, public=public, partitions=partitions(report))
    return report


# What editors type in text to quote a group's lived-experience seats: {seats:TB} for the body coded TB.
SEAT_PLACEHOLDER = re.compile(r"\{seats:([A-Za-z0-9_-]{1,12})\}")


STORY_FIELDS = {
    "principles": "involvement_statement", "purpose": "evidence_purpose_story",
    "presence": "evidence_presence_story", "process": "evidence_process_story", "impact": "evidence_impact_story",
}


def report_words(on: datetime.date | None = None) -> dict[str, str]:
    """{section key: what editors wrote for it (HTML)}, each {seats:CODE} quoted for `on`: the involvement
    statement for Principles, a short story for each other section (one query)."""
    settings = SiteSettings.objects.filter(site__is_default_site=True).only(*STORY_FIELDS.values()).first()
    if settings is None:
        return {}
    return {key: quote_figures(getattr(settings, name), on) for key, name in STORY_FIELDS.items() if getattr(settings, name)}


def you_said_we_did(period: Period) -> list[dict]:
    """Each "we did" statement published in the period, oldest first: what people said (the theme and
    its consultation), what we did, and the decisions that cited either, with their outcomes (three
    queries). For the period's body, only stories one of its decisions cited.

    Each decision is listed once per theme, however many links it has: under the first of the
    theme's statements that cites it, or, when only the theme is cited, under the theme's first story."""
    statements = list(
        ResponseStatement.objects.filter(published=True, published_at__gte=period.start_at, published_at__lt=period.end_at)
        .select_related("theme__consultation").order_by("published_at", "pk")
    )
    links = EvidenceLink.objects.filter(
        Q(statement__in=[s.pk for s in statements]) | Q(theme__in={s.theme_id for s in statements})
    ).select_related("decision").order_by("decision__decided_on", "decision__reference")
    if period.body is not None:
        links = links.filter(decision__body=period.body)
    cited: dict[tuple[str, int], list[Decision]] = {}
    for link in links:
        for key in (("statement", link.statement_id), ("theme", link.theme_id)):
            if key[1] and link.decision not in cited.setdefault(key, []):
                cited[key].append(link.decision)
    outcomes: dict[int, list[str]] = {}
    decision_ids = {d.pk for decisions in cited.values() for d in decisions}
    for outcome in Outcome.objects.filter(decision__in=decision_ids).order_by("recorded_at", "pk"):
        outcomes.setdefault(outcome.decision_id, []).append(outcome.what_changed)
    placed: dict[tuple[int, int], int] = {}  # (theme id, decision id) -> the statement listing it
    for statement in statements:
        for decision in cited.get(("statement", statement.pk), []):
            placed.setdefault((statement.theme_id, decision.pk), statement.pk)
    for statement in statements:
        for decision in cited.get(("theme", statement.theme_id), []):
            placed.setdefault((statement.theme_id, decision.pk), statement.pk)
    stories = []
    for statement in statements:
        related = cited.get(("statement", statement.pk), []) + [
            d for d in cited.get(("theme", statement.theme_id), []) if d not in cited.get(("statement", statement.pk), [])
        ]
        if period.body is not None and not related:
            continue
        decisions = [d for d in related if placed[(statement.theme_id, d.pk)] == statement.pk]
        page = statement.theme.consultation
        stories.append({
            "you_said": statement.theme.name, "summary": statement.theme.summary, "consultation": page.title,
            "consultation_url": page.get_url() or "", "we_did": statement.text,
            "on": timezone.localdate(statement.published_at),
            "decisions": [{"reference": d.reference, "title": d.title, "url": _decision_url(d.reference),
                           "outcomes": outcomes.get(d.pk, [])} for d in decisions],
        })
    return stories


def _decision_url(reference: str) -> str:
    return reverse("governance:decision-detail", args=[reference])


def quote_figures(text: str, on: datetime.date | None = None) -> str:
    """`text` with each {seats:CODE} replaced by the group's seat figure and its day ("5 of 7 voting
    seats (71%) on 6 December 2026"), from the same selector as the group page and the report, so a
    typed number can never disagree with them. An unknown code is shown as such, for the editor to fix."""
    codes = set(SEAT_PLACEHOLDER.findall(text))
    if not codes:
        return text
    day = on or timezone.localdate()
    bodies = {b.code.upper(): b for b in Body.objects.filter(code__in={c.upper() for c in codes} | codes)}
    shares = seat_shares(bodies.values(), [day])

    def figure(match: re.Match) -> str:
        body = bodies.get(match.group(1).upper())
        if body is None:
            return f"[no group has the code {match.group(1)}]"
        return f"{shares[(body.pk, day)].figure} on {day.day} {day:%B %Y}"

    return SEAT_PLACEHOLDER.sub(figure, text)


def consultations_in(period: Period, *, public: bool) -> list[ConsultationPage]:
    """Live consultations open at any time in the period, first opened first (public: only pages
    without view restrictions)."""
    return list(
        consultations_open_in(period, public=public)
        .only("title", "slug", "url_path", "purpose", "easy_read_summary", "opens_at", "closes_at")
        .order_by("opens_at", "pk")
    )


def consultations_open_in(period: Period, *, public: bool):
    """The pages `consultations_in` lists, as a query (to use inside another without a round trip)."""
    pages = ConsultationPage.objects.live()
    if public:
        pages = pages.public()
    return pages.filter(opens_at__lt=period.end_at, closes_at__gte=period.start_at)


def plain_text(html: str) -> str:
    """Rich text as one line of plain words: a paragraph, list item or line break ends in a space, so
    "seats.</p><p>We" reads "seats. We" (strip_tags alone ran them together)."""
    return " ".join(strip_tags(BLOCK_END.sub(" ", html or "")).split())


BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|div|blockquote)>|<br\s*/?>", re.IGNORECASE)


def principles_figures(statement_html: str) -> list[Figure]:
    text = plain_text(statement_html)
    return [Figure("principles.statement", "principles", "Our involvement statement", text or None, unit="text")]


def purpose_figures(period: Period, pages: list[ConsultationPage]) -> list[Figure]:
    stated = [page for page in pages if page.purpose.strip()]
    figures = [
        share("purpose.stated", "purpose", "Consultations that say what they are for", len(stated), len(pages),
              url=period.records_url("consultations"))
    ]
    for page in pages:
        figures.append(Figure(f"purpose.consultation.{page.pk}", "purpose", page.title,
                              page.purpose.strip() or None, unit="text", url=page.get_url() or ""))
    return figures


# --- Presence -------------------------------------------------------------------------------------
def presence_figures(period: Period, bodies: list[Body], points: list[datetime.date]) -> list[Figure]:
    return seat_figures(period, bodies, points) + attendance_figures(period) + meeting_figures(period)


def seat_figures(period: Period, bodies: list[Body], points: list[datetime.date]) -> list[Figure]:
    """Lived-experience seats among voting seats on each body at each point (`selectors.seat_shares`,
    the same figure the group page shows)."""
    shares = seat_shares(bodies, points)
    return [
        share(seat_key(body, day), "presence", f"{body.name}: lived-experience seats on {day.day} {day:%B %Y}",
              shares[(body.pk, day)].lived, shares[(body.pk, day)].total, people=True,
              url=period.records_url("seats", body=body.slug))
        for body in bodies for day in points
    ]


def held_meetings(period: Period):
    meetings = Meeting.objects.filter(
        status=Meeting.Status.HELD, starts_at__gte=period.start_at, starts_at__lt=period.end_at
    )
    return meetings.filter(body=period.body) if period.body is not None else meetings


def attendance_figures(period: Period) -> list[Figure]:
    """Voting members present at held meetings, by the seat copied onto each attendance row (one
    query). A row with no seat copied is left out."""
    rows = Attendance.objects.filter(meeting__in=held_meetings(period), role__in=QUORUM_ROLES)
    present = Q(status=Attendance.Status.PRESENT)
    found = rows.aggregate(
        lived_present=Count("pk", filter=Q(seat=LIVED) & present),
        lived_expected=Count("pk", filter=Q(seat=LIVED)),
        general_present=Count("pk", filter=Q(seat=GENERAL) & present),
        general_expected=Count("pk", filter=Q(seat=GENERAL)),
    )
    url = period.records_url("meetings")
    figures = []
    for name, words in (("lived", "lived-experience seats"), ("general", "general seats")):
        present, expected = found[f"{name}_present"], found[f"{name}_expected"]
        figures.append(Figure(f"presence.attendance.{name}.present", "presence",
                              f"Times members in {words} came to a meeting", present, people=True, url=url))
        figures.append(share(f"presence.attendance.{name}.rate", "presence",
                             f"Attendance of members in {words}", present, expected, people=True, url=url))
    return figures


def meeting_figures(period: Period) -> list[Figure]:
    """Held meetings, quorate ones, and those that met their body's lived-experience quorum, from each
    meeting's snapshot against the body's lived-experience quorum (one query)."""
    has_quorum = Q(body__lived_experience_quorum__isnull=False)
    found = held_meetings(period).aggregate(
        held=Count("pk"),
        quorate=Count("pk", filter=Q(quorate=True)),
        with_quorum=Count("pk", filter=has_quorum),
        met=Count("pk", filter=has_quorum & Q(lived_experience_present__gte=F("body__lived_experience_quorum"))),
    )
    url = period.records_url("meetings")
    return [
        Figure("presence.meetings.held", "presence", "Meetings held", found["held"], url=url),
        share("presence.meetings.quorate", "presence", "Meetings that were quorate", found["quorate"], found["held"],
              url=url),
        share("presence.meetings.lived_quorum", "presence",
              "Meetings that met their lived-experience quorum (of meetings of groups that set one)",
              found["met"], found["with_quorum"], url=url),
    ]


# --- Process --------------------------------------------------------------------------------------
def process_figures(period: Period, pages: list[ConsultationPage]) -> tuple[list[Figure], list[dict]]:
    """Consultations run, easy read versions, days open; submitted responses by origin, overall and per
    consultation (one GROUP BY query over responses)."""
    counts = {}
    if pages:
        counts = {
            (row["consultation_id"], row["origin"]): row["n"]
            for row in Response.objects.filter(consultation_id__in=[p.pk for p in pages], status=Response.Status.SUBMITTED)
            .values("consultation_id", "origin").annotate(n=Count("pk")).order_by()
        }
    url = period.records_url("consultations")
    easy_read = [p for p in pages if strip_tags(p.easy_read_summary or "").strip()]
    days_open = [_days(p.opens_at, p.closes_at) for p in pages]
    figures = [
        Figure("process.consultations", "process", "Consultations open in this period", len(pages), url=url),
        share("process.easy_read", "process", "Consultations with an easy read version", len(easy_read), len(pages),
              url=url),
        Figure("process.days_open", "process", "Days each consultation was open (median)",
               _median(days_open), unit="days", url=url),
    ]
    total = sum(counts.values())
    figures.append(Figure("process.responses", "process", "Responses sent", total, people=True, url=url))
    for origin in ORIGINS:
        n = sum(v for (_page, o), v in counts.items() if o == origin)
        figures.append(Figure(f"process.responses.{origin.value}", "process", f"Responses sent: {ORIGIN_LABELS[origin].lower()}",
                              n, people=True, url=url))
    rows = []
    for page, days in zip(pages, days_open):
        by_origin = {o.value: counts.get((page.pk, o.value), 0) for o in ORIGINS}
        responses = Figure(f"process.responses.consultation.{page.pk}", "process", f"Responses to “{page.title}”",
                           sum(by_origin.values()), people=True, url=url)
        figures.append(responses)
        rows.append({"page": page, "days_open": days, "easy_read": page in easy_read, "responses": responses})
    return figures, rows


def _days(start: datetime.datetime, end: datetime.datetime) -> int:
    """Whole days between two moments, by the local calendar (never below 0)."""
    return max(0, (timezone.localdate(end) - timezone.localdate(start)).days)


def _median(values: list[int]):
    if not values:
        return None
    middle = statistics.median(values)
    return int(middle) if float(middle).is_integer() else float(middle)


# --- Impact ---------------------------------------------------------------------------------------
def _decisions(period: Period):
    decisions = Decision.objects.filter(decided_on__gte=period.start, decided_on__lte=period.end)
    return decisions.filter(body=period.body) if period.body is not None else decisions


def impact_figures(period: Period, pages: list[ConsultationPage]) -> list[Figure]:
    return decision_figures(period) + theme_figures(period, pages) + action_figures(period) + outcome_figures(period)


def decision_figures(period: Period) -> list[Figure]:
    # The conditions go straight into the counts: Django can drop an annotation an aggregate filters on.
    found = _decisions(period).aggregate(total=Count("pk"), shaped=Count("pk", filter=Q(shaped_by_input())))
    total, shaped = found["total"], found["shaped"]
    return [
        Figure("impact.decisions", "impact", "Decisions made", total, url=period.register_url()),
        share("impact.decisions.cite_input", "impact", "Decisions that cite what service users said", shaped, total,
              url=period.register_url(shaped="yes")),
        Figure("impact.decisions.no_input", "impact", "Decisions with no service-user input (the reason is recorded)",
               total - shaped, url=period.register_url(shaped="no")),
    ]


def no_input_reasons(period: Period) -> list[dict]:
    """Decisions in the period that cite no service-user input, newest first, with the reason given."""
    rows = (
        _decisions(period).annotate(shaped=shaped_by_input()).filter(shaped=False)
        .order_by("-decided_on", "-reference").values_list("reference", "title", "decided_on", "no_input_reason")
    )
    return [
        {"reference": ref, "title": title, "decided_on": on, "reason": reason,
         "url": reverse("governance:decision-detail", args=[ref])}
        for ref, title, on, reason in rows
    ]


def theme_days(pages: list[ConsultationPage], now: datetime.datetime) -> list[tuple[Theme, int | None]]:
    """Themes of the consultations that have closed, each with the days from closing to its first
    published "we did" (0 if it came before the close), or None while there is none (one query)."""
    closes = {p.pk: p.closes_at for p in pages if p.closes_at <= now}
    themes = (
        Theme.objects.filter(consultation_id__in=list(closes))
        .annotate(first_published=Min("statements__published_at", filter=Q(statements__published=True)))
        .only("name", "consultation_id").order_by("consultation_id", "name")
    )
    return [
        (theme, _days(closes[theme.consultation_id], theme.first_published) if theme.first_published else None)
        for theme in themes
    ]


def theme_figures(period: Period, pages: list[ConsultationPage]) -> list[Figure]:
    found = theme_days(pages, timezone.now())
    answered = [days for _theme, days in found if days is not None]
    url = period.records_url("themes")
    return [
        share("impact.themes.we_did", "impact", "Themes from closed consultations with a published “we did”",
              len(answered), len(found), url=url),
        Figure("impact.themes.days_to_we_did", "impact", "Days from a consultation closing to its “we did” (median)",
               _median(answered), unit="days", url=url),
    ]


def first_done_on() -> TruncDate:
    """The day an action was first marked done, from its history table."""
    first_done = Action.history.filter(id=OuterRef("pk"), status=Action.Status.DONE).order_by("history_date")
    return TruncDate(Subquery(first_done.values("history_date")[:1]))


def actions_due(period: Period):
    """Actions due in the period up to today, not cancelled (for the period's body, if it has one)."""
    actions = Action.objects.filter(due_on__gte=period.start, due_on__lte=period.last_day).exclude(
        status=Action.Status.CANCELLED
    )
    return actions.filter(decision__body=period.body) if period.body is not None else actions


def action_figures(period: Period) -> list[Figure]:
    on_time = Q(status=Action.Status.DONE) & Q(LessThanOrEqual(first_done_on(), F("due_on")))
    found = actions_due(period).aggregate(due=Count("pk"), on_time=Count("pk", filter=on_time))
    return [
        share("impact.actions.on_time", "impact", "Actions due that were done on time", found["on_time"], found["due"],
              url=period.records_url("actions")),
    ]


def looked_at_again() -> Exists:
    """True when a later outcome for the same decision was recorded on or after this one's "look
    again" date."""
    later = Outcome.objects.annotate(day=TruncDate("recorded_at")).filter(
        decision_id=OuterRef("decision_id"), day__gte=OuterRef("review_on")
    ).exclude(pk=OuterRef("pk"))
    return Exists(later)


def outcomes_in(period: Period):
    """Outcomes of the period's body's decisions (every body's without one)."""
    outcomes = Outcome.objects.all()
    return outcomes.filter(decision__body=period.body) if period.body is not None else outcomes


def outcome_figures(period: Period) -> list[Figure]:
    review_due = Q(review_on__gte=period.start, review_on__lte=period.last_day)
    found = outcomes_in(period).aggregate(
        recorded=Count("pk", filter=Q(recorded_at__gte=period.start_at, recorded_at__lt=period.end_at)),
        due=Count("pk", filter=review_due),
        reviewed=Count("pk", filter=review_due & Q(looked_at_again())),
    )
    url = period.records_url("outcomes")
    return [
        Figure("impact.outcomes.recorded", "impact", "Outcomes recorded", found["recorded"], url=url),
        share("impact.outcomes.reviewed", "impact", "Outcomes looked at again when planned", found["reviewed"],
              found["due"], url=url),
    ]


# --- small numbers --------------------------------------------------------------------------------
def is_small(n: int | None) -> bool:
    return n is not None and 0 < n < THRESHOLD


def partitions(report: Report) -> list[tuple[str, list[str]]]:
    """(total key, part keys) where the parts add up to a total that is shown."""
    pages = [row["page"].pk for row in report.consultations]
    return [
        ("process.responses", [f"process.responses.{o.value}" for o in ORIGINS]),
        ("process.responses", [f"process.responses.consultation.{pk}" for pk in pages]),
    ]


def suppress(figures: list[Figure], *, public: bool, partitions=()) -> None:
    """Mark figures the public version hides (`small`), and hide them if `public` (see the module
    docstring for the rules). Partitions: if only one part of a shown total is hidden, hide the next
    smallest part too."""
    by_key = {f.key: f for f in figures}
    for figure in figures:
        if not figure.people:
            continue
        if figure.unit == "percent":
            rest = None if figure.denominator is None else figure.denominator - figure.numerator
            if any(is_small(n) for n in (figure.numerator, figure.denominator, rest)):
                _mark(figure, FEWER_THAN_5 if is_small(figure.numerator) else HIDDEN)
        elif isinstance(figure.value, int) and is_small(figure.value):
            _mark(figure, FEWER_THAN_5)
        figure.previous_small = is_small(figure.previous) if figure.people else False
    for total_key, keys in partitions:
        parts = [by_key[k] for k in keys if k in by_key]
        total = by_key.get(total_key)
        hidden = [p for p in parts if p.small]
        if total is not None and not total.small and len(hidden) == 1:
            others = [p for p in parts if not p.small and p.value]
            if others:
                _mark(min(others, key=lambda p: p.value), HIDDEN)
    if public:
        for figure in figures:
            if figure.small:
                figure.suppressed = True
                figure.value = figure.numerator = figure.denominator = None
                figure.url = ""  # its records would show what is hidden
            if figure.previous_small:
                figure.previous = None


def _mark(figure: Figure, hidden_as: str) -> None:
    figure.small = True
    figure.hidden_as = figure.hidden_as or hidden_as
