"""Contact, privacy notice and accessibility statement (issue 15), as a person with a browser meets them.

From the home page's footer to the contact form, a mistake, then a message sent and thanked for, with the
emails counted; the privacy notice from the sign-up page; the accessibility statement's model sections,
and its "tell us" link back to the form with the accessibility topic chosen. Every page is checked with
axe-core and for sideways scrolling, at 320 and 1280 px. Screenshots in artifacts/contact-*.png.
"""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.portal.test_privacy_notice import MODEL_HEADINGS

from .helpers import NARROW, WIDE, Journey

pytestmark = pytest.mark.e2e



@pytest.mark.parametrize("viewport", [NARROW, WIDE], ids=["320", "1280"])
def test_contact_privacy_notice_and_accessibility_statement(browser, browser_context_args, site_url, mailoutbox,
                                                             viewport):
    cache.clear()  # no sends counted against this address from an earlier test
    journey = Journey("contact", viewport)
    context, page = journey.open_tab(browser, browser_context_args)

    page.goto(site_url + "/")
    page.locator("footer").get_by_role("link", name="Contact us").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact us")
    expect(page.get_by_text("This form is not for emergencies")).to_be_visible()
    journey.check(page, "form")

    page.get_by_label("Your name (optional)").fill("Robin")
    page.get_by_label("Your email address (optional)").fill("robin@example")
    page.get_by_role("button", name="Send message").click()
    expect(page).to_have_title(re.compile(r"^Error: Contact us"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose what your message is about")
    expect(summary).to_contain_text("Write your message")
    expect(page.get_by_label("Your name (optional)")).to_have_value("Robin")
    # The 400 is deliberate (the form was refused), so it is not counted as a failed request.
    journey.problems[:] = [p for p in journey.problems if not re.match(r"(HTTP 400|console error: .* 400)", p)]
    journey.check(page, "form-errors")

    page.get_by_label("Your email address (optional)").fill("robin@example.org")
    page.get_by_label("A question", exact=True).check()
    page.get_by_label("Your message").fill("When is the next drop-in group?")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(page.get_by_text("Thank you. We have your message. We aim to reply within 5 working days.")).to_be_visible()
    journey.check(page, "sent")
    assert len(mailoutbox) == 2  # one to the charity's inbox, one to say we have it
    assert "When is the next drop-in group?" in mailoutbox[0].body and mailoutbox[1].to == ["robin@example.org"]

    page.goto(site_url + "/account/sign-up/")
    page.get_by_role("link", name="Read how we use your information (privacy notice)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_role("heading", name="Your rights")).to_be_visible()
    journey.check(page, "privacy-notice")

    page.locator("footer").get_by_role("link", name="Accessibility", exact=True).click()
    for heading in MODEL_HEADINGS:
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    journey.check(page, "accessibility-statement")

    page.get_by_role("link", name="tell us about the problem").click()
    expect(page.get_by_label("A problem with the website or its accessibility")).to_be_checked()
    context.close()
