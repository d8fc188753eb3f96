"""Reads for governance: quorum, the register, a decision's story, who leads a body, calendars.

Every public read runs a fixed number of queries however many decisions, links or actions exist:
lists are `select_related`/`prefetch_related`, counts are SQL aggregates.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Value, When, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone

from .labels import outcome_words, relation_sentence
from .models import Action, Attendance, Body, Decision, EvidenceLink, Meeting, Membership, Outcome

SUPPRESS_BELOW = 5
SUPPRESSED_LABEL = "fewer than 5"
# How many decisions a theme or statement lists in "you said, we did" before linking to the register.
CITED_SHOWN = 5

# Only these roles count towards quorum: observers and the secretary do not vote.
QUORUM_ROLES = sorted(Membership.VOTING_ROLES)
SERVICE_USER_INPUT = Q(consultation__isnull=False) | Q(theme__isnull=False) | Q(statement__isnull=False)


# --- membership -----------------------------------------------------------------------------------
# Chair first, then vice chair, trustees, members... as the roles are listed, not alphabetically.
ROLE_ORDER = Case(*[When(role=role, then=Value(n)) for n, role in enumerate(Membership.Role.values)])

def current_memberships(body: Body, on: datetime.date | None = None) -> QuerySet:
    """The body's memberships whose term covers `on` (today by default), with each person, one query."""
    on = on or timezone.localdate()
    return (
        Membership.objects.filter(body=body, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .select_related("person")
        .order_by(ROLE_ORDER, "person__display_name", "pk")
    )


def membership_of(body: Body, person, on: datetime.date | None = None) -> Membership | None:
    return current_memberships(body, on).filter(person=person).first()


# --- quorum ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Quorum:
    """Who is present as recorded now, against what the body needs. `quorate` needs both figures."""

    present: int
    needed: int
    lived_present: int
    lived_needed: int | None

    @property
    def quorate(self) -> bool:
        lived_ok = self.lived_needed is None or self.lived_present >= self.lived_needed
        return self.present >= self.needed and lived_ok

    @property
    def sentence(self) -> str:
        """E.g. "Quorate: 5 of 4 needed; 3 with lived experience of 2 needed"."""
        head = "Quorate" if self.quorate else "Not quorate"
        lived = f"{self.lived_present} with lived experience"
        lived += f" of {self.lived_needed} needed" if self.lived_needed is not None else " (no minimum set)"
        return f"{head}: {self.present} of {self.needed} needed; {lived}"


def meeting_quorum(meeting: Meeting) -> Quorum:
    """Voting members marked present and how many of them hold lived-experience seats (one query).

    Counts the role and seat copied onto each attendance row, so a later change of membership does
    not change a past meeting's figures.
    """
    counts = Attendance.objects.filter(
        meeting=meeting, status=Attendance.Status.PRESENT, role__in=QUORUM_ROLES
    ).aggregate(
        present=Count("pk"), lived=Count("pk", filter=Q(seat=Membership.Seat.LIVED_EXPERIENCE))
    )
    body = meeting.body
    return Quorum(counts["present"], body.quorum, counts["lived"], body.lived_experience_quorum)


def present_people(meeting: Meeting) -> list:
    """The people marked present at `meeting` (for mover and seconder), by name."""
    rows = Attendance.objects.filter(meeting=meeting, status=Attendance.Status.PRESENT).select_related("person")
    return sorted((row.person for row in rows), key=lambda p: (p.display_name, p.pk))


# --- the register ---------------------------------------------------------------------------------
# Other service-user input a decision can answer, from the apps above governance (a members' proposal):
# each source gives an Exists over its own rows for the decision OuterRef("pk"). Registered at start-up.
INPUT_SOURCES: list[Callable[[], Exists]] = []


# ... and, for the decision page, what that input was: `lines(decision) -> list[InputLine]` (one query).
INPUT_LINES: list[Callable] = []


@dataclass
class InputLine:
    """Service-user input from another app that a decision answers, as the decision page shows it."""

    what: str  # "A proposal that members raised and supported"
    title: str
    url: str
    text: str = ""


def register_input_source(source: Callable[[], Exists], lines: Callable | None = None) -> None:
    """Count decisions that `source()` finds as shaped by service-user input (in the register and report),
    and show on the decision page what `lines(decision)` gives."""
    INPUT_SOURCES.append(source)
    if lines is not None:
        INPUT_LINES.append(lines)


def shaped_by_input() -> Exists | Q:
    """True when a decision cites a consultation, a theme or a 'we did' statement, or answers service-user
    input another app registered (a members' proposal)."""
    shaped = Exists(EvidenceLink.objects.filter(SERVICE_USER_INPUT, decision=OuterRef("pk")))
    for source in INPUT_SOURCES:
        shaped = shaped | source()
    return shaped


def decision_register(
    *, body: Body | None = None, year: int | None = None, outcome: str = "", shaped: str = "",
    meeting_id: int | None = None, theme_id: int | None = None,
) -> QuerySet:
    """Decisions, newest first, filtered; each with its body and a `shaped` flag (one query a page).

    `shaped` is "yes" (cites service-user input), "no" (records why not) or "" (both). `meeting_id`
    keeps one meeting's decisions (the minutes link here when they list only the first few);
    `theme_id` keeps the decisions citing a consultation theme or one of its statements (the
    consultation's "you said, we did" links here the same way).
    """
    decisions = Decision.objects.select_related("body").annotate(shaped=shaped_by_input())
    if body is not None:
        decisions = decisions.filter(body=body)
    if meeting_id is not None:
        decisions = decisions.filter(meeting_id=meeting_id)
    if theme_id is not None:
        citing = EvidenceLink.objects.filter(Q(theme_id=theme_id) | Q(statement__theme_id=theme_id))
        decisions = decisions.filter(Exists(citing.filter(decision=OuterRef("pk"))))
    if year:
        decisions = decisions.filter(decided_on__year=year)
    if outcome:
        decisions = decisions.filter(outcome=outcome)
    if shaped == "yes":
        decisions = decisions.filter(shaped=True)
    elif shaped == "no":
        decisions = decisions.filter(shaped=False)
    return decisions.order_by("-decided_on", "-reference")


def decision_years() -> list[int]:
    """Years that have decisions, newest first (one query)."""
    return [d.year for d in Decision.objects.dates("decided_on", "year", order="DESC")]


# --- a decision's story ---------------------------------------------------------------------------
@dataclass
class TimelineEntry:
    on: datetime.date
    label: str
    done: bool = True


@dataclass
class DecisionStory:
    decision: Decision
    evidence: list
    actions: list
    outcomes: list
    timeline: list[TimelineEntry] = field(default_factory=list)
    other_input: list[InputLine] = field(default_factory=list)

    @property
    def shaped(self) -> bool:
        cited = any(link.consultation_id or link.theme_id or link.statement_id for link in self.evidence)
        return cited or bool(self.other_input)


def _evidence_queryset() -> QuerySet:
    return EvidenceLink.objects.select_related(
        "consultation", "theme__consultation", "statement__theme__consultation", "recommendation__body"
    ).order_by("pk")


def decision_story(reference: str) -> DecisionStory | None:
    """Everything the decision page shows, in four queries whatever its size (and one for each app that
    registered input lines); None if no such decision."""
    decision = (
        Decision.objects.select_related("body", "meeting", "mover", "seconder")
        .prefetch_related(
            Prefetch("evidence", queryset=_evidence_queryset()),
            Prefetch("actions", queryset=Action.objects.order_by("due_on", "pk")),
            Prefetch("outcomes", queryset=Outcome.objects.order_by("recorded_at", "pk")),
        )
        .filter(reference=reference)
        .first()
    )
    if decision is None:
        return None
    story = DecisionStory(
        decision, list(decision.evidence.all()), list(decision.actions.all()), list(decision.outcomes.all()),
        other_input=[line for lines in INPUT_LINES for line in lines(decision)],
    )
    story.timeline = _timeline(story)
    return story


def _timeline(story: DecisionStory) -> list[TimelineEntry]:
    """Dated steps, oldest first: consultations opened and closed, the meeting, the decision, each
    action due (or done) and each outcome."""
    entries, today = [], timezone.localdate()
    seen = set()
    for link in story.evidence:
        page = link.consultation or (link.theme and link.theme.consultation) or (
            link.statement and link.statement.theme.consultation
        )
        if page is None or page.pk in seen:
            continue
        seen.add(page.pk)
        opened, closed = timezone.localdate(page.opens_at), timezone.localdate(page.closes_at)
        entries.append(TimelineEntry(opened, f"Consultation “{page.title}” opened", opened <= today))
        entries.append(TimelineEntry(closed, f"Consultation “{page.title}” closed", closed <= today))
    decision = story.decision
    if decision.meeting is not None:
        entries.append(TimelineEntry(timezone.localdate(decision.meeting.starts_at), f"Meeting: {decision.meeting.title}"))
    entries.append(TimelineEntry(decision.decided_on, f"Decision {decision.reference}: {decision.get_outcome_display().lower()}"))
    for action in story.actions:
        # The same words as the actions table; "to come" only for a day that has not come yet.
        entries.append(TimelineEntry(action.due_on, f"Action “{action.title}”: {action.status_text}", action.due_on <= today))
    for outcome in story.outcomes:
        entries.append(TimelineEntry(timezone.localdate(outcome.recorded_at), "Outcome recorded"))
        if outcome.review_on:
            entries.append(TimelineEntry(outcome.review_on, "Outcome review", outcome.review_on <= today))
    return sorted(entries, key=lambda e: e.on)


# --- who leads us ---------------------------------------------------------------------------------
def whole_percent(numerator: int, denominator: int) -> int | None:
    """A share as a whole per cent, half rounding up (so 5 of 7 is 71 and 1 of 8 is 13 everywhere)."""
    return (200 * numerator + denominator) // (2 * denominator) if denominator else None


@dataclass(frozen=True)
class SeatShare:
    """Lived-experience seats among a body's voting seats on one day. `label` suppresses small numbers
    and says the day, so a quoted figure never floats free of when it was true."""

    lived: int
    total: int
    on: datetime.date | None = None

    @property
    def suppressed(self) -> bool:
        """The evidence report's rule for a share of people: hidden when the lived-experience seats, the
        other seats or all of them number 1 to 4, since any of those, beside the public list of members,
        says too much about who holds a lived-experience seat."""
        return any(0 < n < SUPPRESS_BELOW for n in (self.lived, self.total - self.lived, self.total))

    @property
    def figure(self) -> str:
        """E.g. "5 of 7 voting seats (71%)", "fewer than 5 of 7 voting seats", or, when it is the other
        seats that are few, "some of the 7 voting seats (the number is hidden to protect small numbers)"."""
        if 0 < self.lived < SUPPRESS_BELOW:
            return f"{SUPPRESSED_LABEL} of {self.total} voting seats"
        if self.suppressed:
            return f"some of the {self.total} voting seats (the number is hidden to protect small numbers)"
        return f"{self.lived} of {self.total} voting seats ({whole_percent(self.lived, self.total)}%)"

    @property
    def label(self) -> str:
        day = f"On {self.on.day} {self.on:%B %Y}, " if self.on else ""
        if self.total == 0:
            return f"{day}no voting seats are filled."
        return f"{day}{self.figure} are lived-experience seats."


def seat_shares(bodies, days) -> dict[tuple[int, datetime.date], SeatShare]:
    """{(body id, day): SeatShare} from the dates of each voting member's term and their seat type,
    never from anyone's personal declaration. The one source for the group page, the evidence report,
    its seat records and exports, and the figures editors quote in text: one query however many
    bodies and days."""
    bodies, days = list(bodies), list(days)
    counts = {}
    for n, day in enumerate(days):
        covers = Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        counts[f"all{n}"] = Count("pk", filter=covers)
        counts[f"lived{n}"] = Count("pk", filter=covers & Q(seat=Membership.Seat.LIVED_EXPERIENCE))
    rows = {}
    if days and bodies:
        seats = Membership.objects.filter(role__in=QUORUM_ROLES, body__in=[b.pk for b in bodies])
        rows = {row["body_id"]: row for row in seats.values("body_id").annotate(**counts).order_by()}
    return {
        (body.pk, day): SeatShare(rows.get(body.pk, {}).get(f"lived{n}", 0), rows.get(body.pk, {}).get(f"all{n}", 0), day)
        for body in bodies for n, day in enumerate(days)
    }


def seat_share_on(body: Body, day: datetime.date | None = None) -> SeatShare:
    day = day or timezone.localdate()
    return seat_shares([body], [day])[(body.pk, day)]


def upcoming_public_meetings(body: Body, now=None) -> QuerySet:
    """Scheduled public meetings from now on, soonest first: what the calendar feed lists."""
    now = now or timezone.now()
    return Meeting.objects.filter(
        body=body, is_public=True, status=Meeting.Status.SCHEDULED, starts_at__gte=now
    ).order_by("starts_at", "pk")


# --- "you said, we did" ---------------------------------------------------------------------------
def decisions_citing(theme_ids, statement_ids) -> dict:
    """{("theme", id) or ("statement", id): [decision dicts]} for the consultation page, two queries.

    Each dict: reference, title, url, relation (a plain sentence: what the decision did with what
    people said, and whether it was agreed), outcome ("Agreed") and actions [{title, status, due_on}].
    A decision is listed once under each key, however many links it has there (the first link's
    relation is the one said). At most CITED_SHOWN links are read for each key, in SQL, so a theme
    cited by 10,000 decisions costs what one cited by 5 does: a key with more has its list marked with
    `more_url`, the decision register filtered to the decisions citing that theme.
    """
    theme_ids, statement_ids = list(theme_ids), list(statement_ids)
    if not theme_ids and not statement_ids:
        return {}
    by_statement = Q(statement_id__in=statement_ids)
    key_kind = Case(When(by_statement, then=Value("statement")), default=Value("theme"))
    key_id = Case(When(by_statement, then=F("statement_id")), default=F("theme_id"))
    order = [F("decision__decided_on").asc(), F("decision__reference").asc(), F("pk").asc()]
    links = list(
        EvidenceLink.objects.filter(Q(theme_id__in=theme_ids) | by_statement)
        .annotate(
            key_kind=key_kind, key_id=key_id, about_theme=Coalesce("theme_id", "statement__theme_id"),
            row=Window(RowNumber(), partition_by=[key_kind, key_id], order_by=order),
        )
        .filter(row__lte=CITED_SHOWN + 1)
        .select_related("decision")
        .prefetch_related(Prefetch("decision__actions", queryset=Action.objects.order_by("due_on", "pk")))
        .order_by(*order)
    )
    found: dict = {}
    for link in links:
        listed = found.setdefault((link.key_kind, link.key_id), CitedDecisions())
        if link.row > CITED_SHOWN:
            listed.more_url = register_url(theme_id=link.about_theme)
        elif all(cited["reference"] != link.decision.reference for cited in listed):
            listed.append(_cited(link))
    return found


class CitedDecisions(list):
    """Decision dicts citing one theme or statement; `more_url` is set when more cite it than are listed."""

    more_url = ""


def register_url(**filters) -> str:
    """The decision register, filtered (e.g. `meeting_id=4` or `theme_id=9`)."""
    names = {"meeting_id": "meeting", "theme_id": "theme"}
    query = "&".join(f"{names[key]}={value}" for key, value in filters.items())
    return reverse("governance:decision-register") + (f"?{query}" if query else "")


def _cited(link: EvidenceLink) -> dict:
    decision = link.decision
    return {
        "reference": decision.reference,
        "title": decision.title,
        "url": reverse("governance:decision-detail", args=[decision.reference]),
        "relation": relation_sentence(link.relation, decision.outcome, link.note),
        "outcome": outcome_words(decision.outcome),
        "actions": [
            {"title": a.title, "status": a.get_status_display(), "due_on": a.due_on}
            for a in decision.actions.all()
        ],
    }
