"""From what service users said to a recorded decision and back, in Chromium, at phone and desktop width.

A secretary signs in through the front-end form, records who came to a Service User Council meeting,
sees the quorum sentence change, marks the meeting held and records a decision that adopts a theme from
a closed consultation. A service user (not signed in) who had looked at that consultation and at the
decision register before the meeting (so both pages sit in the anonymous page cache) comes back, finds
the decision under "You said, we did", follows it to the decision's page (what service users said ->
the decision -> actions -> outcomes), then finds the same reference in the register filtered by the
group and by "shaped by service-user input".

Every page on the way: 0 axe-core violations, no sideways scrolling, no script errors or failed
requests, and a screenshot in artifacts/ (gov-NN-<step>-<width>.png for the secretary, gov-su-NN-... for
the service user).
"""

import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.utils import timezone
from playwright.sync_api import expect

from consultations.models import AnswerTheme, ResponseStatement, Theme
from governance.models import AgendaItem, Body, Decision, EvidenceLink, Meeting, Membership
from portal.accounts import roles
from tests.consultations.factories import Kind, make_consultation, make_response
from tests.governance.factories import make_decision

from .helpers import WIDE, Journey

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
WIDTHS = [pytest.param(WIDE, id="desktop-1280"), pytest.param(PHONE, id="phone-390")]

CONSULTATION = "Making our evenings feel safer"
THEME = "Later opening on Thursdays"
WE_DID = "We will keep the drop-in open until 8pm on Thursdays."
COUNCIL = "Service User Council"
MEETING = "Council meeting: evening opening"
DECISION = "Open the drop-in until 8pm on Thursdays"
# (name, role, seat); quorum 4, of whom 2 must hold lived-experience seats.
MEMBERS = [
    ("Alex Morgan", Membership.Role.CHAIR, Membership.Seat.LIVED_EXPERIENCE),
    ("Bea Khan", Membership.Role.VICE_CHAIR, Membership.Seat.LIVED_EXPERIENCE),
    ("Cal Evans", Membership.Role.MEMBER, Membership.Seat.LIVED_EXPERIENCE),
    ("Dee Patel", Membership.Role.TRUSTEE, Membership.Seat.GENERAL),
    ("Eli Jones", Membership.Role.MEMBER, Membership.Seat.GENERAL),
]
CAME = ["Alex Morgan", "Bea Khan", "Dee Patel", "Eli Jones"]  # Cal Evans sent apologies


@pytest.fixture
def world(site_url, user_factory, settings):
    """A closed consultation whose theme has a published "we did" and six tagged answers; a council of
    five (three lived-experience seats) with a scheduled meeting that has no attendance yet; another
    group's decision and one of the council's own without service-user input, for the filters to drop;
    and a secretary. The anonymous page cache is on (the test settings turn it off), and empty."""
    settings.PAGE_CACHE_SECONDS = 300
    caches["default"].clear()
    now = timezone.now()
    consultation = make_consultation(
        title=CONSULTATION,
        slug="evenings-feel-safer",
        kinds=[Kind.SHORT_TEXT],
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=2),
    )
    theme = Theme.objects.create(
        consultation=consultation,
        name=THEME,
        summary="Many people said the drop-in shuts before they finish work, so they cannot come.",
    )
    ResponseStatement.objects.create(theme=theme, text=WE_DID, published=True)
    for _ in range(6):
        response = make_response(consultation, {Kind.SHORT_TEXT: "Please stay open later on Thursdays."})
        AnswerTheme.objects.create(answer=response.answers.get(), theme=theme)

    council = Body.objects.create(
        name=COUNCIL, slug="service-user-council", code="SUC", quorum=4, lived_experience_quorum=2
    )
    for name, role, seat in MEMBERS:
        person = user_factory(display_name=name)
        since = now.date() - timedelta(days=99)
        council.memberships.create(person=person, role=role, seat=seat, starts_on=since)
    meeting = Meeting.objects.create(
        body=council, title=MEETING, starts_at=now - timedelta(hours=2), location="The Hub"
    )
    item = AgendaItem.objects.create(meeting=meeting, order=1, title="Evening opening: what people told us")
    item.consultations.add(consultation)
    item.themes.add(theme)

    board = Body.objects.create(name="Board of Trustees", slug="board", code="TB", quorum=1)
    make_decision(board, title="Renew the building insurance")
    make_decision(council, title="Approve the council's terms of reference")

    secretary = user_factory(roles=[roles.SECRETARIES], display_name="Sam Secretary")
    return {"consultation": consultation, "theme": theme, "council": council, "meeting": meeting,
            "secretary": secretary, "url": site_url}


def sign_in(page, user, password: str) -> None:
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_secretary_records_a_decision_citing_a_theme_and_a_service_user_finds_it_two_ways(
    browser, browser_context_args, world, password, viewport
):
    site = world["url"]
    visitor = Journey("gov-su", viewport)
    visitor_context, visitor_page = visitor.open_tab(browser, browser_context_args)
    try:
        _before_the_meeting(visitor, visitor_page, site)

        secretary = Journey("gov", viewport)
        context, page = secretary.open_tab(browser, browser_context_args)
        try:
            reference = _secretary_records_the_decision(secretary, page, world, password)
        finally:
            context.close()

        _service_user_finds_it(visitor, visitor_page, site, reference)
    finally:
        visitor_context.close()


def _before_the_meeting(journey, page, site) -> None:
    """Not signed in: the consultation has a "we did" but no decision yet; the register has two."""
    page.goto(f"{site}/have-your-say/")
    with page.expect_response(re.compile(r"/evenings-feel-safer/$")) as shown:
        page.get_by_role("link", name=CONSULTATION).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CONSULTATION)
    assert "no-cache" in shown.value.headers.get("cache-control", ""), "not kept in the anonymous page cache"
    section = page.locator("section", has=page.get_by_role("heading", name="You said, we did"))
    expect(section.get_by_role("heading", name=THEME)).to_be_visible()
    expect(section).to_contain_text(WE_DID)
    expect(section).not_to_contain_text("SUC-")
    journey.check(page, "consultation-before")

    shown = page.goto(f"{site}/governance/decisions/")
    assert "no-cache" in shown.headers.get("cache-control", ""), "not kept in the anonymous page cache"
    expect(page.get_by_role("heading", level=1)).to_have_text("Decision register")
    expect(page.get_by_role("status")).to_have_text("2 decisions")
    journey.check(page, "register-before")


def _secretary_records_the_decision(journey, page, world, password) -> str:
    site, meeting = world["url"], world["meeting"]
    page.goto(f"{site}/governance/meetings/")  # not signed in yet: sent to the sign-in form, then back
    expect(page).to_have_url(re.compile(r"/account/sign-in/\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    journey.check(page, "sign-in")
    sign_in(page, world["secretary"], password)

    expect(page).to_have_url(re.compile(r"/governance/meetings/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Meetings")
    journey.check(page, "meetings")
    page.get_by_role("link", name=MEETING).click()

    # Nobody marked yet: the quorum says so, and there is no way to record a decision.
    expect(page).to_have_url(re.compile(rf"/governance/meetings/{meeting.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(MEETING)
    quorum = page.locator("#quorum")
    expect(quorum).to_contain_text("Not quorate: 0 of 4 needed; 0 with lived experience of 2 needed")
    expect(quorum).to_contain_text("Decisions cannot be recorded until enough members are marked present.")
    expect(page.get_by_role("link", name="Record a decision")).to_have_count(0)
    expect(page.get_by_text("Evening opening: what people told us")).to_be_visible()
    journey.check(page, "meeting-before-attendance")

    for name, role, _seat in MEMBERS:
        answer = "Present" if name in CAME else "Sent apologies"
        page.get_by_role("group", name=f"{name} ({role.label})").get_by_label(answer, exact=True).check()
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_text("Attendance saved.")).to_be_visible()
    expect(quorum).to_have_text(
        re.compile(r"^\s*Quorate: 4 of 4 needed; 2 with lived experience of 2 needed\s*$")
    )
    cal = page.get_by_role("group", name="Cal Evans (Member)")
    expect(cal.get_by_label("Sent apologies", exact=True)).to_be_checked()
    journey.check(page, "meeting-quorate")
    page.get_by_role("button", name="Mark the meeting as held").click()

    expect(page.get_by_text("The meeting is marked as held, with its quorum figures kept.")).to_be_visible()
    kept = "Kept when the meeting was marked as held: 4 members present, 2 with lived experience, quorate."
    expect(page.get_by_text(kept)).to_be_visible()
    journey.check(page, "meeting-held")
    page.get_by_role("link", name="Record a decision").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Record a decision")
    expect(page.locator("#quorum")).to_contain_text("Quorate: 4 of 4 needed")
    mover = page.get_by_label("Proposed by")
    expect(mover.locator("option")).to_have_text(["No one / not recorded", *sorted(CAME)])  # only who came
    journey.check(page, "decision-form")

    page.get_by_label("Short name for the decision").fill(DECISION)
    page.get_by_label("What was decided").fill("The drop-in will stay open until 8pm every Thursday.")
    page.get_by_role("group", name="Outcome").get_by_label("Carried", exact=True).check()
    page.get_by_label("Why: the reasons given").fill("Most people who answered cannot come before 6pm.")
    mover.select_option(label="Alex Morgan")
    page.get_by_label("Seconded by").select_option(label="Dee Patel")
    page.get_by_label("Votes for").fill("3")
    page.get_by_label("Votes against").fill("0")
    page.get_by_label("Abstentions").fill("1")
    evidence = page.get_by_role("group", name="Evidence 1")
    evidence.get_by_label("Theme").select_option(label=f"{CONSULTATION}: {THEME}")
    evidence.get_by_label("How it shaped the decision").select_option(label="Adopted")
    page.get_by_role("button", name="Record the decision").click()

    decision = Decision.objects.get(title=DECISION)
    reference = decision.reference
    assert re.fullmatch(rf"SUC-{timezone.localdate().year}-\d{{3}}", reference), reference
    expect(page).to_have_url(re.compile(rf"/governance/decisions/{reference}/$"))
    expect(page.get_by_text(f"Decision {reference} is recorded.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(DECISION)
    expect(page.get_by_text(f"{COUNCIL} · {reference}")).to_be_visible()
    journey.check(page, "decision-recorded")

    assert (decision.mover.display_name, decision.seconder.display_name) == ("Alex Morgan", "Dee Patel")
    assert (decision.votes_for, decision.votes_against, decision.votes_abstain) == (3, 0, 1)
    assert (decision.members_present, decision.lived_experience_present) == (4, 2)
    assert list(decision.evidence.values_list("theme", "relation")) == [
        (world["theme"].pk, EvidenceLink.Relation.ADOPTED)
    ]
    return reference


def _service_user_finds_it(journey, page, site, reference) -> None:
    """Same tab, still not signed in: the pages cached before the meeting must now show the decision."""
    page.goto(f"{site}/have-your-say/")
    page.get_by_role("link", name=CONSULTATION).click()
    section = page.locator("section", has=page.get_by_role("heading", name="You said, we did"))
    link = section.get_by_role("link", name=f"{reference}: {DECISION}")
    expect(link).to_be_visible()
    expect(section).to_contain_text(f"{reference}: {DECISION} This decision does what you asked for. It was agreed.")
    journey.check(page, "consultation-you-said-we-did")
    link.click()

    # The whole story on one screen, in order: what service users said -> decision -> actions -> outcomes.
    expect(page).to_have_url(re.compile(rf"/governance/decisions/{reference}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(DECISION)
    headings = page.get_by_role("heading", level=2)
    expect(headings).to_contain_text(
        ["1. What service users said", "2. The decision", "3. What we are doing", "4. What changed",
         "Timeline"]
    )
    said = page.locator(".govuk-inset-text").first
    expect(said).to_contain_text("This decision does what you asked for. It was agreed.")
    expect(said).to_contain_text(f"Theme “{THEME}” from the consultation {CONSULTATION}")
    expect(said.get_by_role("link", name=CONSULTATION)).to_be_visible()
    expect(page.get_by_text("Proposed by Alex Morgan; seconded by Dee Patel")).to_be_visible()
    expect(page.get_by_text("3 for, 0 against, 1 abstained")).to_be_visible()
    expect(page.get_by_text("4, of whom 2 held lived-experience seats")).to_be_visible()
    expect(page.get_by_role("link", name="Add an action")).to_have_count(0)  # no staff links for the public
    journey.check(page, "decision-story")
    page.get_by_role("link", name="All decisions").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Decision register")
    expect(page.get_by_role("status")).to_have_text("3 decisions")
    page.get_by_label("Group").select_option(label=COUNCIL)
    shaped = page.get_by_label("Shaped by service-user input")
    shaped.select_option(label="Yes: cites what service users said")
    page.get_by_role("button", name="Show decisions").click()

    expect(page).to_have_url(re.compile(r"body=service-user-council.*shaped=yes"))
    expect(page.get_by_role("status")).to_have_text("1 decision matches")
    results = page.locator("#decisions")
    expect(results.get_by_role("link")).to_have_text([f"{reference}: {DECISION}"])
    expect(results).to_contain_text("Shaped by service-user input")
    expect(page.get_by_label("Group")).to_have_value("service-user-council")
    journey.check(page, "register-filtered")
    results.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DECISION)
