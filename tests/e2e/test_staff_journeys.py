"""Each staff role's job, end to end, in Chromium, on the demo content `make run` loads: sign in with the
password and the authenticator code (two-step sign-in on), then only clicks: the "Staff area" link, the
role's own menu in the admin, and the links and buttons on each page; never a typed inner address.

Front-end pages on the way are checked at 1280 px and at 320 px (no sideways scrolling, no axe-core
violations) and photographed; admin pages are photographed at 1280 px. Screenshots in artifacts/
(staff-<role>-NN-<step>-<width>.png).
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from portal.accounts import two_factor
from portal.accounts.demo import DEMO_ACCOUNTS

from .helpers import NARROW, WIDE, Journey, screenshot

pytestmark = pytest.mark.e2e
PASSWORDS = {email: password for email, _name, _role, password in DEMO_ACCOUNTS}


@pytest.fixture
def demo(site_url, settings):
    """The demo content and accounts, as `make run` loads them, with two-step sign-in on."""
    settings.PORTAL_STAFF_2FA = True
    call_command("seed_demo", stdout=StringIO())
    return site_url


def sign_in(journey, browser, browser_context_args, site, email):
    """Password, then the authenticator's current code; lands on "Your account"."""
    context, page = journey.open_tab(browser, browser_context_args)
    page.goto(f"{site}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORDS[email])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check it's you")
    device = TOTPDevice.objects.get(user__email=email, name=two_factor.DEMO_DEVICE_NAME)
    page.get_by_label("Code").fill(two_factor.current_code(device))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    return context, page


def front(journey, page, name: str) -> None:
    """A front-end page, checked at phone and desktop width."""
    for viewport in (NARROW, WIDE):
        page.set_viewport_size(viewport)
        journey.viewport = viewport
        journey.check(page, name)


def admin_shot(journey, page, name: str) -> None:
    journey.step += 1
    screenshot(page, f"{journey.prefix}-{journey.step:02d}-{name}-{WIDE['width']}")
    assert journey.problems == [], journey.problems


def open_menu(page, *labels: str) -> None:
    """Click through the admin sidebar: a menu, then an item in it."""
    for label in labels:
        page.get_by_role("button", name=label, exact=True).or_(page.get_by_role("link", name=label, exact=True)).first.click()


def staff_area(page) -> None:
    page.get_by_role("link", name="Staff area").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_a_trustee_reviews_decisions_the_evidence_and_the_ledger(browser, browser_context_args, demo):
    journey = Journey("staff-trustee", WIDE)
    context, page = sign_in(journey, browser, browser_context_args, demo, "trustee@example.org")
    staff_area(page)
    open_menu(page, "For trustees", "Decision register")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decision")
    front(journey, page, "register")
    page.locator("main a[href*='/governance/decisions/']").first.click()
    front(journey, page, "decision")
    page.get_by_role("link", name=re.compile("history", re.I)).first.click()
    front(journey, page, "decision-history")
    staff_area(page)
    open_menu(page, "For trustees", "Evidence report")
    expect(page.get_by_role("heading", level=1)).to_contain_text("vidence")
    front(journey, page, "evidence")
    staff_area(page)
    open_menu(page, "For trustees", "Audit explorer and ledger check")
    front(journey, page, "audit-explorer")
    page.get_by_role("button", name=re.compile("Check", re.I)).first.click()
    expect(page.get_by_text(re.compile("Intact", re.I)).first).to_be_visible(timeout=30_000)
    front(journey, page, "ledger-verdict")
    context.close()


def test_an_analyst_reads_results_codes_answers_and_downloads_them(browser, browser_context_args, demo):
    journey = Journey("staff-analyst", WIDE)
    context, page = sign_in(journey, browser, browser_context_args, demo, "analyst@example.org")
    staff_area(page)
    open_menu(page, "Analysis")
    expect(page.get_by_role("heading", name="Consultations to analyse")).to_be_visible()
    admin_shot(journey, page, "analysis-list")
    page.get_by_role("link", name="Results of Making our drop-in more welcoming").click()
    front(journey, page, "results")
    page.go_back()
    page.get_by_role("link", name="Results of Improving our evening groups").click()  # open: results so far
    front(journey, page, "results-open")
    page.go_back()
    page.get_by_role("link", name="Code the answers to Making our drop-in more welcoming").click()
    front(journey, page, "coding")
    first = page.locator("main form:has(button:has-text('Save themes'))").first
    first.locator("input[type=checkbox]").first.check()
    first.get_by_role("button", name=re.compile("Save themes")).click()
    expect(page.get_by_text(re.compile("Saved|Nothing changed"))).to_be_visible()
    front(journey, page, "coded")
    page.go_back(), page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download answers (CSV) of Making our drop-in more welcoming").click()
    assert download.value.suggested_filename.endswith(".csv")
    context.close()


def test_a_returning_officer_opens_a_ballot_and_closes_another_and_reads_its_result(
    browser, browser_context_args, demo
):
    journey = Journey("staff-officer", WIDE)
    context, page = sign_in(journey, browser, browser_context_args, demo, "returning.officer@example.org")
    staff_area(page)
    open_menu(page, "Ballots")
    page.get_by_role("link", name="Chair of the Service User Council").click()
    page.get_by_role("link", name="Open the ballot").click()
    admin_shot(journey, page, "open-check")
    page.get_by_role("button", name="Open the ballot").click()
    expect(page.get_by_text(re.compile(r"The ballot is open\. \d+ people"))).to_be_visible()
    open_menu(page, "Ballots")
    page.get_by_role("link", name="What should the Service User Council look at next?").click()
    page.get_by_role("link", name="Close the ballot now").click()
    page.get_by_role("button", name="Close and count now").click()
    page.get_by_role("link", name="See the results").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What should the Service User Council")
    front(journey, page, "result")
    context.close()


def test_a_secretary_prepares_a_meeting_records_it_and_finds_the_minutes(browser, browser_context_args, demo):
    journey = Journey("staff-secretary", WIDE)
    context, page = sign_in(journey, browser, browser_context_args, demo, "secretary@example.org")
    staff_area(page)
    open_menu(page, "Meetings and decisions", "Meetings")
    page.locator("main table tbody a").first.click()
    expect(page.get_by_role("heading", name="At this meeting")).to_be_visible()
    page.get_by_role("link", name="Add an agenda item").click()
    page.get_by_label("Title").fill("Any other business")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("link", name="Any other business")).to_be_visible()
    admin_shot(journey, page, "meeting-with-agenda")
    page.get_by_role("link", name="Record attendance and decisions").click()
    expect(page.get_by_role("heading", name="Agenda")).to_be_visible()
    front(journey, page, "recording")
    page.get_by_role("link", name=re.compile("Change the meeting")).click()
    expect(page.get_by_role("heading", name="At this meeting")).to_be_visible()
    open_menu(page, "Meetings and decisions", "Minutes")
    expect(page.get_by_role("heading", name="Minutes")).to_be_visible()
    admin_shot(journey, page, "minutes-list")
    page.get_by_role("link", name=re.compile("^Sign off")).first.click()
    expect(page.get_by_role("heading", name=re.compile("Status:"))).to_be_visible()
    admin_shot(journey, page, "sign-off")
    open_menu(page, "Meetings and decisions", "Decision register and actions")
    front(journey, page, "register")
    context.close()


def test_an_editor_changes_a_consultation_page_and_publishes_it(browser, browser_context_args, demo):
    journey = Journey("staff-editor", WIDE)
    context, page = sign_in(journey, browser, browser_context_args, demo, "editor@example.org")
    staff_area(page)
    search = page.get_by_placeholder(re.compile("Search all pages")).first
    search.fill("evening groups")
    search.press("Enter")
    page.get_by_role("link", name=re.compile("Improving our evening groups")).first.click()
    summary = page.get_by_label(re.compile("^Summary"))
    summary.fill(summary.input_value() + " We will read every answer.")
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(re.compile("published", re.I)).first).to_be_visible()
    admin_shot(journey, page, "published")
    page.get_by_role("link", name=re.compile("View live")).first.click()
    expect(page.get_by_text("We will read every answer.")).to_be_visible()
    front(journey, page, "live-page")
    context.close()
