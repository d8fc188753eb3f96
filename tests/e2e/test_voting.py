"""A council member votes in a ranked election with the keyboard only, in Chromium, at phone and desktop width.

She signs in, follows "Your ballots" from her account page, opens the chair election and ranks three of
the four candidates with Tab, the arrow keys and typing in the selects (no mouse, no filling in by the
test), checks her vote, goes back to change it (the check page shows the same receipt code again),
sends it, writes down her receipt code and signs out. Going back to the ballot tells her she has voted.
The returning officer signs in to the admin and closes the ballot from its screen. Later, in a new
browser session, she finds the results (the rounds told in words, drawn as a chart and set out in a
table) and checks the code she wrote down: it is counted, and the results and the receipts list agree
on how many votes there were.

Every page on the way: 0 axe-core violations, no sideways scrolling, no script errors or failed
requests, and a screenshot in artifacts/ (vote-NN-<step>-<width>.png); the results page is also checked
and photographed at 320 px (vote-results-320.png).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from django.urls import reverse

from governance.models import Membership
from portal.accounts import roles
from tests.governance.factories import make_body
from tests.voting.test_casting import sealed_votes
from voting.models import Ballot, BallotOption, BallotPaper, BallotReceipt, SealedPaper
from voting.services import ballot_close, ballot_open, receipt_hash, vote_cast

from .helpers import NARROW, WIDE, Journey, assert_no_axe_violations, horizontal_overflow, screenshot

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
WIDTHS = [pytest.param(PHONE, id="phone-390"), pytest.param(WIDE, id="desktop-1280")]
ELECTION = "Choose the council's chair"
CANDIDATES = ["Alex Morgan", "Bea Khan", "Cal Evans", "Dee Patel"]
MOTION = "Keep the Thursday evening group"
OLD = "Choose the new drop-in opening hours"


def _ballot(body, title, kind, options=(), **fields):
    now = timezone.now()
    ballot = Ballot.objects.create(title=title, kind=kind, body=body, opens_at=now - timedelta(hours=1),
                                   closes_at=now + timedelta(days=6), **fields)
    for order, label in enumerate(options):
        BallotOption.objects.create(ballot=ballot, label=label, order=order)
    return ballot_open(ballot=ballot, user=None)


@pytest.fixture
def council(site_url):
    """A council of eight. Seven have already voted in the chair election, so with her paper (Cal, then
    Alex, then Dee) nobody has a majority until the last of four rounds; she has not voted in an open
    named motion; an older ballot of theirs has closed."""
    body = make_body(code="SUC", members=8, lived=3, name="Service User Council")
    voters = [m.person for m in body.memberships.filter(role__in=list(Membership.VOTING_ROLES)).order_by("pk")]
    voter, others = voters[0], voters[1:]
    ballot_close(ballot=_ballot(body, OLD, Ballot.Kind.SINGLE, ["Weekdays", "Weekends"]))
    _ballot(body, MOTION, Ballot.Kind.MOTION, secret=False)
    election = _ballot(body, ELECTION, Ballot.Kind.IRV, CANDIDATES,
                       description="The chair leads council meetings for two years.")
    alex, bea, cal, dee = election.options.values_list("pk", flat=True)
    papers = [[bea, alex], [bea], [bea, cal], [alex, cal], [dee, alex], [dee, bea], [alex]]
    for person, paper in zip(others, papers):
        vote_cast(ballot=election, user=person, choices=paper)
    return {"url": site_url, "voter": voter, "election": election, "ranks": (cal, alex, dee)}


def focused(page) -> str:
    """What a screen reader would call the focused control: a field's label, or a link's or button's text."""
    return page.evaluate(
        """() => { const el = document.activeElement;
                   const label = el.labels && el.labels.length ? el.labels[0].innerText : el.innerText;
                   return (label || '').replace(/\\s+/g, ' ').trim(); }"""
    )


def tab_to(page, name: str, *, back: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until the focus is on the control called `name`, as a keyboard user does."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if focused(page) == name:
            return
    pytest.fail(f"Tab never reached {name!r} on {page.url}")


def sign_in(page, user, password: str) -> None:
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_member_ranks_candidates_with_the_keyboard_confirms_and_finds_her_receipt_counted(
    browser, browser_context_args, council, password, viewport, user_factory
):
    journey = Journey("vote", viewport)
    context, page = journey.open_tab(browser, browser_context_args)
    try:
        written_down = _vote_with_the_keyboard(journey, page, council, password)
        menu = page.get_by_role("button", name="Menu")  # the navigation is folded away on a phone
        if menu.is_visible():
            menu.click()
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("signed out")
    finally:
        context.close()
    officer = user_factory(roles=[roles.RETURNING_OFFICERS], display_name="Rita Officer")
    context, page = journey.open_tab(browser, browser_context_args)
    try:
        _close_as_the_returning_officer(journey, page, council, officer, password)
    finally:
        context.close()
    context, page = journey.open_tab(browser, browser_context_args)  # later, on another visit
    try:
        page.goto(f"{council['url']}/account/sign-in/")
        sign_in(page, council["voter"], password)
        page.goto(f"{council['url']}/ballots/")
        _find_the_results_and_the_receipt(journey, page, council, written_down)
    finally:
        context.close()


def _close_as_the_returning_officer(journey, page, council, officer, password) -> None:
    election = council["election"]
    page.goto(f"{council['url']}/account/sign-in/")
    sign_in(page, officer, password)
    page.goto(f"{council['url']}/admin/voting/ballots/edit/{election.pk}/")
    expect(page.get_by_role("heading", name="Status: Open")).to_be_visible()
    page.get_by_role("link", name="Close the ballot now").click()
    expect(page).to_have_url(re.compile(reverse("voting_admin_ballot_close", args=[election.pk]) + "$"))
    expect(page.get_by_text("8 of 8 people have voted.")).to_be_visible()
    screenshot(page, f"vote-officer-close-{journey.viewport['width']}")
    page.get_by_role("button", name="Close and count now").click()
    expect(page.get_by_text("The ballot is closed and counted. The results are now public.")).to_be_visible()
    election.refresh_from_db()
    assert election.status == Ballot.Status.CLOSED
    assert not SealedPaper.objects.filter(ballot=election).exists()
    assert BallotPaper.objects.filter(ballot=election).count() == BallotReceipt.objects.filter(ballot=election).count() == 8


def _vote_with_the_keyboard(journey, page, council, password) -> str:
    site, election = council["url"], council["election"]
    page.goto(f"{site}/account/sign-in/")
    journey.check(page, "sign-in")
    sign_in(page, council["voter"], password)

    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    journey.check(page, "account")
    tab_to(page, "See the ballots you can vote in, and their results")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/ballots/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballots")
    cards = page.locator(".govuk-summary-card")
    expect(cards).to_have_count(2)
    election_card = cards.filter(has=page.get_by_role("heading", name=ELECTION))
    expect(election_card).to_contain_text("You have not voted yet")
    expect(election_card).to_contain_text("Nobody: this is a secret ballot")
    expect(cards.filter(has=page.get_by_role("heading", name=MOTION))).to_contain_text("named vote")
    expect(page.get_by_role("link", name=OLD, exact=True)).to_be_visible()
    journey.check(page, "your-ballots")
    tab_to(page, f"Vote now in {ELECTION}")
    page.keyboard.press("Enter")

    # The paper: one select per candidate. Alex: arrow down twice (Number 2); Bea: left out; Cal: type
    # the option's words (Number 1); Dee: arrow down three times (Number 3).
    expect(page).to_have_url(re.compile(rf"/ballots/{election.pk}/vote/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ELECTION)
    journey.check(page, "paper")
    tab_to(page, "Alex Morgan")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    assert focused(page) == "Bea Khan"
    page.keyboard.press("Tab")
    assert focused(page) == "Cal Evans"
    page.keyboard.type("Number 1")
    page.keyboard.press("Tab")
    assert focused(page) == "Dee Patel"
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    tab_to(page, "Bea Khan", back=True)  # back up to see Bea is still not ranked, then on to Continue
    expect(page.get_by_label("Bea Khan")).to_have_value("")
    expect(page.get_by_label("Alex Morgan")).to_have_value("2")
    expect(page.get_by_label("Cal Evans")).to_have_value("1")
    expect(page.get_by_label("Dee Patel")).to_have_value("3")
    tab_to(page, "Continue")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote")
    expect(page.locator("#your-vote li")).to_have_text(["1. Cal Evans", "2. Alex Morgan", "3. Dee Patel"])
    expect(page.get_by_text("You did not give a number to: Bea Khan.")).to_be_visible()
    assert SealedPaper.objects.filter(ballot=election).count() == 7  # checking writes nothing
    first_check_code = page.locator("#receipt-code").inner_text().strip()
    journey.check(page, "check")
    tab_to(page, "Change my vote")
    page.keyboard.press("Enter")

    # Back on the paper, with her numbers still there; straight on to the check page again.
    expect(page.get_by_role("heading", level=1)).to_have_text(ELECTION)
    expect(page.get_by_label("Cal Evans")).to_have_value("1")
    expect(page.get_by_label("Dee Patel")).to_have_value("3")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    journey.check(page, "paper-changed")
    tab_to(page, "Continue")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote")
    shown_before_sending = page.locator("#receipt-code").inner_text().strip()  # the same code as the first check
    tab_to(page, "Send my vote")
    page.keyboard.press("Space")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your vote is in")
    code = page.locator(".govuk-panel__body strong").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code), code
    assert code == shown_before_sending == first_check_code
    votes = dict((rhash, choices) for choices, rhash in sealed_votes(election))
    assert len(votes) == 8 and not BallotPaper.objects.filter(ballot=election).exists()  # sealed until close
    assert votes[receipt_hash(code)] == list(council["ranks"])
    journey.check(page, "receipt")

    page.goto(f"{site}/ballots/{election.pk}/vote/")  # the same ballot again, as from a bookmark
    expect(page.get_by_role("heading", level=1)).to_have_text("You have already voted")
    journey.check(page, "already-voted")
    page.get_by_role("link", name="Go to your ballots").click()
    expect(page.locator(".govuk-summary-card", has=page.get_by_role("heading", name=ELECTION))).to_contain_text(
        "You have voted"
    )
    journey.check(page, "your-ballots-voted")
    return code


def _find_the_results_and_the_receipt(journey, page, council, code: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Your ballots")
    expect(page.locator(".govuk-summary-card")).to_have_count(1)  # the chair election has closed
    page.get_by_role("link", name=ELECTION, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Results: {ELECTION}")
    expect(page.get_by_text("8 of 8 people who could vote")).to_be_visible()
    expect(page.get_by_role("heading", level=3)).to_have_text(["Round 1", "Round 2", "Round 3", "Round 4"])
    expect(page.get_by_text("Cal Evans had the fewest votes and was out of the count.")).to_be_visible()
    expect(page.get_by_text("Bea Khan was the only candidate left, so Bea Khan won.")).to_be_visible()
    charts = page.locator(".portal-round-chart")
    expect(charts).to_have_count(4)
    expect(charts.first).to_be_visible()
    expect(charts.first).to_have_attribute("aria-hidden", "true")
    page.get_by_text("How the count works in detail").click()  # the exact table is behind the disclosure
    expect(page.get_by_role("table")).to_contain_text("Round 4")
    journey.check(page, "results")
    _at_320(page, journey, "vote-results-320")

    page.get_by_role("link", name="Check your receipt code is in the list of votes counted").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your vote was counted")
    journey.check(page, "receipts")
    expect(page.get_by_role("heading", name="All 8 receipts counted")).to_be_visible()  # as the results say
    page.get_by_label("Your receipt code").fill(code.lower())  # as she might type it from her note
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", name="Your vote was counted", exact=True)).to_be_visible()
    expect(page.locator("#receipt-result")).to_contain_text(code)
    assert "code=" not in page.url and code not in page.url  # checked by POST: nothing in the address
    journey.check(page, "receipt-found")


def _at_320(page, journey, name: str) -> None:
    """The narrowest width WCAG reflow asks for: no sideways scrolling, still 0 axe violations."""
    page.set_viewport_size(NARROW)
    screenshot(page, name)
    assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways at 320 px"
    assert_no_axe_violations(page, name)
    page.set_viewport_size(journey.viewport)
