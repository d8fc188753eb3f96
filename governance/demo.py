"""Demo governance for `manage.py seed_demo`: two bodies, their members, meetings, minutes, decisions,
actions and outcomes, telling the story of the drop-in consultation from "let's ask" to "it changed".

- Board of Trustees (TB): quorum 4, at least 2 with lived experience; a later meeting approves its
  minutes. Two meetings held: the first agrees to consult; the second approves the first's minutes
  (which are then locked) and acts on what service users said and on the council's recommendations.
- Service User Council (SUC): quorum 3; the chair may approve minutes. One meeting held, turning the
  consultation's themes into recommendations to the board, and one public meeting coming up.

Everything is written through the same services a secretary uses (attendance, meeting held, decisions
with generated references and evidence, actions and their updates, outcomes, memberships, the minutes
life cycle), so the ledger and the history tables hold what real use would leave. Agenda items have no
service yet and are written directly.

Idempotent: people are found by email, bodies by slug, meetings by body and title, decisions by body
and title, actions by decision and title, minutes by meeting; only what is missing is made. Dates are
relative to today, so a fresh demo always has a recent past and an upcoming meeting. Fast: a few
hundred queries, no randomness.
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.utils import timezone
from wagtail.rich_text import RichText

from consultations.demo import CLOSED_SLUG, OPEN_SLUG
from consultations.models import ConsultationPage, ResponseStatement, Theme
from portal.accounts import demo as accounts_demo
from portal.accounts import roles
from portal.accounts.models import Profile, User
from portal.audit.services import changes_by
from portal.home.demo import month_name
from portal.home.models import HomePage, SiteSettings

from . import minutes as minutes_services
from . import services
from .documents import ensure_papers_collection
from .models import (
    Action,
    AgendaItem,
    Attendance,
    Body,
    Decision,
    EvidenceLink,
    Meeting,
    Membership,
    MinutesIndexPage,
    MinutesPage,
    Outcome,
)
from .services import Evidence

Role, Seat, Relation = Membership.Role, Membership.Seat, EvidenceLink.Relation
PRESENT, APOLOGIES, ABSENT = Attendance.Status.PRESENT, Attendance.Status.APOLOGIES, Attendance.Status.ABSENT
CARRIED, NOT_CARRIED, DEFERRED, NOTED = (
    Decision.Outcome.CARRIED,
    Decision.Outcome.NOT_CARRIED,
    Decision.Outcome.DEFERRED,
    Decision.Outcome.NOTED,
)
ActionStatus = Action.Status

MINUTES_SLUG = "minutes"
APPROVE_MINUTES = "Approve the minutes of the last board meeting"
TB_SLUG, SUC_SLUG = "board-of-trustees", "service-user-council"

# Theme names from consultations.demo (the closed consultation "Making our drop-in more welcoming").
WELCOME, WEEKENDS, QUIET, PEERS = (
    "A friendly welcome at the door",
    "Opening at weekends",
    "Somewhere quiet",
    "Peer workers with time to talk",
)

# (email, display name). Demo accounts from portal.accounts.demo are reused; the rest are made here.
SECRETARY = "secretary@example.org"
PEOPLE = {
    "grace": ("grace.chair@example.org", "Grace (chair of trustees)"),
    "dev": ("dev.trustee@example.org", "Dev (vice chair of trustees)"),
    "tom": ("trustee@example.org", "Tom (trustee)"),
    "amara": ("amara.trustee@example.org", "Amara (trustee and council vice chair)"),
    "ben": ("ben.trustee@example.org", "Ben (trustee)"),
    "carys": ("carys.trustee@example.org", "Carys (trustee)"),
    "femi": ("femi.coopted@example.org", "Femi (co-opted trustee)"),
    "sol": (SECRETARY, "Sol (secretary)"),
    "jo": ("jo.council@example.org", "Jo (council chair)"),
    "sam": ("service.user@example.org", "Sam (service user)"),
    "kai": ("kai.council@example.org", "Kai (council member)"),
    "lena": ("lena.council@example.org", "Lena (council member)"),
    "nia": ("nia.council@example.org", "Nia (co-opted council member)"),
}

BODIES = {
    TB_SLUG: {
        "name": "Board of Trustees",
        "code": "TB",
        "description": "The trustees are responsible for the charity. They agree the budget, set direction and "
        "make sure what service users say shapes what we do.",
        "quorum": 4,
        "lived_experience_quorum": 2,
        "chair_may_approve_minutes": False,
        "members": [
            ("grace", Role.CHAIR, Seat.LIVED_EXPERIENCE),
            ("dev", Role.VICE_CHAIR, Seat.LIVED_EXPERIENCE),
            ("tom", Role.TRUSTEE, Seat.GENERAL),
            ("amara", Role.TRUSTEE, Seat.LIVED_EXPERIENCE),
            ("ben", Role.TRUSTEE, Seat.GENERAL),
            ("carys", Role.TRUSTEE, Seat.LIVED_EXPERIENCE),
            ("femi", Role.CO_OPTED, Seat.GENERAL),
            ("sol", Role.SECRETARY, Seat.GENERAL),
        ],
    },
    SUC_SLUG: {
        "name": "Service User Council",
        "code": "SUC",
        "description": "People who use our services meet every two months to look at what members told us and "
        "make recommendations to the trustees.",
        "quorum": 3,
        "lived_experience_quorum": None,
        "chair_may_approve_minutes": True,
        "members": [
            ("jo", Role.CHAIR, Seat.LIVED_EXPERIENCE),
            ("amara", Role.VICE_CHAIR, Seat.LIVED_EXPERIENCE),
            ("sam", Role.MEMBER, Seat.LIVED_EXPERIENCE),
            ("kai", Role.MEMBER, Seat.LIVED_EXPERIENCE),
            ("lena", Role.MEMBER, Seat.LIVED_EXPERIENCE),
            ("nia", Role.CO_OPTED, Seat.GENERAL),
            ("sol", Role.SECRETARY, Seat.GENERAL),
        ],
    },
}


def seed() -> None:
    """Make whatever part of the governance demo is missing (see the module docstring)."""
    ensure_papers_collection()
    home = HomePage.objects.first()
    closed = ConsultationPage.objects.filter(slug=CLOSED_SLUG).first()
    people = {key: _person(email, name) for key, (email, name) in PEOPLE.items()}
    secretary = _secretary(people["sol"])
    if home is None or closed is None or secretary is None:
        return
    # The secretary keeps the record: what is written directly here (bodies, meetings, agenda items) names
    # them in its history too, as every service's history rows and ledger events do.
    with changes_by(secretary):
        cite = _Citations(closed, ConsultationPage.objects.filter(slug=OPEN_SLUG).first())
        tb, suc = (_body(slug, fields, people, secretary) for slug, fields in BODIES.items())
        index = _minutes_index(home)

        first, first_placed = _board_first_meeting(tb, people, secretary, cite)
        council = _council_meeting(suc, people, secretary, cite)
        second, second_placed = _board_second_meeting(tb, people, secretary, cite, council)
        _upcoming_council_meeting(suc, cite)
        _first_minutes(index, first, first_placed, second, secretary)
        _draft_minutes(index, second, second_placed, secretary)
        _council_minutes(index, suc, secretary)
    _evidence_words(home)
    accounts_demo.let_sign_in([User.objects.get(pk=person.pk) for person in people.values()])


# --- people and bodies ----------------------------------------------------------------------------
def _person(email: str, name: str) -> User:
    """The person with `email`, made (with default preferences) if missing; `seed` lets them sign in."""
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, display_name=name)
    Profile.objects.get_or_create(user=user)
    return user


def _secretary(sol: User) -> User | None:
    """Sol records everything; Sol must be in the Secretaries group (made so by portal.accounts.demo)."""
    group = Group.objects.filter(name=roles.SECRETARIES).first()
    if group is not None and not sol.groups.filter(pk=group.pk).exists():
        sol.groups.add(group)
    return sol if group is not None else User.objects.filter(is_superuser=True).order_by("pk").first()


def _body(slug: str, fields: dict, people: dict, secretary: User) -> Body:
    fields = dict(fields)
    members = fields.pop("members")
    body = Body.objects.filter(slug=slug).first() or Body.objects.create(slug=slug, **fields)
    seated = set(Membership.objects.filter(body=body).values_list("person_id", flat=True))
    starts_on = timezone.localdate() - timedelta(days=400)
    for key, role, seat in members:
        if people[key].pk not in seated:
            services.membership_change(
                body=body, person=people[key], role=role, seat=seat, starts_on=starts_on, user=secretary
            )
    return body


# --- evidence -------------------------------------------------------------------------------------
class _Citations:
    """Evidence rows pointing at the demo consultations, their themes and published 'we did' statements."""

    def __init__(self, closed: ConsultationPage, open_page: ConsultationPage | None):
        self.closed, self.open = closed, open_page
        self.themes = {theme.name: theme for theme in Theme.objects.filter(consultation=closed)}
        published = ResponseStatement.objects.filter(theme__consultation=closed, published=True)
        self.statements = {statement.theme_id: statement for statement in published.order_by("pk")}

    def theme(self, name: str, relation: str, note: str = "") -> list[Evidence]:
        theme = self.themes.get(name)
        return [Evidence(relation=relation, theme=theme, note=note)] if theme else []

    def statement(self, name: str, relation: str = Relation.INFORMED_BY) -> list[Evidence]:
        theme = self.themes.get(name)
        statement = self.statements.get(theme.pk) if theme else None
        return [Evidence(relation=relation, statement=statement)] if statement else []

    def consultation(
        self, relation: str, note: str = "", page: ConsultationPage | None = None
    ) -> list[Evidence]:
        page = page or self.closed
        return [Evidence(relation=relation, consultation=page, note=note)]

    def open_consultation(self, relation: str = Relation.INFORMED_BY) -> list[Evidence]:
        return self.consultation(relation, page=self.open) if self.open else []


# --- meetings -------------------------------------------------------------------------------------
def _at(days: int, hour: int) -> datetime:
    """`hour` o'clock local time, `days` from today."""
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(days=days)


def _meeting(body: Body, title: str, starts_at: datetime, location: str, agenda: list, **fields) -> Meeting:
    """The body's meeting called `title`, made with its agenda if missing."""
    meeting = Meeting.objects.filter(body=body, title=title).first()
    if meeting is not None:
        return meeting
    meeting = Meeting.objects.create(body=body, title=title, starts_at=starts_at, location=location, **fields)
    for order, (item_title, description, confidential, links) in enumerate(agenda, start=1):
        item = AgendaItem.objects.create(
            meeting=meeting, order=order, title=item_title, description=description, confidential=confidential
        )
        item.consultations.set([link for link in links if isinstance(link, ConsultationPage)])
        item.themes.set([link for link in links if isinstance(link, Theme)])
    return meeting


def _hold(meeting: Meeting, people: dict, attendance: dict, secretary: User) -> Meeting:
    """Record attendance and mark the meeting held, once."""
    if meeting.status != Meeting.Status.HELD:
        entries = {people[key]: status for key, status in attendance.items()}
        services.meeting_record_attendance(meeting=meeting, entries=entries, user=secretary)
        meeting = services.meeting_mark_held(meeting=meeting, user=secretary)
    return meeting


def _decide(meeting: Meeting, people: dict, secretary: User, spec: dict) -> Decision:
    """The meeting's decision titled `spec["title"]`, recorded through the service if missing, with its
    actions (each moved through its statuses) and outcomes."""
    spec = dict(spec)
    actions, outcomes = spec.pop("actions", []), spec.pop("outcomes", [])
    spec.pop("item", None)
    decision = Decision.objects.filter(body=meeting.body, title=spec["title"]).first()
    if decision is None:
        for role in ("mover", "seconder"):
            spec[role] = people[spec[role]] if spec.get(role) else None
        decision = services.decision_record(body=meeting.body, meeting=meeting, user=secretary, **spec)
    for title, owner, due_in_days, updates in actions:
        _action(decision, title, people[owner], due_in_days, updates, secretary)
    for what_changed, evidence, review_in_days in outcomes:
        if not Outcome.objects.filter(decision=decision, what_changed=what_changed).exists():
            review_on = timezone.localdate() + timedelta(days=review_in_days) if review_in_days else None
            services.outcome_record(
                decision=decision,
                what_changed=what_changed,
                evidence=evidence,
                review_on=review_on,
                user=secretary,
            )
    return decision


def _decide_all(
    meeting: Meeting, people: dict, secretary: User, specs: list[dict]
) -> dict[str, list[Decision]]:
    """Each spec's decision (see `_decide`), grouped by the agenda item it was taken under (for the minutes)."""
    placed: dict[str, list[Decision]] = {}
    for spec in specs:
        placed.setdefault(spec["item"], []).append(_decide(meeting, people, secretary, spec))
    return placed


def _action(decision: Decision, title: str, owner: User, due_in_days: int, updates: list, secretary: User):
    if Action.objects.filter(decision=decision, title=title).exists():
        return
    due_on = timezone.localdate() + timedelta(days=due_in_days)
    action = services.action_create(
        decision=decision, title=title, owner=owner, due_on=due_on, user=secretary
    )
    for status, text in updates:
        services.action_update_status(action=action, status=status, text=text, user=secretary)


def _board_first_meeting(tb: Body, people: dict, secretary: User, cite: _Citations) -> tuple[Meeting, dict]:
    agenda = [
        ("Welcome and apologies", "", False, []),
        ("Budget for the coming year", "The finance lead presents next year's budget.", False, []),
        ("Auditors", "Reappointing the auditors and their fee.", True, []),
        (
            "Asking people about the drop-in",
            "Should we consult before changing the drop-in?",
            False,
            [cite.closed],
        ),
        (
            "Evening groups",
            "Planning a consultation on the evening groups.",
            False,
            [cite.open] if cite.open else [],
        ),
    ]
    meeting = _meeting(
        tb, "Board meeting: budget and the drop-in", _at(-56, 18), "Mill Street centre, room 2", agenda
    )
    meeting = _hold(
        meeting,
        people,
        {
            "grace": PRESENT,
            "dev": PRESENT,
            "tom": PRESENT,
            "amara": PRESENT,
            "ben": APOLOGIES,
            "carys": PRESENT,
            "femi": ABSENT,
            "sol": PRESENT,
        },
        secretary,
    )
    return meeting, _decide_all(meeting, people, secretary, _board_first_decisions(cite))


def _board_first_decisions(cite: _Citations) -> list[dict]:
    return [
        {
            "title": "Budget for the coming year",
            "item": "Budget for the coming year",
            "text": "The board agreed the budget for the coming year.",
            "rationale": "It keeps every service running and holds three months' money in reserve.",
            "mover": "dev",
            "seconder": "tom",
            "votes_for": 5,
            "votes_against": 0,
            "votes_abstain": 0,
            "no_input_reason": "Setting the budget is the trustees' legal duty. It funds the plan that the Service "
            "User Council helped to write last year.",
            "actions": [
                (
                    "Send the signed budget to the bank",
                    "grace",
                    -42,
                    [(ActionStatus.DONE, "Sent and confirmed.")],
                )
            ],
        },
        {
            "title": "Reappoint the auditors",
            "item": "Auditors",
            "text": "The board reappointed the auditors for one more year.",
            "mover": "tom",
            "seconder": "carys",
            "votes_for": 4,
            "votes_against": 0,
            "votes_abstain": 1,
            "conflicts_declared": "Tom works for another firm of accountants and did not vote.",
            "no_input_reason": "A legal and money matter. It does not change how our services feel to use.",
            "actions": [
                (
                    "Sign the auditors' engagement letter",
                    "tom",
                    -28,
                    [(ActionStatus.IN_PROGRESS, "Waiting for the auditors to send the final letter.")],
                )
            ],
        },
        {
            "title": "Ask people how to make the drop-in more welcoming",
            "item": "Asking people about the drop-in",
            "text": "Before changing the drop-in, we will ask the people who use it what would make it more "
            "welcoming, and the Service User Council will look at what they say first.",
            "mover": "amara",
            "seconder": "grace",
            "votes_for": 5,
            "votes_against": 0,
            "votes_abstain": 0,
            "evidence": cite.consultation(
                Relation.INFORMED_BY,
                "The board asked for this consultation so service users shape any change.",
            ),
            "actions": [
                (
                    "Write the drop-in consultation questions with the council",
                    "sol",
                    -49,
                    [
                        (ActionStatus.IN_PROGRESS, "First draft shared with the council."),
                        (ActionStatus.DONE, "Questions agreed and the consultation is open."),
                    ],
                )
            ],
            "outcomes": [
                (
                    "72 people answered the drop-in consultation. Analysts found four themes in what they said.",
                    "The consultation's results page and its themes.",
                    180,
                )
            ],
        },
        {
            "title": "Plan a consultation on the evening groups",
            "item": "Evening groups",
            "text": "The board asked staff to plan a consultation on the evening groups for later in the year.",
            "mover": "carys",
            "seconder": "dev",
            "votes_for": 5,
            "votes_against": 0,
            "votes_abstain": 0,
            "evidence": cite.open_consultation() or cite.consultation(Relation.INFORMED_BY),
            "actions": [
                (
                    "Print paper copies of the evening groups consultation",
                    "sol",
                    -40,
                    [
                        (
                            ActionStatus.CANCELLED,
                            "Not needed: peer workers will help people answer online instead.",
                        )
                    ],
                )
            ],
        },
    ]


def _council_meeting(suc: Body, people: dict, secretary: User, cite: _Citations) -> dict[str, Decision]:
    """The council's held meeting; returns its recommendations by key, for the board to cite."""
    themes = list(cite.themes.values())
    agenda = [
        ("Welcome and apologies", "", False, []),
        (
            "What the drop-in consultation told us",
            "The analysts present the four themes.",
            False,
            [cite.closed, *themes],
        ),
        ("Recommendations to the trustees", "Agreeing what to ask the board to do.", False, themes),
    ]
    meeting = _meeting(
        suc,
        "Council meeting: what the drop-in consultation told us",
        _at(-14, 14),
        "Mill Street centre, café",
        agenda,
    )
    meeting = _hold(
        meeting,
        people,
        {
            "jo": PRESENT,
            "amara": PRESENT,
            "sam": PRESENT,
            "kai": PRESENT,
            "lena": APOLOGIES,
            "nia": PRESENT,
            "sol": PRESENT,
        },
        secretary,
    )
    decisions = {}
    for key, spec in _council_decisions(cite).items():
        decisions[key] = _decide(meeting, people, secretary, spec)
    return decisions


def _council_decisions(cite: _Citations) -> dict:
    motion = {"votes_for": 5, "votes_against": 0, "votes_abstain": 0}
    return {
        "saturdays": {
            "title": "Recommend opening the drop-in on Saturdays",
            "text": "The council recommends that the trustees open the drop-in on Saturdays.",
            "rationale": "Weekends are when many people feel most alone, and people who work cannot come in the week.",
            "mover": "sam",
            "seconder": "kai",
            **motion,
            "evidence": cite.theme(WEEKENDS, Relation.ADOPTED),
        },
        "quiet": {
            "title": "Recommend a quiet room",
            "text": "The council recommends a quiet room at the drop-in, open whenever the drop-in is open.",
            "mover": "kai",
            "seconder": "amara",
            **motion,
            "evidence": cite.theme(QUIET, Relation.ADOPTED),
        },
        "welcome": {
            "title": "Recommend a welcome at the door",
            "text": "The council recommends that a peer volunteer welcomes people at the door at every session.",
            "mover": "amara",
            "seconder": "nia",
            **motion,
            "evidence": cite.theme(WELCOME, Relation.ADOPTED),
        },
        "peers": {
            "title": "Recommend more peer workers on shift",
            "text": "The council recommends more peer workers on shift, starting with the busiest days.",
            "rationale": "Paid posts take time to fund, so the council suggests trained volunteers first.",
            "mover": "jo",
            "seconder": "sam",
            **motion,
            "evidence": cite.theme(
                PEERS, Relation.ADAPTED, "The council asked for volunteers first, then paid posts."
            ),
        },
        "hours": {
            "title": "Longer weekday opening hours",
            "text": "The council does not recommend longer weekday hours for now.",
            "outcome": NOT_CARRIED,
            "mover": "nia",
            "seconder": "kai",
            "votes_for": 1,
            "votes_against": 4,
            "votes_abstain": 0,
            "evidence": cite.consultation(
                Relation.REJECTED_BECAUSE,
                "Fewer people asked for longer weekday hours than for weekend opening, which came first.",
            ),
        },
    }


def _board_second_meeting(
    tb: Body, people: dict, secretary: User, cite: _Citations, council: dict
) -> tuple[Meeting, dict]:
    themes = list(cite.themes.values())
    agenda = [
        ("Welcome and apologies", "", False, []),
        ("Minutes of the last meeting", "To approve the minutes of the previous board meeting.", False, []),
        (
            "The drop-in: what people told us",
            "The consultation's themes and the council's recommendations.",
            False,
            [cite.closed, *themes],
        ),
        ("Staff pay review", "Pay for the peer worker team.", True, []),
        (
            "Evening groups consultation",
            "An update: it is open now.",
            False,
            [cite.open] if cite.open else [],
        ),
    ]
    meeting = _meeting(
        tb,
        "Board meeting: acting on the drop-in consultation",
        _at(-7, 18),
        "Mill Street centre, room 2",
        agenda,
    )
    meeting = _hold(
        meeting,
        people,
        {
            "grace": PRESENT,
            "dev": APOLOGIES,
            "tom": PRESENT,
            "amara": PRESENT,
            "ben": PRESENT,
            "carys": PRESENT,
            "femi": PRESENT,
            "sol": PRESENT,
        },
        secretary,
    )
    return meeting, _decide_all(meeting, people, secretary, _board_second_decisions(cite, council))


def _recommendation(decision: Decision, relation: str, note: str = "") -> list[Evidence]:
    return [Evidence(relation=relation, recommendation=decision, note=note)]


def _board_second_decisions(cite: _Citations, council: dict) -> list[dict]:
    motion = {"votes_for": 6, "votes_against": 0, "votes_abstain": 0}
    return [
        {
            "title": APPROVE_MINUTES,
            "item": "Minutes of the last meeting",
            "text": "The board approved the minutes of its previous meeting as a true record.",
            "mover": "carys",
            "seconder": "ben",
            **motion,
            "no_input_reason": "Approving the record of a meeting. The minutes show where service users' input "
            "shaped each item.",
        },
        {
            "title": "Open the drop-in on Saturdays for a six-month trial",
            "item": "The drop-in: what people told us",
            "text": f"The drop-in will open on Saturdays from 11am to 3pm for six months, starting in {month_name(1)}. "
            "We will ask people again at the end of the trial.",
            "rationale": "It was the first choice in the consultation and the council recommended it.",
            "mover": "amara",
            "seconder": "grace",
            **motion,
            "evidence": cite.theme(WEEKENDS, Relation.ADOPTED)
            + cite.statement(WEEKENDS)
            + _recommendation(council["saturdays"], Relation.ADOPTED),
            "actions": [
                (
                    "Recruit Saturday volunteers",
                    "amara",
                    21,
                    [(ActionStatus.IN_PROGRESS, "Six people have said yes; we need eight.")],
                ),
                (
                    "Agree Saturday access to the building with the landlord",
                    "tom",
                    -1,
                    [
                        (ActionStatus.IN_PROGRESS, "Asked the landlord."),
                        (ActionStatus.BLOCKED, "The landlord has not replied. Grace will phone them."),
                    ],
                ),
            ],
        },
        {
            "title": "Make a quiet room at the drop-in",
            "item": "The drop-in: what people told us",
            "text": "The small back room becomes a quiet room, with soft lights and no music.",
            "mover": "carys",
            "seconder": "femi",
            **motion,
            "evidence": cite.theme(QUIET, Relation.ADOPTED)
            + cite.statement(QUIET)
            + _recommendation(council["quiet"], Relation.ADOPTED),
            "actions": [
                (
                    "Buy soft lights and a rug for the quiet room",
                    "carys",
                    0,  # due today and done: the demo's action done on time
                    [(ActionStatus.DONE, "Bought and fitted.")],
                )
            ],
            "outcomes": [
                (
                    "The quiet room opened. In its first week 23 people used it.",
                    "The sign-in sheet kept in the quiet room.",
                    90,
                )
            ],
        },
        {
            "title": "Welcome people at the door",
            "item": "The drop-in: what people told us",
            "text": "A peer volunteer will meet people at the door at every session, and everyone on shift will "
            "wear a name badge.",
            "mover": "grace",
            "seconder": "amara",
            **motion,
            "evidence": cite.theme(WELCOME, Relation.ADOPTED)
            + _recommendation(council["welcome"], Relation.ADOPTED),
            "actions": [("Order name badges for everyone on shift", "sol", 14, [])],
            "outcomes": [
                (
                    "Name badges are worn at every session and a volunteer is at the door.",
                    "Checked at four sessions by the council chair.",
                    60,
                )
            ],
        },
        {
            "title": "Train more peer volunteers",
            "item": "The drop-in: what people told us",
            "text": "We will train eight more peer volunteers over the next three months, and add one paid peer worker shift on "
            "Mondays and Fridays until they start.",
            "rationale": "The council asked for volunteers first; the board added a paid shift so the busiest days "
            "get help now.",
            "mover": "ben",
            "seconder": "carys",
            **motion,
            "evidence": cite.theme(PEERS, Relation.ADAPTED, "Volunteers first, with a paid shift for now.")
            + _recommendation(
                council["peers"], Relation.ADAPTED, "A paid shift added until volunteers are trained."
            ),
            "actions": [("Book the peer volunteer training", "carys", 30, [])],
        },
        {
            "title": "Keep weekday opening hours as they are",
            "item": "The drop-in: what people told us",
            "text": "The board will not change weekday opening hours this year.",
            "outcome": NOTED,
            "mover": "tom",
            "seconder": "ben",
            "evidence": _recommendation(council["hours"], Relation.INFORMED_BY)
            + cite.consultation(Relation.INFORMED_BY),
            "actions": [("Write to the council to explain the board's decisions", "grace", -2, [])],
        },
        {
            "title": "Pay peer volunteers' travel costs",
            "item": "The drop-in: what people told us",
            "text": "The board will decide at its next meeting whether to pay volunteers' bus fares.",
            "outcome": DEFERRED,
            "mover": "femi",
            "seconder": "amara",
            "rationale": "The finance lead needs to find out what it would cost.",
            "evidence": cite.theme(PEERS, Relation.INFORMED_BY),
        },
        {
            "title": "Note that the evening groups consultation is open",
            "item": "Evening groups consultation",
            "text": "The board noted that the evening groups consultation is open and asked the council to look "
            "at the answers first.",
            "outcome": NOTED,
            "mover": "grace",
            "seconder": "femi",
            "evidence": cite.open_consultation() or cite.consultation(Relation.INFORMED_BY),
        },
    ]


def _upcoming_council_meeting(suc: Body, cite: _Citations) -> Meeting:
    agenda = [
        ("Welcome and apologies", "", False, []),
        (
            "Evening groups: what people are saying so far",
            "Early answers to the open consultation.",
            False,
            [cite.open] if cite.open else [],
        ),
        ("The Saturday trial", "How the first Saturdays went.", False, []),
    ]
    return _meeting(
        suc,
        "Council open meeting: evening groups",
        _at(10, 18),
        "Mill Street centre, café (step-free)",
        agenda,
        is_public=True,
    )


# --- minutes --------------------------------------------------------------------------------------
def _minutes_index(home: HomePage) -> MinutesIndexPage:
    index = MinutesIndexPage.objects.first()
    if index is None:
        index = MinutesIndexPage(
            title="Minutes",
            slug=MINUTES_SLUG,
            intro="The minutes of our trustees' and Service User Council's meetings, once they are approved.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    return index


def _sections(meeting: Meeting, placed: dict[str, list[Decision]]) -> list:
    """One section per agenda item, with the decisions taken under it in plain words."""
    sections = []
    for item in meeting.agenda_items.order_by("order"):
        text = f"<p>{item.description or 'The chair welcomed everyone and noted apologies.'}</p>"
        text += "".join(
            f"<p><b>{d.reference}</b>: {d.text} ({d.get_outcome_display()}.)</p>"
            for d in placed.get(item.title, [])
        )
        if item.confidential:
            text += "<p>The discussion is recorded for members only.</p>"
        sections.append(
            ("section", {"heading": item.title, "text": RichText(text), "confidential": item.confidential})
        )
    return sections


def _minutes_page(
    index: MinutesIndexPage, meeting: Meeting, placed: dict, summary: str, secretary: User
) -> MinutesPage:
    """The meeting's minutes as an unpublished draft (approval publishes them), made if missing."""
    page = MinutesPage.objects.filter(meeting=meeting).first()
    if page is None:
        local = timezone.localtime(meeting.starts_at)
        page = MinutesPage(
            title=f"Minutes: {meeting.body.name}, {local.day} {local:%B %Y}",
            slug=f"{meeting.body.slug}-{local:%Y-%m-%d}",
            meeting=meeting,
            easy_read_summary=summary,
            sections=_sections(meeting, placed),
            live=False,
        )
        index.add_child(instance=page)
        page.save_revision(user=secretary)
    return page


def _first_minutes(index, first: Meeting, placed: dict, second: Meeting, secretary: User) -> None:
    """The first board meeting's minutes: circulated, approved by the second meeting's decision, locked.

    Each step runs only from the status before it, read fresh from the database, so a rerun (or a
    run after an interrupted one) carries on from where the minutes are.
    """
    summary = (
        "<p>The trustees met.</p><ul><li>They agreed the budget.</li>"
        "<li>They agreed to ask people about the drop-in before changing it.</li></ul>"
    )
    page = _minutes_page(index, first, placed, summary, secretary)
    approval = Decision.objects.get(meeting=second, title=APPROVE_MINUTES)
    steps = {
        MinutesPage.Status.DRAFT: lambda page: minutes_services.minutes_circulate(
            minutes=page, user=secretary
        ),
        MinutesPage.Status.CIRCULATED: lambda page: minutes_services.minutes_approve(
            minutes=page, by_decision=approval, user=secretary, lock=False
        ),
        MinutesPage.Status.APPROVED: lambda page: minutes_services.minutes_lock(minutes=page, user=secretary),
    }
    while (step := steps.get(page.status)) is not None:
        step(page)
        page = MinutesPage.objects.get(pk=page.pk)


def _draft_minutes(index, second: Meeting, placed: dict, secretary: User) -> None:
    summary = (
        "<p>The trustees met.</p><ul><li>They agreed to open the drop-in on Saturdays.</li><li>They agreed "
    )
    summary += "to make a quiet room.</li><li>They will train more peer volunteers.</li></ul>"
    _minutes_page(index, second, placed, summary, secretary)


def _council_minutes(index, suc: Body, secretary: User) -> None:
    """The council meeting's minutes, circulated to its members for comment and not yet approved, so the
    demo has minutes at every step: locked (the board's first), circulated (these), draft (the board's
    second)."""
    meeting = Meeting.objects.filter(body=suc, status=Meeting.Status.HELD).order_by("starts_at").first()
    if meeting is None:
        return
    placed = {}
    for decision in Decision.objects.filter(meeting=meeting).order_by("reference"):
        placed.setdefault("Recommendations to the trustees", []).append(decision)
    summary = "<p>The council talked about what people said about the drop-in.</p><ul><li>It asked the board to " \
              "open on Saturdays and make a quiet room.</li></ul>"
    page = _minutes_page(index, meeting, placed, summary, secretary)
    if page.status == MinutesPage.Status.DRAFT:
        minutes_services.minutes_circulate(minutes=page, user=secretary)


# --- words for the evidence report ----------------------------------------------------------------
INVOLVEMENT_STATEMENT = (
    "<p>Together Voices is led by people with lived experience of mental ill-health. On our board, "
    "{seats:TB} are lived-experience seats; on our Service User Council, {seats:SUC}.</p>"
    "<p>We ask before we decide, we say what we did with what you told us, and we check that it worked.</p>"
)
PURPOSES = {
    CLOSED_SLUG: "To decide what changes would make the drop-in feel more welcoming.",
    OPEN_SLUG: "To choose when and how the evening groups run from next season.",
}


STORIES = {
    "evidence_purpose_story": "<p>We asked before we decided: about the drop-in, and about the evening groups, "
    "because members told us these matter most.</p>",
    "evidence_presence_story": "<p>On our Service User Council, {seats:SUC} are lived-experience seats. We want more "
    "members who can only come in the evening, so the council now meets at 6pm every other month.</p>",
    "evidence_process_story": "<p>Most people answered online. Peer workers helped people who asked, and paper forms "
    "were at the drop-in.</p>",
    "evidence_impact_story": "<p>Because members asked, the drop-in now opens on Saturdays and has a quiet room.</p>",
}


def _evidence_words(home: HomePage) -> None:
    """The involvement statement, the report's story for each section and each demo consultation's purpose,
    where they are still empty."""
    site_settings = SiteSettings.for_site(home.get_site())
    changed = False
    for name, words in {"involvement_statement": INVOLVEMENT_STATEMENT, **STORIES}.items():
        if not getattr(site_settings, name):
            setattr(site_settings, name, words)
            changed = True
    if changed:
        site_settings.save()
    for page in ConsultationPage.objects.filter(slug__in=PURPOSES, purpose=""):
        page.purpose = PURPOSES[page.slug]
        page.save_revision().publish()
