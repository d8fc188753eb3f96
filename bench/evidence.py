"""Evidence report (4Pi) benchmark: generation time and query count for a year of records.

A small year (3 bodies, 4 consultations, 20 decisions, 1,000 responses) is built and measured, then it
grows in place to 6 bodies, 8 consultations, 2,000 decisions and 100,000 responses (with memberships
joining and leaving, held meetings with attendance snapshots, evidence links, actions with their
history, outcomes, themes with "we did" statements and closed ballots to match) and is measured again,
in the same run: the trustees' and the public report's time (median of a few runs) and query count
(which must be the same at both sizes), then the CSV and the PDF made from the big report.

Figures only, never asserted. Runs in its own process on a fresh SQLite file (and on PostgreSQL when
BENCH_POSTGRES_URL points at a database whose name contains "bench"; it is flushed first).

    .venv/bin/python bench/evidence.py
    BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/portal_bench .venv/bin/python bench/evidence.py
"""

import datetime
import random
import re
import statistics
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / "var" / "bench-evidence.sqlite3"
YEAR = 2025
PERIOD_START, PERIOD_END = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
TODAY = datetime.date(YEAR + 1, 6, 30)
# (bodies, consultations, decisions, responses) added by each step: the small year, then the rest.
SMALL = (3, 4, 20, 1_000)
GROWTH = (3, 4, 1_980, 99_000)
RUNS = 5
REASONS = ["Routine business.", "A legal duty.", "Staffing matter.", "Money.", "Urgent safety matter."]


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import run_on_each_database

    run_on_each_database(__file__, SQLITE_FILE)


def run_one(label: str, url: str) -> None:
    _setup_django(url)
    from django.conf import settings

    settings.DEBUG = False
    print(f"\nEvidence report (4Pi) on {label}: {PERIOD_START} to {PERIOD_END}, all groups")
    world = World(random.Random(7))
    started = time.perf_counter()
    world.add(*SMALL, tag="S")
    _analyse()
    small_made = time.perf_counter() - started
    small = _measure(world)
    started = time.perf_counter()
    world.add(*GROWTH, tag="B")
    _analyse()
    big_made = time.perf_counter() - started
    big = _measure(world)

    print(f"  data: small year made in {small_made:.1f} s; grown in {big_made:.1f} s")
    for name, figures in (("small", small), ("big", big)):
        print(f"    {name:<5} {figures['sizes']}")
    print(f"  report generation, median of {RUNS} (budget: under 2 s; queries equal at both sizes)")
    for version in ("trustees", "public"):
        s, b = small[version], big[version]
        same = "SAME" if s["queries"] == b["queries"] else "DIFFERENT"
        print(f"    {version:<9} small {s['median'] * 1000:7.0f} ms, {s['queries']:>3} queries   "
              f"big {b['median'] * 1000:7.0f} ms, {b['queries']:>3} queries  {same}")
        if same == "DIFFERENT":
            _explain(s["sql"], b["sql"])
        slowest = max(b["timings"], key=lambda row: row[0])
        print(f"              slowest query at the big size: {slowest[0] * 1000:.0f} ms  {slowest[1][:160]}")
    report = big["report"]
    keys = ["impact.decisions.cite_input", "impact.actions.on_time", "impact.outcomes.reviewed",
            "impact.themes.we_did", "presence.meetings.lived_quorum", "process.responses",
            "process.ballots.turnout"]
    says = "; ".join(f"{key.split('.', 1)[1]} {report.figure(key).text}" for key in keys)
    print(f"  the big year's report says: {says}")
    _exports(report, small["report"])


# --- measuring ------------------------------------------------------------------------------------
def _measure(world) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from governance.evidence import evidence_report

    result = {"sizes": world.sizes()}
    period = world.period()
    for version, public in (("trustees", False), ("public", True)):
        evidence_report(period=period, public=public)  # warm the caches a running server has
        with CaptureQueriesContext(connection) as ctx:
            report = evidence_report(period=period, public=public)
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            evidence_report(period=period, public=public)
            times.append(time.perf_counter() - start)
        result[version] = {
            "queries": len(ctx.captured_queries),
            "median": statistics.median(times),
            "sql": [q["sql"] for q in ctx.captured_queries],
            "timings": [(float(q["time"]), q["sql"]) for q in ctx.captured_queries],
        }
        if version == "trustees":
            result["report"] = report
    return result


def _shape(sql: str) -> str:
    """A query with its literal values taken out, so the same query at two sizes looks the same."""
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+(\.\d+)?\b", "?", sql)
    return re.sub(r"(\?\s*,\s*)+\?", "?", sql)


def _explain(small_sql: list[str], big_sql: list[str]) -> None:
    small, big = Counter(map(_shape, small_sql)), Counter(map(_shape, big_sql))
    for shape in (big - small) + (small - big):
        print(f"      {big[shape] - small[shape]:+d} x {shape[:200]}")


def _exports(report, small_report) -> None:
    from governance.evidence_exports import report_csv, report_pdf

    report_pdf(small_report, organisation="Bench")  # load fonts and templates once
    start = time.perf_counter()
    csv = report_csv(report)
    csv_s = time.perf_counter() - start
    start = time.perf_counter()
    pdf = report_pdf(report, organisation="Bench")
    pdf_s = time.perf_counter() - start
    start = time.perf_counter()
    report_pdf(small_report, organisation="Bench")
    small_pdf_s = time.perf_counter() - start
    rows = csv.count(b"\n") - 1
    pages = _pages(pdf)
    print(f"  exports of the big trustees' report ({len(report.figures)} figures, "
          f"{len(report.reasons)} reasons recorded)")
    print(f"    CSV {csv_s * 1000:7.0f} ms, {len(csv) / 1e3:7.1f} kB, {rows} rows")
    print(f"    PDF {pdf_s * 1000:7.0f} ms, {len(pdf) / 1e3:7.1f} kB, {pages} pages"
          f"   (small report's PDF: {small_pdf_s * 1000:.0f} ms)")


def _pages(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _analyse() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import setup_django

    setup_django(url, SQLITE_FILE)


# --- the year -------------------------------------------------------------------------------------
def day(month: int, dom: int) -> datetime.date:
    return datetime.date(YEAR, month, dom)


def moment(on: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(on, datetime.time(hour, minute)))


class World:
    """The year's records, added a step at a time with bulk_create (nothing through the services)."""

    def __init__(self, rng: random.Random):
        from consultations.models import ConsultationPage
        from portal.home.models import SiteSettings
        from portal.home.setup import ensure_home_page
        from tests.consultations.factories import make_index

        self.rng = rng
        home = ensure_home_page()
        self.index = make_index(home)
        settings_row = SiteSettings.for_site(home.get_site())
        settings_row.involvement_statement = "<p>People with lived experience lead our work.</p>"
        settings_row.organisation_name = "Bench"
        settings_row.save()
        self.bodies, self.decisions, self.themes, self.statements = [], [], [], []
        self.pages: list[ConsultationPage] = []
        self.people = 0

    def period(self):
        from governance.evidence import Period

        return Period(PERIOD_START, PERIOD_END, today=TODAY)

    def sizes(self) -> str:
        from consultations.models import Response, ResponseStatement, Theme
        from governance.models import (
            Action, Attendance, Body, Decision, EvidenceLink, Meeting, Membership, Outcome,
        )
        from voting.models import Ballot

        counts = [
            (Body, "bodies"), (Membership, "memberships"), (Meeting, "meetings"),
            (Attendance, "attendance rows"),
            (Decision, "decisions"), (EvidenceLink, "evidence links"), (Action, "actions"),
            (Action.history.model, "action history rows"), (Outcome, "outcomes"), (Response, "responses"),
            (Theme, "themes"), (ResponseStatement, "statements"), (Ballot, "ballots"),
        ]
        return ", ".join(f"{model.objects.count():,} {name}" for model, name in counts)

    def add(self, bodies: int, consultations: int, decisions: int, responses: int, *, tag: str) -> None:
        new_pages = [self._consultation(tag, n, consultations) for n in range(consultations)]
        self._responses(new_pages, responses)
        self._themes(new_pages)
        new_bodies = [self._body(tag, n) for n in range(bodies)]
        meetings = self._meetings(new_bodies)
        made = self._decisions(new_bodies, meetings, decisions)
        self._actions(made)
        self._outcomes(made)
        self._ballots(new_bodies, tag)

    # --- consultations, responses, themes, "we did"
    def _consultation(self, tag: str, n: int, of: int):
        from consultations.models import ConsultationPage
        from tests.consultations.factories import make_consultation

        opens = day(1, 10) + datetime.timedelta(days=int(n * 330 / of))
        closes = opens + datetime.timedelta(days=self.rng.randint(21, 60))
        if n == 0:  # open across the start of the year
            opens, closes = datetime.date(YEAR - 1, 12, 1), day(1, self.rng.randint(15, 31))
        page = make_consultation(
            parent=self.index, questions=[], title=f"Bench consultation {tag}{n}",
            purpose="" if n % 4 == 3 else "To hear what would make our groups better.",
            opens_at=moment(opens, 9), closes_at=moment(closes, 17),
        )
        if n % 3 == 2:  # published before easy read summaries were required
            ConsultationPage.objects.filter(pk=page.pk).update(easy_read_summary="")
            page.easy_read_summary = ""
        self.pages.append(page)
        return page

    def _responses(self, pages, total: int) -> None:
        from consultations.models import Response

        origin = Response.Origin
        origins = [origin.ONLINE] * 12 + [origin.ASSISTED] * 3 + [origin.PAPER] * 3 + [origin.EVENT] * 2
        per_page = total // len(pages)
        for index, page in enumerate(pages):
            count = per_page + (total - per_page * len(pages) if index == 0 else 0)
            span = (page.closes_at - page.opens_at).total_seconds()
            rows = []
            for _ in range(count):
                status = Response.Status.SUBMITTED
                roll = self.rng.random()
                if roll < 0.02:
                    status = Response.Status.DRAFT
                elif roll < 0.03:
                    status = Response.Status.WITHDRAWN
                key = uuid.uuid4().hex
                rows.append(Response(
                    consultation=page, status=status, origin=self.rng.choice(origins), idempotency_key=key,
                    resume_token=key, reference=key[:12].upper(),
                    submitted_at=page.opens_at + datetime.timedelta(seconds=self.rng.random() * span)
                    if status != Response.Status.DRAFT else None,
                ))
            Response.objects.bulk_create(rows, batch_size=5000)

    def _themes(self, pages) -> None:
        from consultations.models import ResponseStatement, Theme

        themes = Theme.objects.bulk_create([
            Theme(consultation=page, name=f"Theme {n}", summary="What people said.")
            for page in pages for n in range(self.rng.randint(5, 9))
        ])
        closes = {page.pk: page.closes_at for page in pages}
        statements = []
        for theme in themes:
            roll = self.rng.random()
            if roll < 0.15:
                continue  # no "we did" yet
            if roll < 0.25:
                statements.append(ResponseStatement(theme=theme, text="Draft.", published=False))
                continue
            first = closes[theme.consultation_id] + datetime.timedelta(days=self.rng.randint(-3, 90))
            statements.append(
                ResponseStatement(theme=theme, text="We did it.", published=True, published_at=first)
            )
            if self.rng.random() < 0.3:
                later = first + datetime.timedelta(days=self.rng.randint(10, 60))
                statements.append(
                    ResponseStatement(theme=theme, text="And more.", published=True, published_at=later)
                )
        self.statements += ResponseStatement.objects.bulk_create(statements)
        self.themes += themes

    # --- bodies, seats, meetings
    def _people(self, n: int) -> list:
        from portal.accounts.models import User

        first = self.people
        self.people += n
        return User.objects.bulk_create([
            User(email=f"bench{i}@example.org", display_name=f"Bench person {i}", password="!")
            for i in range(first, first + n)
        ])

    def _body(self, tag: str, n: int):
        from governance.models import Body, Membership

        code = f"{tag}{n}"
        body = Body.objects.create(
            name=f"Bench group {code}", slug=f"bench-{code.lower()}", code=code, quorum=5,
            lived_experience_quorum=None if n == 2 else 7 if n == 1 else 3,
        )
        role, seat = Membership.Role, Membership.Seat
        since = datetime.date(YEAR - 2, 4, 1)
        some_month = lambda dom: day(self.rng.randint(2, 11), dom)  # noqa: E731
        plan = (
            [(role.CHAIR, seat.LIVED_EXPERIENCE, since, None)]
            + [(role.MEMBER, seat.LIVED_EXPERIENCE, since, None)] * 7
            + [(role.TRUSTEE, seat.GENERAL, since, None)] * 5
            + [(role.CO_OPTED, seat.GENERAL, since, None)]
            + [(role.MEMBER, seat.LIVED_EXPERIENCE, some_month(1), None) for _ in range(3)]  # joining
            + [(role.MEMBER, seat.LIVED_EXPERIENCE, since, some_month(15))]  # leaving
            + [(role.TRUSTEE, seat.GENERAL, since, some_month(20)) for _ in range(2)]  # leaving
            + [(role.SECRETARY, seat.GENERAL, since, None)]  # not seats
            + [(role.OBSERVER, seat.LIVED_EXPERIENCE, since, None)]
        )
        people = self._people(len(plan))
        Membership.objects.bulk_create([
            Membership(body=body, person=person, role=r, seat=s, starts_on=starts, ends_on=ends)
            for person, (r, s, starts, ends) in zip(people, plan)
        ])
        body.seats = list(Membership.objects.filter(body=body))
        self.bodies.append(body)
        return body

    def _meetings(self, bodies) -> list:
        """Each body meets monthly (held, with attendance snapshots), plus one cancelled and one next year."""
        from governance.models import Attendance, Meeting, Membership

        voting, lived = Membership.VOTING_ROLES, Membership.Seat.LIVED_EXPERIENCE
        here = Attendance.Status.PRESENT
        made, rows = [], []
        for body in bodies:
            for month in range(1, 13):
                on = day(month, 8 + self.rng.randint(0, 14))
                meeting = Meeting(body=body, title=f"{body.name} {on:%B}", starts_at=moment(on, 18),
                                  status=Meeting.Status.HELD)
                attendance = []
                for seat in body.seats:
                    if not seat.is_current(on):
                        continue
                    roll = self.rng.random()
                    status = (Attendance.Status.PRESENT if roll < 0.75
                              else Attendance.Status.APOLOGIES if roll < 0.92 else Attendance.Status.ABSENT)
                    attendance.append(
                        Attendance(person_id=seat.person_id, role=seat.role, seat=seat.seat, status=status)
                    )
                present = [a for a in attendance if a.status == here and a.role in voting]
                meeting.members_present = len(present)
                meeting.lived_experience_present = sum(a.seat == lived for a in present)
                meeting.quorate = meeting.members_present >= body.quorum
                made.append((meeting, attendance))
            made.append((Meeting(body=body, title="Cancelled", starts_at=moment(day(6, 30), 18),
                                 status=Meeting.Status.CANCELLED), []))
            next_year = moment(TODAY + datetime.timedelta(days=30), 18)
            made.append((Meeting(body=body, title="Next year", starts_at=next_year,
                                 status=Meeting.Status.SCHEDULED), []))
        meetings = Meeting.objects.bulk_create([m for m, _ in made])
        for meeting, (_m, attendance) in zip(meetings, made):
            for row in attendance:
                row.meeting = meeting
                rows.append(row)
        Attendance.objects.bulk_create(rows, batch_size=2000)
        return [m for m in meetings if m.status == Meeting.Status.HELD]

    # --- decisions, evidence, actions, outcomes, ballots
    def _decisions(self, bodies, meetings, count: int) -> list:
        from governance.models import Decision, EvidenceLink

        rng = self.rng
        numbers = Counter()
        adopted = EvidenceLink.Relation.ADOPTED
        rows = []
        for n in range(count):
            meeting = meetings[n % len(meetings)]
            body = next(b for b in bodies if b.pk == meeting.body_id)
            numbers[body.code] += 1
            rows.append(Decision(
                body=body, meeting=meeting, reference=f"{body.code}-{YEAR}-{numbers[body.code]:04d}",
                title=f"Bench decision {body.code} {numbers[body.code]}", text="Agreed.",
                decided_on=meeting.starts_at.date(), members_present=meeting.members_present,
                lived_experience_present=meeting.lived_experience_present,
            ))
        # A mix: ~60% cite a theme, ~8% a consultation, ~5% a "we did"; the rest give a reason, some of
        # those citing only another group's recommendation (which is not service-user input).
        kinds = [rng.random() for _ in rows]
        for decision, roll in zip(rows, kinds):
            if roll >= 0.73:
                decision.no_input_reason = rng.choice(REASONS)
        made = Decision.objects.bulk_create(rows, batch_size=1000)
        links = []
        for decision, roll in zip(made, kinds):
            if roll < 0.60:
                for theme in rng.sample(self.themes, rng.randint(1, 2)):
                    links.append(EvidenceLink(decision=decision, theme=theme, relation=adopted))
            elif roll < 0.68:
                links.append(EvidenceLink(decision=decision, consultation=rng.choice(self.pages)))
            elif roll < 0.73:
                links.append(EvidenceLink(decision=decision, statement=rng.choice(self.statements)))
            elif roll < 0.80 and self.decisions:
                links.append(EvidenceLink(decision=decision, recommendation=rng.choice(self.decisions)))
        EvidenceLink.objects.bulk_create(links, batch_size=2000)
        self.decisions += made
        return made

    def _actions(self, decisions) -> None:
        """About 70% of decisions get an action; its history has a "created" row and, once done, a "done" row
        (the report reads the first "done" row to tell whether it was on time)."""
        from governance.models import Action

        rng = self.rng
        actions, plans = [], []
        for decision in decisions:
            if rng.random() >= 0.7:
                continue
            due = decision.decided_on + datetime.timedelta(days=rng.randint(14, 120))
            roll = rng.random()
            status = (Action.Status.DONE if roll < 0.6 else Action.Status.IN_PROGRESS if roll < 0.75
                      else Action.Status.NOT_STARTED if roll < 0.88 else Action.Status.BLOCKED if roll < 0.94
                      else Action.Status.CANCELLED)
            done = None
            if status == Action.Status.DONE:
                done = due + datetime.timedelta(days=rng.randint(-30, 20))
            if done is not None and done < decision.decided_on:
                done = decision.decided_on
            actions.append(Action(decision=decision, title=f"Do what {decision.reference} says", due_on=due,
                                  status=status))
            plans.append((decision.decided_on, done))
        made = Action.objects.bulk_create(actions, batch_size=1000)
        history = []
        for action, (created, done) in zip(made, plans):
            fields = {"id": action.pk, "decision_id": action.decision_id, "title": action.title,
                      "due_on": action.due_on}
            history.append(Action.history.model(**fields, status=Action.Status.NOT_STARTED, history_type="+",
                                                history_date=moment(created, 20)))
            if action.status != Action.Status.NOT_STARTED:
                on = done or created + datetime.timedelta(days=7)
                history.append(Action.history.model(**fields, status=action.status, history_type="~",
                                                    history_date=moment(on, 11)))
        Action.history.model.objects.bulk_create(history, batch_size=2000)

    def _outcomes(self, decisions) -> None:
        """About 30% of decisions record an outcome, most with a "look again" date, half of those looked
        at again."""
        from governance.models import Outcome

        rng = self.rng
        rows = []
        for decision in decisions:
            if rng.random() >= 0.3:
                continue
            recorded = decision.decided_on + datetime.timedelta(days=rng.randint(20, 90))
            review = recorded + datetime.timedelta(days=rng.randint(30, 150)) if rng.random() < 0.8 else None
            rows.append(Outcome(decision=decision, what_changed="Something changed.", review_on=review,
                                recorded_at=moment(recorded)))
            if review and rng.random() < 0.5:
                again = review + datetime.timedelta(days=rng.randint(-10, 20))
                rows.append(
                    Outcome(decision=decision, what_changed="Looked again.", recorded_at=moment(again))
                )
        made = Outcome.objects.bulk_create(rows, batch_size=1000)
        for outcome, row in zip(made, rows):  # recorded_at is auto_now_add: bulk_create stamped now
            outcome.recorded_at = row.recorded_at
        Outcome.objects.bulk_update(made, ["recorded_at"], batch_size=500)

    def _ballots(self, bodies, tag: str) -> None:
        from voting.models import Ballot

        rows = []
        for n, body in enumerate(bodies + [None]):
            for k, month in enumerate((3, 9)):
                closes = moment(day(month, 10 + n), 17)
                roll = len(body.seats) if body else 400 + 50 * n
                papers = roll * (55 + 10 * k + n) // 100
                rows.append(Ballot(
                    title=f"Bench ballot {tag}{n}-{k}", body=body,
                    electorate=Ballot.Electorate.BODY if body else Ballot.Electorate.SERVICE_USERS,
                    opens_at=closes - datetime.timedelta(days=7), closes_at=closes,
                    status=Ballot.Status.CLOSED, closed_at=closes,
                    tally={"turnout": {"roll": roll, "papers": papers, "quorum_percent": None,
                                       "quorum_met": True}},
                ))
        rows.append(Ballot(title=f"Bench ballot {tag} open", body=bodies[0], opens_at=moment(TODAY),
                           closes_at=moment(TODAY + datetime.timedelta(days=7)), status=Ballot.Status.OPEN))
        Ballot.objects.bulk_create(rows)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3])
    else:
        main()
