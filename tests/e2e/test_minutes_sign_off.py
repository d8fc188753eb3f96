"""Minutes signed off through the screens only, in Chromium at desktop width.

A secretary opens the draft minutes in the Wagtail editor (no Publish button there, "Sign off minutes"
instead), circulates them from the sign-off screen; a member reads the circulated draft from the link
she was emailed; the chair approves them on the sign-off screen, which publishes and locks them; the
public page shows them locked with their hash. Then an editor tries to publish another meeting's draft
minutes from the editor and in bulk from the page listing, and is refused each time in plain words.
Screenshots in artifacts/ (minutes-NN-<step>-<width>.png); public pages also pass axe-core.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import Body, Meeting, Membership, MinutesIndexPage, MinutesPage
from portal.accounts import roles

from .helpers import WIDE, Journey, screenshot

pytestmark = pytest.mark.e2e

# The sign-off screens are the Wagtail admin's, used at a desk; the phone width is checked on the
# member's and the public pages by the voting and governance journeys. One width keeps CI short.
WIDTHS = [pytest.param(WIDE, id="desktop-1280")]


def _minutes(index, meeting, title, slug):
    page = MinutesPage(title=title, slug=slug, meeting=meeting, live=False,
                       easy_read_summary="<p>We met and agreed to open on Saturdays.</p>",
                       sections=[{"type": "section", "value": {"heading": "Opening times",
                                                               "text": "<p>We agreed to open on Saturdays.</p>",
                                                               "confidential": False}}])
    index.add_child(instance=page)
    page.save_revision()
    return page


@pytest.fixture
def board(site_url, home_page, user_factory):
    body = Body.objects.create(name="Board of Trustees", slug="board", code="TB", chair_may_approve_minutes=True)
    year_ago = timezone.localdate() - timedelta(days=365)
    people = {}
    for name, role, groups in (("Chris Chair", Membership.Role.CHAIR, [roles.TRUSTEES]),
                               ("Mo Member", Membership.Role.TRUSTEE, [roles.TRUSTEES])):
        people[name] = user_factory(display_name=name, roles=groups)
        Membership.objects.create(body=body, person=people[name], role=role, starts_on=year_ago)
    index = home_page.add_child(instance=MinutesIndexPage(title="Minutes", slug="minutes"))
    march = Meeting.objects.create(body=body, title="Board meeting, March", status=Meeting.Status.HELD,
                                   starts_at=timezone.now() - timedelta(days=20))
    april = Meeting.objects.create(body=body, title="Board meeting, April", status=Meeting.Status.HELD,
                                   starts_at=timezone.now() - timedelta(days=5))
    return {
        "url": site_url, "chair": people["Chris Chair"], "member": people["Mo Member"],
        "secretary": user_factory(display_name="Sam Secretary", roles=[roles.SECRETARIES]),
        "editor": user_factory(display_name="Eve Editor", roles=[roles.EDITORS]),
        "march": _minutes(index, march, "Minutes: Board, March", "board-march"),
        "april": _minutes(index, april, "Minutes: Board, April", "board-april"),
    }


def sign_in(page, site, user, password):
    page.goto(f"{site}/account/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


@pytest.mark.parametrize("viewport", WIDTHS)
def test_minutes_are_signed_off_through_the_screens_and_cannot_be_published_around_them(
    browser, browser_context_args, board, password, viewport, mailoutbox
):
    journey = Journey("minutes", viewport)
    site, march, width = board["url"], board["march"], viewport["width"]

    context, page = journey.open_tab(browser, browser_context_args)
    sign_in(page, site, board["secretary"], password)
    page.goto(f"{site}/admin/pages/{march.pk}/edit/")
    expect(page.locator('button[name="action-publish"]')).to_have_count(0)  # no Publish for draft minutes
    page.get_by_role("button", name="More actions").click()
    page.get_by_role("link", name="Sign off minutes").click()
    expect(page.get_by_role("heading", name="Status: Draft")).to_be_visible()
    screenshot(page, f"minutes-01-sign-off-draft-{width}")
    page.get_by_role("button", name="Circulate to members").click()
    expect(page.get_by_text("The minutes are circulated.")).to_be_visible()
    expect(page.get_by_role("heading", name="Status: Circulated to attendees")).to_be_visible()
    screenshot(page, f"minutes-02-circulated-{width}")
    context.close()
    path = re.search(r"/governance/minutes/\d+/circulated/", mailoutbox[-1].body).group(0)  # the emailed link

    context, page = journey.open_tab(browser, browser_context_args)
    sign_in(page, site, board["member"], password)
    page.goto(site + path)
    expect(page.locator("#circulated-draft")).to_contain_text("draft minutes")
    journey.check(page, "member-reads-draft")
    context.close()

    context, page = journey.open_tab(browser, browser_context_args)
    sign_in(page, site, board["chair"], password)
    page.goto(f"{site}/admin/governance/minutes/{march.pk}/sign-off/")
    page.get_by_role("button", name="Approve and publish as chair").click()
    expect(page.get_by_text("You approved the minutes. They are published and locked.")).to_be_visible()
    stored = MinutesPage.objects.get(pk=march.pk)
    assert stored.status == MinutesPage.Status.LOCKED and stored.live
    expect(page.get_by_text(stored.locked_hash)).to_be_visible()
    screenshot(page, f"minutes-03-locked-{width}")
    page.goto(f"{site}/minutes/board-march/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Minutes: Board, March")
    expect(page.locator(".portal-hash")).to_have_text(stored.locked_hash)
    journey.check(page, "public-locked")
    context.close()

    april = board["april"]
    context, page = journey.open_tab(browser, browser_context_args)
    sign_in(page, site, board["editor"], password)
    page.goto(f"{site}/admin/pages/{april.pk}/edit/")
    expect(page.locator('button[name="action-publish"]')).to_have_count(0)
    screenshot(page, f"minutes-04-editor-no-publish-{width}")
    page.goto(f"{site}/admin/bulk/wagtailcore/page/publish/?id={april.pk}")
    page.get_by_role("button", name=re.compile("Yes, publish")).click()
    expect(page.get_by_text("Nothing was published.")).to_be_visible()
    expect(page.get_by_text("Minutes go on the public site only once they are approved")).to_be_visible()
    screenshot(page, f"minutes-05-bulk-refused-{width}")
    assert not MinutesPage.objects.get(pk=april.pk).live
    assert page.goto(f"{site}/minutes/board-april/").status == 404
    context.close()
