"""Moderation in Chromium: a service user posts a comment with words that suggest they may be at risk and
sees the crisis routes at once; a moderator (a plain sign-in: moderators have no admin access, so no
authenticator code) finds it first in the queue, marked plainly, and takes down another comment with a
reason. Each page is checked at 390 px and 1280 px (no sideways scrolling, 0 axe-core violations) and
photographed (artifacts/moderation-NN-<step>-<width>.png)."""

import re

import pytest
from playwright.sync_api import expect

from portal.accounts import roles
from proposals import moderation
from proposals.models import Comment
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.proposals.factories import make_proposal

from .helpers import WIDE, Journey

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
CRISIS = "Nothing helps and I don't want to be here any more."


def both_widths(journey, page, name: str) -> None:
    for viewport in (PHONE, WIDE):
        page.set_viewport_size(viewport)
        journey.viewport = viewport
        journey.check(page, name)


def sign_in(journey, browser, browser_context_args, site, email):
    context, page = journey.open_tab(browser, browser_context_args)
    page.goto(f"{site}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    return context, page


def test_a_comment_with_crisis_words_reaches_the_moderator_first_and_a_moderator_hides_another(
    browser, browser_context_args, site_url
):
    proposal = make_proposal(title="Open the drop-in on Sundays")
    writer = UserFactory(roles=[roles.SERVICE_USERS], display_name="Wren Writer")
    other = UserFactory(roles=[roles.SERVICE_USERS])
    unkind = moderation.comment_post(proposal=proposal, text="The Sunday volunteers are all idiots.", user=other)
    moderator = UserFactory(roles=[roles.MODERATORS], display_name="Mo Moderator")
    journey = Journey("moderation", PHONE)

    # The service user comments with words that suggest they may be at risk.
    context, page = sign_in(journey, browser, browser_context_args, site_url, writer.email)
    page.goto(f"{site_url}/proposals/{proposal.pk}/")
    expect(page.get_by_text("this is not a crisis service")).to_be_visible()
    page.get_by_label("Your comment").fill(CRISIS)
    page.get_by_role("button", name="Send comment").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your comment")
    expect(page.get_by_role("heading", name="If you need help now").first).to_be_visible()
    both_widths(journey, page, "held-with-crisis-routes")
    held = Comment.objects.get(text=CRISIS)
    assert held.status == Comment.Status.HELD
    context.close()

    # The moderator sees it first, plainly marked, with the crisis routes on the page.
    context, page = sign_in(journey, browser, browser_context_args, site_url, moderator.email)
    page.goto(f"{site_url}/proposals/moderation/")
    both_widths(journey, page, "queue")
    first = page.locator(".portal-queue__item").first
    expect(first).to_contain_text("May need a safety check")
    expect(first).to_contain_text("want to be here any more")
    expect(page.get_by_text("Crisis routes to share")).to_be_visible()

    # ...and takes down the unkind comment, from the proposal's page, with a reason.
    moderation.report_make(item=unkind, reason="Rude about volunteers.", user=writer)
    page.reload()
    page.get_by_role("link", name=re.compile(r"Read it and decide.*report 1")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Decide on this comment")
    both_widths(journey, page, "decide")
    page.get_by_label(re.compile("Take it down")).check()
    page.get_by_label("It could hurt or upset someone").check()
    page.get_by_label("A note for the person who wrote it (optional)").fill("Please talk about the rota, not people.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Done: the comment is taken down. Its author has been told.")).to_be_visible()
    both_widths(journey, page, "queue-after")
    context.close()

    unkind.refresh_from_db()
    assert (unkind.status, unkind.moderation_reason) == (Comment.Status.HIDDEN, "unkind")

    # Its author reads why, kindly, on the proposal page.
    context, page = sign_in(journey, browser, browser_context_args, site_url, other.email)
    page.goto(f"{site_url}/proposals/{proposal.pk}/#comments")
    expect(page.get_by_text("We have taken your comment down, because some of the words could hurt")).to_be_visible()
    both_widths(journey, page, "author-reads-why")
    context.close()
