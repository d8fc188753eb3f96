"""The records behind the evidence report's figures, for kinds with no list page of their own.

Decisions link to the decision register (filtered by body, dates and whether they cite service-user
input); everything else links here: /governance/evidence/records/<kind>/?from=...&to=...&body=...

The public version never shows a count of people that the report hides, nor one that would let a
hidden figure be worked out: people counts appear only as the report's own (already suppressed)
figures, and per-record counts of people (who came to a meeting, responses by origin per consultation,
ballot rolls) are for the trustees' version only. Each list is one or two queries.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from consultations.models import Response

from .evidence import (
    LIVED,
    ORIGIN_LABELS,
    ORIGINS,
    RECORD_SOURCES,
    Period,
    actions_due,
    consultations_in,
    first_done_on,
    held_meetings,
    looked_at_again,
    outcomes_in,
    presence_points,
    process_figures,
    seat_figures,
    suppress,
    theme_days,
)
from .models import Membership
from .selectors import QUORUM_ROLES


@dataclass
class Cell:
    text: str
    url: str = ""


@dataclass
class RecordTable:
    """A titled table: column headings, which columns are numbers, and rows of cells."""

    title: str
    intro: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    numeric: set[int] = field(default_factory=set)
    note: str = ""


def _date(value) -> str:
    if value is None:
        return "–"
    if hasattr(value, "hour"):
        value = timezone.localdate(value)
    return f"{value.day} {value:%b %Y}"


def _yes(flag) -> str:
    return "Yes" if flag else "No"


# --- consultations --------------------------------------------------------------------------------
def consultation_records(period: Period, *, public: bool) -> RecordTable:
    """Each consultation open in the period: dates, days open, easy read, purpose, responses (as the
    report shows them); the trustees' version adds responses by origin."""
    pages = consultations_in(period, public=public)
    figures, rows = process_figures(period, pages)
    suppress(figures, public=public, partitions=[
        ("process.responses", [f"process.responses.{o.value}" for o in ORIGINS]),
        ("process.responses", [f"process.responses.consultation.{p.pk}" for p in pages]),
    ])
    columns = ["Consultation", "Opened", "Closed", "Days open", "Easy read", "Purpose", "Responses"]
    if not public:
        columns += [ORIGIN_LABELS[o] for o in ORIGINS]
    table = RecordTable(
        "Consultations", "Consultations open at any time in this period, for the whole organisation.", columns,
        numeric={3, 6} | (set(range(7, 7 + len(ORIGINS))) if not public else set()),
    )
    by_origin = _origin_counts(pages) if not public else {}
    for row in rows:
        page = row["page"]
        cells = [Cell(page.title, page.get_url() or ""), Cell(_date(page.opens_at)), Cell(_date(page.closes_at)),
                 Cell(str(row["days_open"])), Cell(_yes(row["easy_read"])), Cell(page.purpose or "Not stated"),
                 Cell(row["responses"].text)]
        if not public:
            cells += [Cell(str(by_origin.get((page.pk, o.value), 0))) for o in ORIGINS]
        table.rows.append(cells)
    return table


def _origin_counts(pages) -> dict:
    return {
        (row["consultation_id"], row["origin"]): row["n"]
        for row in Response.objects.filter(consultation_id__in=[p.pk for p in pages], status=Response.Status.SUBMITTED)
        .values("consultation_id", "origin").annotate(n=Count("pk")).order_by()
    }


# --- seats ----------------------------------------------------------------------------------------
def seat_records(period: Period, *, public: bool) -> RecordTable:
    """The body's seat share at each point (as the report shows it); the trustees' version adds the
    terms behind it: role, seat and dates, never names (who holds a lived-experience seat is private)."""
    if period.body is None:
        return RecordTable("Seats", "Choose a group to see its seats.", [])
    points = presence_points(period)
    figures = seat_figures(period, [period.body], points)
    suppress(figures, public=public)
    table = RecordTable(
        f"Seats on {period.body.name}",
        "Lived-experience seats among all voting seats (chair, vice chair, trustees, members, co-opted members) "
        "on each day, from the dates of each term.",
        ["Day", "Lived-experience seats"],
        rows=[[Cell(_date(day)), Cell(figure.text)] for day, figure in zip(points, figures)],
    )
    if not public:
        terms = Membership.objects.filter(body=period.body, role__in=QUORUM_ROLES, starts_on__lte=period.end).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=period.start)
        ).order_by("starts_on", "pk")
        table.note = "Terms that cover part of the period (for trustees; no names): " + "; ".join(
            f"{m.get_role_display()}, {'lived-experience' if m.seat == LIVED else 'general'} seat, "
            f"{_date(m.starts_on)} to {_date(m.ends_on) if m.ends_on else 'now'}"
            for m in terms
        )
    return table


# --- meetings -------------------------------------------------------------------------------------
def meeting_records(period: Period, *, public: bool) -> RecordTable:
    """Held meetings in the period: quorate, the lived-experience quorum and whether it was met (from
    the meeting's snapshot); the trustees' version adds how many came."""
    meetings = held_meetings(period).select_related("body").order_by("starts_at", "pk")
    columns = ["Meeting", "Group", "Date", "Quorate", "Lived-experience quorum", "Met it"]
    if not public:
        columns += ["Members present", "In lived-experience seats"]
    table = RecordTable("Meetings held", "Meetings held in this period, with the figures kept when each was held.",
                        columns, numeric={4} | ({6, 7} if not public else set()))
    for meeting in meetings:
        needed = meeting.body.lived_experience_quorum
        met = "Not set" if needed is None else _yes((meeting.lived_experience_present or 0) >= needed)
        cells = [Cell(meeting.title), Cell(meeting.body.name), Cell(_date(meeting.starts_at)),
                 Cell(_yes(meeting.quorate)), Cell("–" if needed is None else str(needed)), Cell(met)]
        if not public:
            cells += [Cell(str(meeting.members_present)), Cell(str(meeting.lived_experience_present))]
        table.rows.append(cells)
    return table


# --- themes, actions, outcomes --------------------------------------------------------------------
def theme_records(period: Period, *, public: bool) -> RecordTable:
    """Themes of the consultations that have closed, with their first published "we did"."""
    pages = consultations_in(period, public=public)
    by_pk = {p.pk: p for p in pages}
    table = RecordTable(
        "Themes and “we did” responses",
        "What people told us in consultations that have closed, and when we first published what we did about it.",
        ["Theme", "Consultation", "Closed", "“We did” published", "Days after closing"], numeric={4},
    )
    for theme, days in theme_days(pages, timezone.now()):
        page = by_pk[theme.consultation_id]
        table.rows.append([
            Cell(theme.name), Cell(page.title, page.get_url() or ""), Cell(_date(page.closes_at)),
            Cell(_date(theme.first_published) if days is not None else "Not yet"),
            Cell("–" if days is None else str(days)),
        ])
    return table


def action_records(period: Period, *, public: bool) -> RecordTable:
    """Actions due in the period (up to today), with the day each was done and whether that was on time."""
    actions = actions_due(period).annotate(done_on=first_done_on()).select_related("decision").order_by("due_on", "pk")
    table = RecordTable("Actions due", "Actions due in this period, up to today. Cancelled actions are left out.",
                        ["Action", "Decision", "Due", "Status", "Done on", "On time"])
    for action in actions:
        on_time = action.status == action.Status.DONE and action.done_on is not None and action.done_on <= action.due_on
        table.rows.append([
            Cell(action.title), Cell(action.decision.reference, _decision_url(action.decision.reference)),
            Cell(_date(action.due_on)), Cell(action.status_text),
            Cell(_date(action.done_on) if action.status == action.Status.DONE else "–"), Cell(_yes(on_time)),
        ])
    return table


def outcome_records(period: Period, *, public: bool) -> RecordTable:
    """Outcomes recorded in the period, or due to be looked at again in it."""
    in_period = Q(recorded_at__gte=period.start_at, recorded_at__lt=period.end_at) | Q(
        review_on__gte=period.start, review_on__lte=period.last_day
    )
    outcomes = (
        outcomes_in(period).filter(in_period).annotate(reviewed=looked_at_again())
        .select_related("decision").order_by("recorded_at", "pk")
    )
    table = RecordTable(
        "Outcomes",
        "Outcomes recorded in this period, or due to be looked at again in it. An outcome counts as looked at again "
        "when a later outcome for the same decision was recorded on or after its “look again” date.",
        ["Decision", "What changed", "Recorded", "Look again on", "Looked at again"],
    )
    for outcome in outcomes:
        table.rows.append([
            Cell(outcome.decision.reference, _decision_url(outcome.decision.reference)),
            Cell(outcome.what_changed[:200]), Cell(_date(outcome.recorded_at)), Cell(_date(outcome.review_on)),
            Cell("–" if outcome.review_on is None else _yes(outcome.reviewed)),
        ])
    return table


def _decision_url(reference: str) -> str:
    return reverse("governance:decision-detail", args=[reference])


KINDS = {
    "consultations": consultation_records,
    "seats": seat_records,
    "meetings": meeting_records,
    "themes": theme_records,
    "actions": action_records,
    "outcomes": outcome_records,
}


def records_for(kind: str):
    """The function listing `kind` (ours, or one another app registered), or None."""
    return KINDS.get(kind) or RECORD_SOURCES.get(kind)
