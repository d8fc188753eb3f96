"""The evidence report's figures, each against a value worked out by hand from the small known world in
evidence_world.py (its docstring lists every record): the trustees' version, the public version with
small numbers hidden, one body, a member who joins later, and a query count that does not grow."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations import analysis_services
from consultations.models import Response, ResponseStatement
from governance.evidence import (
    PROCESS_SOURCES,
    Figure,
    Period,
    evidence_report,
    presence_points,
    share,
    suppress,
)
from governance.evidence_exports import report_rows
from governance.models import Attendance, Decision, Meeting, Membership
from portal.accounts import roles
from portal.home.setup import ensure_home_page
from tests.consultations.factories import make_consultation
from tests.factories import UserFactory
from voting.evidence import ballot_figures

from .evidence_world import LIVED, PERIOD_END, PERIOD_START, PRESENT, at, ballot, build_world, d, decision, outcome, responses, seat, theme

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built_world(module_db):
    """The world, built once for this module's tests (tests/conftest.py's module_db) instead of once for
    each (3 s): each test gets its own copy (`world`), in its own savepoint."""
    with module_db.unblock():
        return build_world(ensure_home_page())


@pytest.fixture
def world(built_world, home_page):
    return built_world.reloaded()


def figures(report) -> dict:
    """{key: (value, numerator, denominator)} with consultation and body ids made readable."""
    return {f.key: (f.value, f.numerator, f.denominator) for f in report.figures}


def expected_trustees(world) -> dict:
    """Every figure of the world's period, all bodies, worked out by hand (see evidence_world.py)."""
    c1, c2, c3 = (world.pages[k].pk for k in ("c1", "c2", "c3"))
    return {
        "principles.statement": ("People with lived experience lead us.", None, None),
        "purpose.stated": (67, 2, 3),
        f"purpose.consultation.{c1}": ("To set the drop-in's opening hours.", None, None),
        f"purpose.consultation.{c2}": ("To choose new peer groups.", None, None),
        f"purpose.consultation.{c3}": (None, None, None),
        # TB: 6 LE + 1 LE ending 10 Feb, 2 general + 1 joining 15 Feb; the secretary is not a seat.
        "presence.seats.tb.2025-01-31": (78, 7, 9),
        "presence.seats.tb.2025-02-28": (67, 6, 9),
        "presence.seats.tb.2025-03-31": (67, 6, 9),
        "presence.seats.suc.2025-01-31": (62, 8, 13),
        "presence.seats.suc.2025-02-28": (62, 8, 13),
        "presence.seats.suc.2025-03-31": (64, 9, 14),
        "presence.seats.fc.2025-01-31": (25, 1, 4),
        "presence.seats.fc.2025-02-28": (25, 1, 4),
        "presence.seats.fc.2025-03-31": (25, 1, 4),
        # Held meetings M1 M2 M3 M5 M6 M9; the observer at M1 does not count.
        "presence.attendance.lived.present": (14, None, None),
        "presence.attendance.lived.rate": (88, 14, 16),
        "presence.attendance.general.present": (10, None, None),
        "presence.attendance.general.rate": (91, 10, 11),
        "presence.meetings.held": (6, None, None),
        "presence.meetings.quorate": (67, 4, 6),
        "presence.meetings.lived_quorum": (60, 3, 5),
        # C1, C2, C3 (C4 closed before the period); drafts and withdrawn responses do not count.
        "process.consultations": (3, None, None),
        "process.easy_read": (67, 2, 3),
        "process.days_open": (61, None, None),
        "process.responses": (44, None, None),
        "process.responses.online": (30, None, None),
        "process.responses.assisted": (3, None, None),
        "process.responses.paper": (6, None, None),
        "process.responses.event": (5, None, None),
        f"process.responses.consultation.{c1}": (29, None, None),
        f"process.responses.consultation.{c2}": (13, None, None),
        f"process.responses.consultation.{c3}": (2, None, None),
        "process.ballots": (3, None, None),
        "process.ballots.turnout": (40, 60, 149),
        **{key: (now, None, None) for key, (now, _before) in PEOPLE.items()},
        "impact.decisions": (27, None, None),
        "impact.decisions.cite_input": (70, 19, 27),
        "impact.decisions.no_input": (8, None, None),
        # Themes T1-T8: days 10, 30, 0 (before closing), 20, 30 -> median 20.
        "impact.themes.we_did": (63, 5, 8),
        "impact.themes.days_to_we_did": (20, None, None),
        "impact.actions.on_time": (60, 3, 5),
        "impact.outcomes.recorded": (5, None, None),
        "impact.outcomes.reviewed": (33, 1, 3),
        # No proposals and no hear-back messages in this world (tests/proposals/test_evidence_figures.py
        # counts them by hand in a world that has them).
        "process.proposals": (0, None, None),
        "process.proposals.agenda": (None, 0, 0),
        "impact.proposals.in_time": (None, 0, 0),
        "impact.proposals.overdue": (0, None, None),
        "impact.proposals.days": (None, None, None),
        "impact.hear_back": (0, None, None),
        # No involvement payments either (tests/involvement/test_evidence_figures.py counts them by hand).
        "process.payments.people": (0, None, None),
        "process.payments.fees": ("£0.00", None, None),
        "process.payments.expenses": ("£0.00", None, None),
        "process.payments.days": (None, None, None),
    }


def test_every_figure_of_the_trustees_version_matches_the_hand_count(world):
    report = evidence_report(period=world.period(), public=False)

    assert figures(report) == expected_trustees(world)
    assert not any(f.suppressed for f in report.figures)
    assert [s["key"] for s in report.sections] == ["principles", "purpose", "presence", "process", "impact"]


def test_recorded_reasons_are_listed_newest_first_including_a_decision_that_gave_none(world):
    report = evidence_report(period=world.period(), public=False)

    reasons = [(r["decided_on"], r["reason"]) for r in report.reasons]
    assert reasons == [
        (d("2025-03-09"), ""),  # cites only another body's recommendation: not service-user input
        (d("2025-03-05"), "Money."),
        (d("2025-03-02"), "A legal duty."),
        (d("2025-02-27"), "Staffing matter."),
        (d("2025-02-26"), "Money."),
        (d("2025-02-19"), "Money."),
        (d("2025-02-12"), "Money."),
        (d("2025-02-02"), "Routine business."),
    ]


def test_the_public_version_hides_every_small_number_of_people_and_what_would_reveal_it(world):
    c1, c2, c3 = (world.pages[k].pk for k in ("c1", "c2", "c3"))
    report = evidence_report(period=world.period(), public=True)
    shown = {f.key: f.text for f in report.figures}

    hidden = {
        "presence.seats.tb.2025-01-31": "hidden",  # 7 of 9: the 2 general seats would show
        "presence.seats.tb.2025-02-28": "hidden",
        "presence.seats.tb.2025-03-31": "hidden",
        "presence.seats.fc.2025-01-31": "fewer than 5",
        "presence.seats.fc.2025-02-28": "fewer than 5",
        "presence.seats.fc.2025-03-31": "fewer than 5",
        "presence.attendance.lived.rate": "hidden",  # 14 of 16: 2 absences would show
        "presence.attendance.general.rate": "hidden",
        "process.responses.assisted": "fewer than 5",
        "process.people.responses.assisted": "fewer than 5",
        "process.responses.event": "hidden",  # else 44 - 30 - 6 - 5 gives the 3 assisted away
        f"process.responses.consultation.{c3}": "fewer than 5",
        f"process.responses.consultation.{c2}": "hidden",
    }
    assert {k: v for k, v in shown.items() if k in hidden} == hidden
    assert {f.key for f in report.figures if f.suppressed} == set(hidden)
    for figure in report.figures:
        if figure.suppressed:
            assert figure.value is None and figure.numerator is None and figure.denominator is None
            assert figure.url == ""
    assert shown["presence.seats.suc.2025-03-31"] == "9 of 14 (64%)"
    assert shown["process.responses"] == "44" and shown["process.responses.paper"] == "6"
    assert shown["process.ballots.turnout"] == "60 of 149 (40%)"
    assert shown[f"process.responses.consultation.{c1}"] == "29"


def test_no_public_figure_about_people_is_under_5_or_leaves_a_rest_under_5(world):
    for body in (None, "tb", "suc", "fc"):
        report = evidence_report(period=world.period(body), public=True)
        for figure in report.figures:
            if not figure.people or figure.suppressed:
                continue
            parts = [figure.value] if figure.unit == "count" else [
                figure.numerator, figure.denominator, figure.denominator - figure.numerator
            ]
            assert all(not (0 < n < 5) for n in parts), (body, figure.key, parts)


def test_the_trustees_version_shows_the_small_numbers_and_marks_them(world):
    report = evidence_report(period=world.period(), public=False)

    assert report.figure("process.responses.assisted").text == "3"
    assert report.figure("process.responses.assisted").small
    assert report.figure("presence.seats.fc.2025-01-31").text == "1 of 4 (25%)"
    assert not report.figure("process.responses.online").small


def test_one_body_narrows_presence_decisions_actions_outcomes_and_ballots(world):
    report = evidence_report(period=world.period("tb"), public=False)
    found = figures(report)

    assert {k: v for k, v in found.items() if k.startswith("presence.seats.")} == {
        "presence.seats.tb.2025-01-31": (78, 7, 9),
        "presence.seats.tb.2025-02-28": (67, 6, 9),
        "presence.seats.tb.2025-03-31": (67, 6, 9),
    }
    assert found["presence.attendance.lived.rate"] == (75, 6, 8)
    assert found["presence.attendance.general.rate"] == (100, 5, 5)
    assert found["presence.meetings.held"] == (3, None, None)
    assert found["presence.meetings.quorate"] == (67, 2, 3)
    assert found["presence.meetings.lived_quorum"] == (67, 2, 3)
    assert found["impact.decisions.cite_input"] == (75, 9, 12)
    assert found["impact.decisions.no_input"] == (3, None, None)
    assert found["impact.actions.on_time"] == (50, 1, 2)
    assert found["impact.outcomes.recorded"] == (3, None, None)
    assert found["impact.outcomes.reviewed"] == (100, 1, 1)
    assert found["process.ballots"] == (1, None, None)
    assert found["process.ballots.turnout"] == (78, 7, 9)
    assert found["process.consultations"] == (3, None, None)  # consultations are organisation-wide


def test_a_member_joining_later_does_not_change_an_earlier_periods_presence(world):
    before = evidence_report(period=world.period(), public=False)
    tb, suc = world.bodies["tb"], world.bodies["suc"]
    seat(tb, LIVED, starts="2025-04-15")
    seat(suc, Membership.Seat.GENERAL, starts="2025-06-01")
    later = Meeting.objects.create(body=tb, title="May", starts_at=at("2025-05-20"), status=Meeting.Status.HELD,
                                   members_present=1, lived_experience_present=1, quorate=False)
    Attendance.objects.create(meeting=later, person=UserFactory(), seat=LIVED, status=PRESENT, role="member")

    after = evidence_report(period=world.period(), public=False)

    presence = lambda report: {k: v for k, v in figures(report).items() if k.startswith("presence.")}  # noqa: E731
    assert presence(after) == presence(before)
    assert figures(after)["presence.seats.tb.2025-03-31"] == (67, 6, 9)


def test_the_number_of_queries_does_not_grow_with_the_data(world, django_assert_max_num_queries):
    period = world.period()
    evidence_report(period=period, public=True)  # warm the per-process caches (site root paths)
    with CaptureQueriesContext(connection) as small:
        evidence_report(period=period, public=True)

    tb = world.bodies["tb"]
    page = make_consultation(title="Another", opens_at=at("2025-02-01"), closes_at=at("2025-02-20"))
    responses(page, online=40, paper=12, assisted=9)
    more_themes = [theme(page, f"Extra {n}", "2025-03-01") for n in range(5)]
    for n in range(40):
        made = decision(world, tb, "2025-02-14", themes=more_themes[: n % 3])
        outcome(made, "2025-02-15", review="2025-03-01")
    for n in range(6):
        seat(tb, LIVED, starts="2024-06-01")
        Meeting.objects.create(body=tb, title=f"Extra {n}", starts_at=at("2025-03-03"), status=Meeting.Status.HELD,
                               members_present=3, lived_experience_present=2, quorate=True)
        ballot(tb, f"Extra {n}", "2025-03-03", 10, 6)
    evidence_report(period=period, public=True)
    with CaptureQueriesContext(connection) as large:
        report = evidence_report(period=period, public=True)

    assert report.figure("impact.decisions").value == 67
    assert len(large) == len(small)
    # + people who took part (2 a period, and voting's), + 3 for the stories, + 4 for proposals' figures,
    # + 2 for involvement payments' figures
    with django_assert_max_num_queries(28):
        evidence_report(period=period, public=False)


def test_voting_registers_ballots_and_turnout_with_the_report():
    assert ballot_figures in PROCESS_SOURCES


# --- the building blocks -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "start, end, expected",
    [
        ("2025-01-01", "2025-03-31", ["2025-01-31", "2025-02-28", "2025-03-31"]),
        ("2025-01-15", "2025-03-10", ["2025-01-31", "2025-02-28", "2025-03-10"]),
        ("2025-01-01", "2026-12-31", ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31",
                                      "2025-06-30", "2025-07-31", "2025-08-31", "2025-09-30", "2025-10-31",
                                      "2025-11-30", "2025-12-31", "2026-01-31", "2026-02-28", "2026-03-31",
                                      "2026-04-30", "2026-05-31", "2026-06-30"]),  # never past today
        ("2024-01-01", "2026-06-30", ["2024-03-31", "2024-06-30", "2024-09-30", "2024-12-31", "2025-03-31",
                                      "2025-06-30", "2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"]),
        ("2010-01-01", "2025-12-31", [f"{y}-12-31" for y in range(2010, 2026)]),
        ("2026-07-01", "2026-12-31", []),  # not started yet
    ],
)
def test_presence_points_are_month_quarter_or_year_ends_up_to_today(start, end, expected):
    period = Period(d(start), d(end), today=d("2026-06-30"))

    assert [p.isoformat() for p in presence_points(period)] == expected


@pytest.mark.parametrize("n, total, percent", [(1, 8, 13), (7, 8, 88), (1, 3, 33), (2, 3, 67), (0, 5, 0), (0, 0, None)])
def test_shares_round_half_up_to_a_whole_percent(n, total, percent):
    assert share("k", "impact", "label", n, total).value == percent


def test_a_share_of_people_is_hidden_when_its_rest_is_small_but_zero_is_shown():
    rest_small = share("a", "presence", "a", 10, 12, people=True)
    everyone = share("b", "presence", "b", 12, 12, people=True)
    none = Figure("c", "process", "c", 0, people=True)
    not_people = share("d", "impact", "d", 1, 2)
    suppress([rest_small, everyone, none, not_people], public=True)

    assert rest_small.text == "hidden" and everyone.text == "12 of 12 (100%)"
    assert none.text == "0" and not_people.text == "1 of 2 (50%)"


def test_publishing_a_statement_stamps_published_at_and_hiding_it_clears_it(world, user_factory):
    analyst = user_factory(roles=[roles.ANALYSTS])
    statement = ResponseStatement.objects.filter(published=False).first()
    analysis_services.statement_publish(statement=statement, user=analyst, published=True)
    statement.refresh_from_db()
    stamped = statement.published_at
    assert stamped is not None

    analysis_services.statement_save(theme=statement.theme, statement=statement, text="Reworded.", user=analyst)
    statement.refresh_from_db()
    assert statement.published_at == stamped  # a rewrite does not move it

    analysis_services.statement_publish(statement=statement, user=analyst, published=False)
    statement.refresh_from_db()
    assert statement.published_at is None


def test_counts_only_submitted_responses_and_decisions_in_the_period(world):
    # The world's drafts, withdrawn response, C4 and the three decisions outside the period exist...
    assert Response.objects.count() == 20 + 3 + 6 + 2 + 1 + 8 + 5 + 2 + 7
    assert Decision.objects.count() == 30
    # ...and the report leaves them out.
    report = evidence_report(period=world.period(), public=False)
    assert report.figure("process.responses").value == 44
    assert report.figure("impact.decisions").value == 27
    assert datetime.date(2025, 3, 31) == report.period.end


# --- people who took part, and how that changed ---------------------------------------------------------
# (value now, value in the previous period, 2 October to 31 December 2024), by hand from evidence_world.py:
# responses to consultations open in each period (C1, C2, C3 now; C1 before), P and Q counted once each
# per route; people present at held meetings (M1 5 with the observer, M2 3, M3 4, M5 6, M6 4, M9 3 now;
# M10 2 before); voters in B1 (P + 6) and B2 (P + 4), none before. Everyone once: P, Q, 25 at meetings,
# 10 more voters, and 27 + 3 + 6 + 4 responses without a name (before: P, Q, 2, and 18 + 3 + 6).
PEOPLE = {
    "process.people": (77, 31),
    "process.people.responses.online": (29, 20),
    "process.people.responses.assisted": (3, 3),
    "process.people.responses.paper": (6, 6),
    "process.people.responses.event": (5, 0),
    "process.people.meetings": (25, 2),
    "process.people.ballots": (11, 0),
}


def test_people_who_took_part_by_route_and_against_the_previous_period_match_the_hand_count(world):
    report = evidence_report(period=world.period(), public=False)

    found = {f.key: (f.value, f.previous) for f in report.figures if f.key.startswith("process.people")}
    assert found == PEOPLE
    assert report.figure("process.people").change == "up 46 from 31 in the previous period"
    assert report.figure("process.people.responses.paper").change == "the same as the previous period (6)"
    assert report.figure("process.people.meetings").change == "up 23 from 2 in the previous period"


def test_the_public_version_hides_small_numbers_of_people_now_and_before(world, client):
    report = evidence_report(period=world.period(), public=True)

    assisted = report.figure("process.people.responses.assisted")
    assert assisted.suppressed and assisted.text == "fewer than 5" and assisted.change == ""
    meetings = report.figure("process.people.meetings")
    assert (meetings.value, meetings.previous) == (25, None)
    assert meetings.change == "fewer than 5 in the previous period"
    ballots = report.figure("process.people.ballots")
    assert ballots.change == "up 11 from 0 in the previous period"
    rows = {row["key"]: row for row in report_rows(report)}
    assert rows["process.people.meetings"]["previous_period"] == ""
    assert rows["process.people.responses.assisted"]["shown_as"] == "fewer than 5"
    page = client.get(f"/governance/evidence/?from={PERIOD_START}&to={PERIOD_END}").content.decode()
    assert "fewer than 5 in the previous period" in page and "up 11 from 0 in the previous period" in page
