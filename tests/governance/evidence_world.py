"""A small known world for the evidence report, every figure of which is worked out by hand in
test_evidence.py: 3 bodies, 10 meetings, 30 decisions, 4 consultations (and themes, responses,
actions, outcomes and ballots around them).

The period under test is 1 January to 31 March 2025 (`PERIOD_START`, `PERIOD_END`), with "today"
fixed at 30 June 2026. Rows are written directly (not through services) so every date is exactly as
stated; what the services would snapshot (a meeting's figures) is written as the service would.

Bodies
- TB "Board" (quorum 3, lived-experience quorum 2): 6 lived-experience (LE) seats from 2024; 2
  general from 2024; 1 general joining 15 Feb 2025; 1 LE ending 10 Feb 2025; a secretary (not a seat);
  1 LE joining 1 May 2025 (after the period).
- SUC "Council" (quorum 3, LE quorum 3): 8 LE and 5 general from 2024; 1 LE joining 1 Mar 2025.
- FC "Finance committee" (quorum 2, no LE quorum): 1 LE, 3 general from 2024.

Meetings (10): TB M1 15 Jan (held; present 3 LE + 1 general, LE apologies 1, an observer in an LE
seat present), M2 20 Feb (held, not quorate; present 1 LE + 2 general, LE absent 1), M3 20 Mar (held;
present 2 LE + 2 general), M4 10 Apr (held, after the period); SUC M5 20 Jan (held; present 5 LE + 1
general), M6 25 Feb (held, not quorate; present 2 LE + 2 general, general apologies 1), M7 25 Mar
(scheduled), M8 26 Mar (cancelled); FC M9 5 Feb (held; present 1 LE + 2 general), M10 15 Dec 2024.

Decisions (30): in the period TB 12 (9 cite a theme; 2 give a reason; 1 cites only another body's
recommendation, no reason), SUC 9 (8 cite; 1 reason), FC 6 (2 cite; 4 reasons); outside it TB 20 Dec
2024, SUC 2 Apr 2025, FC 1 Jul 2025.

Consultations (4): C1 1 Dec 2024 - 31 Jan 2025 (purpose, easy read; 20 online, 3 assisted, 6 paper
sent, plus 2 drafts and 1 withdrawn); C2 1 Feb - 3 Mar 2025 (purpose, easy read; 8 online, 5 at an
event); C3 15 Mar - 15 May 2025 (no purpose, no easy read; 2 online); C4 Jun - Aug 2024 (7 online).
Themes: C1 T1 ("we did" 10 Feb and 20 Feb), T2 (2 Mar), T3 (none), T4 (unpublished); C2 T5 (1 Mar,
before closing), T6 (23 Mar); C3 T7 (14 Jun), T8 (none); C4 T9 (published).

Actions: A1 TB due 1 Feb done 25 Jan; A2 TB due 15 Feb done 20 Feb; A3 SUC due 1 Mar done 1 Mar; A4
SUC due 10 Mar in progress; A5 FC due 20 Mar cancelled; A6 TB due 1 May; A7 FC due 10 Jan done 5 Jan.
Outcomes: O1 TB recorded 20 Jan, look again 1 Mar; O2 same decision recorded 5 Mar; O3 SUC recorded
10 Feb, look again 15 Mar; O4 FC recorded 1 Nov 2024, look again 1 Feb; O5 same decision recorded 15
Jan; O6 TB recorded 1 Feb, look again 1 Sep.
Ballots: B1 TB closed 10 Feb (roll 9, papers 7); B2 SUC closed 5 Mar (40, 22); B3 all service users
closed 20 Jan (100, 31); B4 TB open; B5 SUC closed 1 May (after).
People with accounts: P and Q answered and voted (see `_people_who_took_part`); the previous period of
the same length, 2 October to 31 December 2024, has C1 (open from 1 December) and M10.
"""

import datetime
import itertools
import uuid
from dataclasses import dataclass, field

from django.utils import timezone
from freezegun import freeze_time

from consultations.models import ConsultationPage, Response, ResponseStatement, Theme
from governance.evidence import Period
from governance.models import Action, Attendance, Body, Decision, EvidenceLink, Meeting, Membership, Outcome
from portal.home.models import SiteSettings
from tests.consultations.factories import make_consultation
from tests.factories import UserFactory
from voting.models import Ballot, RollEntry

PERIOD_START, PERIOD_END = datetime.date(2025, 1, 1), datetime.date(2025, 3, 31)
TODAY = datetime.date(2026, 6, 30)
LIVED, GENERAL = Membership.Seat.LIVED_EXPERIENCE, Membership.Seat.GENERAL
PRESENT, APOLOGIES, ABSENT = Attendance.Status.PRESENT, Attendance.Status.APOLOGIES, Attendance.Status.ABSENT
STATEMENT = "<p>People with lived experience lead us.</p>"


def d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def at(text: str, hour: int = 12) -> datetime.datetime:
    """Noon (or `hour`) local time on the day."""
    return timezone.make_aware(datetime.datetime.combine(d(text), datetime.time(hour)))


@dataclass
class World:
    bodies: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)
    decisions: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)

    def period(self, body: str | None = None, **fields) -> Period:
        return Period(PERIOD_START, PERIOD_END, self.bodies[body] if body else None, today=TODAY, **fields)

    def reloaded(self) -> "World":
        """A copy with every object read again from the database, for a world built once and shared by a
        module's tests: what one test changes on an object in memory never reaches the next."""
        def again(objects: dict) -> dict:
            return {key: type(made)._default_manager.get(pk=made.pk) for key, made in objects.items()}

        return World(bodies=again(self.bodies), pages=again(self.pages), decisions=again(self.decisions),
                     people=again(self.people))


_refs = itertools.count(1)


def seat(body, seat, starts="2024-01-01", ends=None, role=Membership.Role.MEMBER):
    return Membership.objects.create(body=body, person=UserFactory(), role=role, seat=seat, starts_on=d(starts),
                                     ends_on=d(ends) if ends else None)


def meeting(body, title, day, status=Meeting.Status.HELD, rows=(), quorate=None):
    """A meeting with attendance rows (seat, status[, role]) and, if held, the snapshot the service takes."""
    held = status == Meeting.Status.HELD
    voting = [r for r in rows if len(r) == 2]
    present = [r for r in voting if r[1] == PRESENT]
    lived = sum(1 for r in present if r[0] == LIVED)
    made = Meeting.objects.create(
        body=body, title=title, starts_at=at(day, 18), status=status,
        members_present=len(present) if held else None, lived_experience_present=lived if held else None,
        quorate=quorate if held else None,
    )
    for row in rows:
        role = row[2] if len(row) == 3 else Membership.Role.MEMBER
        Attendance.objects.create(meeting=made, person=UserFactory(), seat=row[0], status=row[1], role=role)
    return made


def decision(world, body, day, *, themes=(), reason="", recommendation=None, key=None):
    made = Decision.objects.create(
        body=body, reference=f"{body.code}-{day[:4]}-{next(_refs):03d}", title=f"Decision on {day}",
        text="We decided.", decided_on=d(day), no_input_reason=reason,
    )
    for theme in themes:
        EvidenceLink.objects.create(decision=made, theme=theme, relation=EvidenceLink.Relation.ADOPTED)
    if recommendation is not None:
        EvidenceLink.objects.create(decision=made, recommendation=recommendation)
    world.decisions[key or made.reference] = made
    return made


def responses(page, status=Response.Status.SUBMITTED, **origins):
    Response.objects.bulk_create([
        Response(consultation=page, status=status, origin=origin, idempotency_key=uuid.uuid4().hex,
                 reference=uuid.uuid4().hex[:12])
        for origin, n in origins.items() for _ in range(n)
    ])


def theme(page, name, *published_on, unpublished=False):
    made = Theme.objects.create(consultation=page, name=name)
    for day in published_on:
        statement = ResponseStatement.objects.create(theme=made, text="We did it.", published=True)
        ResponseStatement.objects.filter(pk=statement.pk).update(published_at=at(day))
    if unpublished:
        ResponseStatement.objects.create(theme=made, text="Draft.", published=False)
    return made


def action(decision, title, due, done=None, status=None):
    with freeze_time(at("2024-12-01")):
        made = Action.objects.create(decision=decision, title=title, due_on=d(due))
    if done:
        with freeze_time(at(done)):
            made.status = Action.Status.DONE
            made.save()
    elif status:
        made.status = status
        made.save()
    return made


def outcome(decision, recorded, review=None):
    made = Outcome.objects.create(decision=decision, what_changed="Something changed.",
                                  review_on=d(review) if review else None)
    Outcome.objects.filter(pk=made.pk).update(recorded_at=at(recorded))
    return made


def ballot(body, title, closed, roll, papers, status=Ballot.Status.CLOSED):
    opens = at(closed) - datetime.timedelta(days=7)
    return Ballot.objects.create(
        title=title, body=body, opens_at=opens, closes_at=at(closed), status=status,
        closed_at=at(closed) if status == Ballot.Status.CLOSED else None,
        tally={"turnout": {"roll": roll, "papers": papers, "quorum_percent": None, "quorum_met": True}}
        if status == Ballot.Status.CLOSED else None,
    )


def _people_who_took_part(world, c1, c2, b1, b2) -> None:
    """Two people with accounts, P and Q, among the responses and rolls (everyone else answered without a
    name): P answered C1 and C2 online and voted in B1 and B2; Q answered C1 online and C2 at an event.
    B1's roll has 6 more who voted and 2 who did not; B2's has 4 more who voted."""
    p, q = UserFactory(), UserFactory()
    online = Response.Origin.ONLINE
    for page, origin, person in ((c1, online, p), (c1, online, q), (c2, online, p), (c2, Response.Origin.EVENT, q)):
        pick = Response.objects.filter(consultation=page, origin=origin, respondent=None,
                                       status=Response.Status.SUBMITTED).first()
        Response.objects.filter(pk=pick.pk).update(respondent=person)
    RollEntry.objects.bulk_create(
        [RollEntry(ballot=b1, voter=p, has_voted=True), RollEntry(ballot=b2, voter=p, has_voted=True)]
        + [RollEntry(ballot=b1, voter=UserFactory(), has_voted=n < 6) for n in range(8)]
        + [RollEntry(ballot=b2, voter=UserFactory(), has_voted=True) for _ in range(4)]
    )
    world.people = {"p": p, "q": q}


def build_world(home_page) -> World:
    world = World()
    settings_row = SiteSettings.for_site(home_page.get_site())
    settings_row.involvement_statement = STATEMENT
    settings_row.save()

    tb = Body.objects.create(name="Board", slug="tb", code="TB", quorum=3, lived_experience_quorum=2)
    suc = Body.objects.create(name="Council", slug="suc", code="SUC", quorum=3, lived_experience_quorum=3)
    fc = Body.objects.create(name="Finance committee", slug="fc", code="FC", quorum=2)
    world.bodies = {"tb": tb, "suc": suc, "fc": fc}

    # --- seats
    for _ in range(6):
        seat(tb, LIVED)
    for _ in range(2):
        seat(tb, GENERAL)
    seat(tb, GENERAL, starts="2025-02-15")
    seat(tb, LIVED, ends="2025-02-10")
    seat(tb, GENERAL, role=Membership.Role.SECRETARY)
    seat(tb, LIVED, starts="2025-05-01")
    for _ in range(8):
        seat(suc, LIVED)
    for _ in range(5):
        seat(suc, GENERAL)
    seat(suc, LIVED, starts="2025-03-01")
    seat(fc, LIVED)
    for _ in range(3):
        seat(fc, GENERAL)

    # --- meetings
    observer = Membership.Role.OBSERVER
    meeting(tb, "M1", "2025-01-15", quorate=True,
            rows=[(LIVED, PRESENT)] * 3 + [(GENERAL, PRESENT), (LIVED, APOLOGIES), (LIVED, PRESENT, observer)])
    meeting(tb, "M2", "2025-02-20", quorate=False, rows=[(LIVED, PRESENT)] + [(GENERAL, PRESENT)] * 2 + [(LIVED, ABSENT)])
    meeting(tb, "M3", "2025-03-20", quorate=True, rows=[(LIVED, PRESENT)] * 2 + [(GENERAL, PRESENT)] * 2)
    meeting(tb, "M4", "2025-04-10", quorate=True, rows=[(LIVED, PRESENT)] * 4)
    meeting(suc, "M5", "2025-01-20", quorate=True, rows=[(LIVED, PRESENT)] * 5 + [(GENERAL, PRESENT)])
    meeting(suc, "M6", "2025-02-25", quorate=False,
            rows=[(LIVED, PRESENT)] * 2 + [(GENERAL, PRESENT)] * 2 + [(GENERAL, APOLOGIES)])
    meeting(suc, "M7", "2025-03-25", status=Meeting.Status.SCHEDULED)
    meeting(suc, "M8", "2025-03-26", status=Meeting.Status.CANCELLED)
    meeting(fc, "M9", "2025-02-05", quorate=True, rows=[(LIVED, PRESENT)] + [(GENERAL, PRESENT)] * 2)
    meeting(fc, "M10", "2024-12-15", quorate=True, rows=[(GENERAL, PRESENT)] * 2)

    # --- consultations, responses, themes
    c1 = make_consultation(title="Drop-in hours", purpose="To set the drop-in's opening hours.",
                           opens_at=at("2024-12-01", 9), closes_at=at("2025-01-31", 17))
    c2 = make_consultation(title="Peer groups", purpose="To choose new peer groups.",
                           opens_at=at("2025-02-01", 9), closes_at=at("2025-03-03", 17))
    c3 = make_consultation(title="Crisis cafe", opens_at=at("2025-03-15", 9), closes_at=at("2025-05-15", 17))
    c4 = make_consultation(title="Old survey", purpose="An old one.", opens_at=at("2024-06-01", 9),
                           closes_at=at("2024-08-01", 17))
    ConsultationPage.objects.filter(pk=c3.pk).update(easy_read_summary="")
    world.pages = {"c1": c1, "c2": c2, "c3": c3, "c4": c4}
    responses(c1, online=20, assisted=3, paper=6)
    responses(c1, status=Response.Status.DRAFT, online=2)
    responses(c1, status=Response.Status.WITHDRAWN, online=1)
    responses(c2, online=8, event=5)
    responses(c3, online=2)
    responses(c4, online=7)
    t1 = theme(c1, "T1", "2025-02-10", "2025-02-20")
    t2 = theme(c1, "T2", "2025-03-02")
    theme(c1, "T3")
    theme(c1, "T4", unpublished=True)
    t5 = theme(c2, "T5", "2025-03-01")
    t6 = theme(c2, "T6", "2025-03-23")
    t7 = theme(c3, "T7", "2025-06-14")
    theme(c3, "T8")
    theme(c4, "T9", "2024-09-01")

    # --- decisions: 27 in the period, 3 outside
    cited = [t1, t2, t5, t6, t7]
    days = [f"2025-{month:02d}-{day:02d}" for month in (1, 2, 3) for day in (5, 12, 19, 26)]
    for n in range(9):
        decision(world, tb, days[n % 12], themes=[cited[n % 5]], key=f"tb-cite-{n}")
    decision(world, tb, "2025-02-02", reason="Routine business.", key="tb-reason-1")
    decision(world, tb, "2025-03-02", reason="A legal duty.", key="tb-reason-2")
    decision(world, suc, "2025-01-30", themes=[t1], key="suc-recommends")
    decision(world, tb, "2025-03-09", recommendation=world.decisions["suc-recommends"], key="tb-recommended")
    for n in range(7):
        decision(world, suc, days[n], themes=[cited[n % 5]], key=f"suc-cite-{n}")
    decision(world, suc, "2025-02-27", reason="Staffing matter.", key="suc-reason")
    for n in range(2):
        decision(world, fc, days[n + 3], themes=[t2], key=f"fc-cite-{n}")
    for n in range(4):
        decision(world, fc, days[n + 5], reason="Money.", key=f"fc-reason-{n}")
    decision(world, tb, "2024-12-20", themes=[t1], key="tb-before")
    decision(world, suc, "2025-04-02", reason="After.", key="suc-after")
    decision(world, fc, "2025-07-01", themes=[t2], key="fc-after")

    # --- actions and outcomes
    dec = world.decisions
    action(dec["tb-cite-0"], "A1", "2025-02-01", done="2025-01-25")
    action(dec["tb-cite-1"], "A2", "2025-02-15", done="2025-02-20")
    action(dec["suc-cite-0"], "A3", "2025-03-01", done="2025-03-01")
    action(dec["suc-cite-1"], "A4", "2025-03-10", status=Action.Status.IN_PROGRESS)
    action(dec["fc-cite-0"], "A5", "2025-03-20", status=Action.Status.CANCELLED)
    action(dec["tb-cite-2"], "A6", "2025-05-01")
    action(dec["fc-cite-1"], "A7", "2025-01-10", done="2025-01-05")
    outcome(dec["tb-cite-3"], "2025-01-20", review="2025-03-01")
    outcome(dec["tb-cite-3"], "2025-03-05")
    outcome(dec["suc-cite-2"], "2025-02-10", review="2025-03-15")
    outcome(dec["fc-reason-0"], "2024-11-01", review="2025-02-01")
    outcome(dec["fc-reason-0"], "2025-01-15")
    outcome(dec["tb-cite-4"], "2025-02-01", review="2025-09-01")

    # --- ballots
    b1 = ballot(tb, "B1", "2025-02-10", 9, 7)
    b2 = ballot(suc, "B2", "2025-03-05", 40, 22)
    _people_who_took_part(world, c1, c2, b1, b2)
    ballot(None, "B3", "2025-01-20", 100, 31)
    ballot(tb, "B4", "2025-03-01", 0, 0, status=Ballot.Status.OPEN)
    ballot(suc, "B5", "2025-05-01", 30, 20)
    return world
