"""Help within reach (issue 15): on every kind of page a service user sees, at 320 px, "Get help now" is
inside the first screen, and following it by keyboard takes the focus to the crisis box.

On the demo content `make run` loads, signed in as the demo service user, reaching a question page by
the consultation's own Start button. Screenshots in artifacts/help-now-<page>-320.png.
"""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from governance.models import Decision, MinutesPage
from voting.models import Ballot

from .helpers import NARROW, screenshot

pytestmark = pytest.mark.e2e
PUBLIC = ["/", "/have-your-say/", "/have-your-say/improving-our-evening-groups/",
          "/have-your-say/making-our-drop-in-more-welcoming/results/", "/governance/decisions/",
          "/governance/bodies/service-user-council/", "/governance/evidence/", "/transparency/",
          "/account/sign-in/", "/account/sign-up/"]
SIGNED_IN = ["/account/profile/", "/privacy/", "/ballots/"]


def help_is_within_reach(page, name: str) -> None:
    link = page.get_by_role("link", name="Get help now")
    box = link.bounding_box()
    assert box is not None and box["y"] + box["height"] <= NARROW["height"], f"{name}: not in the first screen"
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#crisis-support")).to_be_focused()
    expect(page.locator("#crisis-support")).to_be_in_viewport()
    screenshot(page, f"help-now-{name}-320")


def test_get_help_now_is_in_the_first_screen_and_opens_the_crisis_box(browser, browser_context_args, site_url):
    call_command("seed_demo", stdout=StringIO())
    pages = PUBLIC + [f"/governance/decisions/{Decision.objects.order_by('pk').first().reference}/",
                      MinutesPage.objects.live().first().url,
                      f"/ballots/{Ballot.objects.filter(status=Ballot.Status.CLOSED).first().pk}/results/"]
    context = browser.new_context(**{**browser_context_args, "viewport": NARROW})
    page = context.new_page()
    for path in pages:
        page.goto(site_url + path)
        help_is_within_reach(page, path.strip("/").replace("/", "-") or "home")
    page.goto(f"{site_url}/account/sign-in/")
    page.get_by_label("Email address").fill("service.user@example.org")
    page.get_by_label("Password").fill("demo-service-user-2026")
    page.get_by_role("button", name="Sign in").click()
    for path in SIGNED_IN:
        page.goto(site_url + path)
        help_is_within_reach(page, path.strip("/").replace("/", "-"))
    page.goto(f"{site_url}/have-your-say/improving-our-evening-groups/")
    page.get_by_role("button", name=re.compile("Start|Carry on")).first.click()
    help_is_within_reach(page, "before-you-start")
    page.get_by_label("No, keep my answers anonymous").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Question 1 of \d+"))
    help_is_within_reach(page, "question")
    context.close()
