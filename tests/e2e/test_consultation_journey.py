"""A service user's whole journey through a consultation, in Chromium, at phone and at desktop width.

From the home page to the demo's open consultation, every question kind answered with the keyboard-
and label-based controls a screen reader user meets, one step back, the tab closed mid-way (the answer
on screen saved by the autosave script, never by pressing Continue) and the answers resumed in a fresh
browser from the link the page gives, then check, send, the reference; then, once it has closed, the
results. Every page on the way: 0 axe-core violations, no sideways scrolling, no script errors or
failed requests, and a screenshot in artifacts/ (journey-NN-<step>-<width>.png).
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations import demo
from consultations.models import ConsultationPage, Response
from portal.accounts import demo as accounts_demo
from tests.consultations.factories import bulk_responses

from .helpers import WIDE, Journey

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
WIDTHS = [pytest.param(PHONE, id="phone-390"), pytest.param(WIDE, id="desktop-1280")]
OPEN_TITLE = "Improving our evening groups"
SHORT_ANSWER = "The people. Nobody judges you."
LONG_ANSWER = "Please keep the Thursday group.\nIt is the only evening I can get a lift."


def press(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()


def is_autosave(response) -> bool:
    return response.request.method == "POST" and bool(response.request.headers.get("x-autosave"))


def expect_question(page, number: int, total: int = 7) -> None:
    expect(page).to_have_title(re.compile(rf"^Question {number} of {total} "))
    expect(page.get_by_text(f"question {number} of {total}")).to_be_visible()


@pytest.fixture
def demo_site(site_url):
    """The demo's accounts and consultations (the open one has one question of every kind)."""
    accounts_demo.seed()
    demo.seed()
    return site_url


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_person_answers_every_kind_resumes_after_closing_the_tab_sends_and_sees_the_results(
    browser, browser_context_args, demo_site, viewport
):
    journey = Journey("journey", viewport)
    context, page = journey.open_tab(browser, browser_context_args)
    try:
        resume_link = _answer_the_first_questions_then_keep_the_link(journey, page, demo_site)
    finally:
        context.close()  # the tab (and the whole browser session, cookies and all) is gone

    context, page = journey.open_tab(browser, browser_context_args)
    try:
        _resume_and_send(journey, page, resume_link)
        _close_the_consultation()
        _see_the_results(journey, page)
    finally:
        context.close()


def _answer_the_first_questions_then_keep_the_link(journey, page, site_url) -> str:
    page.goto(site_url + "/")
    expect(page.get_by_role("link", name=OPEN_TITLE)).to_be_visible()
    journey.check(page, "home")
    page.get_by_role("link", name=OPEN_TITLE).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(OPEN_TITLE)
    page.get_by_text("Read this in easy read").click()
    expect(page.get_by_text("We want to make them better.")).to_be_visible()
    journey.check(page, "consultation")
    page.get_by_role("button", name="Start now").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Before you start")
    content_note = "Some questions ask how you felt at a group."
    expect(page.get_by_text(content_note)).to_be_visible()
    journey.check(page, "before-you-start")
    page.get_by_label("Yes", exact=True).check()
    press(page, "Continue")

    expect_question(page, 1)
    journey.check(page, "q1-short-text")
    page.get_by_label("In a few words, what do you like most about our evening groups?").fill(SHORT_ANSWER)
    press(page, "Continue")

    expect_question(page, 2)
    press(page, "Continue")  # a required question left empty: a plain message, same page
    expect(page.locator(".govuk-error-summary")).to_contain_text("Answer this question to carry on")
    journey.problems[:] = [p for p in journey.problems if not re.search(r"\b400\b", p)]  # a refused form
    journey.check(page, "q2-single-choice-error")
    page.get_by_label("Thursday").check()
    press(page, "Continue")

    expect_question(page, 3)
    page.get_by_label("A reminder by text message").check()
    page.get_by_label("Someone to meet me at the door").check()
    journey.check(page, "q3-multiple-choice")
    press(page, "Continue")

    expect_question(page, 4)
    press(page, "Back")  # back once: the ticks are still there
    expect_question(page, 3)
    expect(page.get_by_label("A reminder by text message")).to_be_checked()
    expect(page.get_by_label("Someone to meet me at the door")).to_be_checked()
    expect(page.get_by_label("Help with bus or taxi fares")).not_to_be_checked()
    press(page, "Continue")

    expect_question(page, 4)
    expect(page.get_by_label("1 – Not welcome at all")).to_be_visible()
    expect(page.get_by_label("5 – Very welcome")).to_be_visible()
    # Chosen but Continue never pressed: the autosave script sends it a moment later.
    with page.expect_response(is_autosave) as saved:
        page.get_by_label("4", exact=True).check()
    assert saved.value.status == 204
    page.get_by_text("Stop now and come back later").click()
    link = page.locator(".portal-resume-link a")
    expect(link).to_be_visible()
    journey.check(page, "q4-scale-resume-link")
    href = link.get_attribute("href")
    assert re.search(r"/respond/[\w-]{20,}/4/$", href), href
    return href


def _resume_and_send(journey, page, resume_link: str) -> None:
    page.goto(resume_link)
    expect_question(page, 4)
    expect(page.get_by_label("4", exact=True)).to_be_checked()
    journey.check(page, "q4-resumed")
    press(page, "Continue")

    expect_question(page, 5)
    page.get_by_label("Hot food at the start of the group").select_option(label="Number 1")
    page.get_by_label("A peer worker to talk to one-to-one after the group").select_option(label="Number 2")
    journey.check(page, "q5-ranking")
    press(page, "Continue")

    expect_question(page, 6)
    page.get_by_label("No", exact=True).check()
    journey.check(page, "q6-yes-no")
    press(page, "Continue")

    expect_question(page, 7)
    page.get_by_label("Is there anything else you want to tell us about the evening groups?").fill(
        LONG_ANSWER
    )
    journey.check(page, "q7-long-text")
    press(page, "Continue")

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your answers")
    answers = page.locator(".govuk-summary-list")
    for shown in (
        SHORT_ANSWER,
        "Thursday",
        "A reminder by text message, Someone to meet me at the door",
        "4 out of 5",
        "Hot food at the start of the group then A peer worker to talk to one-to-one after the group",
        "It is the only evening I can get a lift.",
    ):
        expect(answers).to_contain_text(shown)
    journey.check(page, "check-answers")
    press(page, "Send my answers")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you: your answers are sent")
    sent = Response.objects.get(status=Response.Status.SUBMITTED, consultation__slug=demo.OPEN_SLUG)
    expect(page.locator(".govuk-panel__body")).to_contain_text(sent.reference)
    assert sent.respondent_id is None and sent.lived_experience == "yes"
    assert sent.answers.count() == 7
    journey.check(page, "sent")


def _close_the_consultation() -> None:
    """The consultation closes (an editor publishes a new closing time), with 30 more people's answers."""
    consultation = ConsultationPage.objects.get(slug=demo.OPEN_SLUG)
    bulk_responses(consultation, 30, seed=5)
    consultation.closes_at = timezone.now() - timedelta(minutes=1)
    consultation.save_revision().publish()


def _see_the_results(journey, page) -> None:
    page.get_by_role("link", name="Back to the consultation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(OPEN_TITLE)
    expect(page.locator(".govuk-tag")).to_have_text("Closed")
    journey.check(page, "consultation-closed")
    page.get_by_role("link", name="See what people said").click()

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("Which evening would suit you best?")).to_be_visible()
    expect(page.get_by_role("table").first).to_be_visible()
    journey.check(page, "results")


@pytest.mark.parametrize("viewport", WIDTHS)
def test_a_person_finds_a_closed_consultation_its_results_and_what_we_did(
    browser, browser_context_args, demo_site, viewport
):
    journey = Journey("closed", viewport)
    context, page = journey.open_tab(browser, browser_context_args)
    try:
        page.goto(demo_site + "/have-your-say/")
        expect(page.get_by_role("heading", name="Closed")).to_be_visible()
        journey.check(page, "have-your-say")
        page.get_by_role("link", name="Making our drop-in more welcoming").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Making our drop-in more welcoming")
        expect(page.get_by_text("Opening at weekends").first).to_be_visible()  # "you said, we did"
        expect(page.get_by_text("open the drop-in on Saturdays from 11am to 3pm")).to_be_visible()
        journey.check(page, "you-said-we-did")
        page.get_by_role("link", name="See what people said").click()

        expect(page.get_by_text("How often do you come to the drop-in?")).to_be_visible()
        journey.check(page, "results")
    finally:
        context.close()
