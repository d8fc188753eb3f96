"""The public and account pages, as a person with a browser, a keyboard or a screen reader meets them.

Each page: no axe-core violations at desktop and phone width, the brand stylesheet applied, no
JavaScript errors or failed requests, no sideways scrolling at 320 px, and screenshots in artifacts/.
"""

import re

import pytest
from playwright.sync_api import expect

from .helpers import NARROW, assert_no_axe_violations, capture, horizontal_overflow

pytestmark = pytest.mark.e2e

BRAND_PURPLE = "rgb(61, 44, 110)"  # $govuk-brand-colour in frontend/portal.scss
ANONYMOUS_PAGES = [
    ("home", "/", "Your voice shapes what we do"),
    ("sign-up", "/account/sign-up/", "Create an account"),
    ("sign-in", "/account/sign-in/", "Sign in"),
]


def check_page(page, problems, name: str) -> None:
    """What every page must pass, at 1280 px and again at 320 px; screenshots are kept either way."""
    header_colour = page.evaluate(
        "getComputedStyle(document.querySelector('.portal-header')).backgroundColor"
    )
    assert header_colour == BRAND_PURPLE, "static_build/css/portal.css did not load (run `make frontend`)"
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    capture(page, name)
    assert_no_axe_violations(page, f"{name} at 1280 px")
    page.set_viewport_size(NARROW)
    assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways at 320 px"
    assert_no_axe_violations(page, f"{name} at 320 px")
    assert problems == []


@pytest.mark.parametrize(("name", "path", "heading"), ANONYMOUS_PAGES, ids=[p[0] for p in ANONYMOUS_PAGES])
def test_public_page_is_accessible_styled_and_fits_a_phone(page, page_problems, site_url, name, path, heading):
    response = page.goto(site_url + path)
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    check_page(page, page_problems, name)


def test_profile_page_after_signing_in_is_accessible_styled_and_fits_a_phone(page, page_problems, signed_in):
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text(signed_in.email)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    check_page(page, page_problems, "profile")


def test_sign_up_with_bad_input_lists_the_errors_and_keeps_what_was_typed(page, page_problems, site_url):
    long_name = "A very long name " * 6  # 102 characters; the limit is 80
    page.goto(f"{site_url}/account/sign-up/")
    # The field's maxlength makes a browser cut typing off at 80 characters without a word, so the
    # server's own check is only reached without it (older assistive tech, pasted-in forms).
    page.get_by_label("Your name").evaluate("field => field.removeAttribute('maxlength')")
    page.get_by_label("Your name").fill(long_name)
    page.get_by_label("Email address").fill("not-an-email-address")
    page.get_by_label("Create a password").fill("a calm green river 42")
    page.get_by_role("button", name="Create account").click()

    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Your name must be 80 characters or fewer")
    expect(summary).to_contain_text("Enter an email address in the right format")
    expect(page.get_by_label("Your name")).to_have_value(long_name)
    expect(page.get_by_label("Email address")).to_have_value("not-an-email-address")
    # Each summary entry links to its field, so a keyboard user can go straight to the mistake.
    summary.get_by_role("link", name=re.compile("Enter an email address")).click()
    expect(page.get_by_label("Email address")).to_be_focused()
    # The 400 status is deliberate (the form was refused), so it is not counted as a failed request.
    page_problems[:] = [p for p in page_problems if not re.match(r"(HTTP 400|console error: .* 400)", p)]
    check_page(page, page_problems, "sign-up-errors")


def test_first_tab_reaches_the_skip_link_which_moves_focus_to_the_main_content(page, site_url):
    page.goto(site_url + "/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()  # visually hidden until focused
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()


def test_on_a_phone_the_menu_button_opens_the_navigation(page, site_url):
    page.set_viewport_size(NARROW)
    page.goto(site_url + "/")
    menu = page.get_by_role("button", name="Menu")
    sign_in = page.get_by_role("navigation", name="Menu").get_by_role("link", name="Sign in")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(sign_in).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sign_in).to_be_visible()
    assert_no_axe_violations(page, "home with the phone menu open")
