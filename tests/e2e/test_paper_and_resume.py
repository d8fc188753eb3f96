"""Issue 15 in Chromium, on the demo content `make run` loads:

- a signed-in service user answers one question, goes away, and "Carry on answering" lands on question 2,
  with the crisis routes beside the question (the consultation has a content note);
- a peer worker types in a paper form from their account page: a batch, then the form; it counts;
- a returning officer marks a voter on the roll as voting on paper and types in the paper; a second
  person (the demo administrator) checks it blind; the voter is then refused online.

Every new page is checked at 1280 and 320 px (no sideways scrolling, no axe-core violations) and
photographed in artifacts/ (paper-*.png, resume-*.png).
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations.models import Response
from portal.accounts.demo import MEMBER_PASSWORD
from portal.accounts.models import User
from voting.models import Ballot, PaperVote, RollEntry

from .helpers import NARROW, WIDE, Journey
from .test_staff_journeys import PASSWORDS, demo, front, sign_in, staff_area  # noqa: F401 (demo: a fixture)

pytestmark = pytest.mark.e2e
OPEN_TITLE = "Improving our evening groups"


def sign_in_plain(journey, browser, browser_context_args, site, email, password):
    context, page = journey.open_tab(browser, browser_context_args)
    page.goto(f"{site}/account/sign-in/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    return context, page


def test_carry_on_answering_lands_on_the_first_unanswered_question(browser, browser_context_args, demo):
    journey = Journey("resume", NARROW)
    answered = Response.objects.filter(consultation__title=OPEN_TITLE, respondent__isnull=False).values("respondent")
    person = User.objects.filter(email__endswith="@members.example.org").exclude(pk__in=answered).order_by("email").first()
    context, page = sign_in_plain(journey, browser, browser_context_args, demo, person.email, MEMBER_PASSWORD)
    page.goto(demo + "/have-your-say/")
    page.get_by_role("link", name=OPEN_TITLE).click()
    page.get_by_role("button", name=re.compile("Start now")).click()
    page.get_by_label("Yes, keep my name with my answers").check()
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page).to_have_title(re.compile(r"^Question 1 of 7 "))
    expect(page.get_by_text("If these questions bring up difficult feelings")).to_be_visible()
    page.get_by_label("In a few words, what do you like most about our evening groups?").fill("The people.")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page).to_have_title(re.compile(r"^Question 2 of 7 "))

    page.goto(demo + "/")  # away, then back from the consultation page
    page.get_by_role("link", name=OPEN_TITLE).first.click()
    page.get_by_role("link", name="Carry on answering").click()
    expect(page).to_have_title(re.compile(r"^Question 2 of 7 "))
    expect(page.get_by_role("group", name="Which evening would suit you best?")).to_be_visible()
    front(journey, page, "question-2-after-carry-on")
    context.close()


def test_a_peer_worker_types_in_a_paper_form(browser, browser_context_args, demo):
    journey = Journey("paper-forms", WIDE)
    before = Response.objects.filter(origin=Response.Origin.PAPER, status="submitted").count()
    context, page = sign_in_plain(journey, browser, browser_context_args, demo, "peer.worker@example.org",
                                  PASSWORDS["peer.worker@example.org"])
    page.get_by_role("link", name="Type in answers given on paper or at an event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paper and event responses")
    front(journey, page, "home")
    page.get_by_role("link", name=f"Start a new batch for {OPEN_TITLE}").click()
    front(journey, page, "new-batch")
    page.get_by_role("button", name="Start the batch").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.get_by_role("link", name="Choose paper forms or an event")).to_be_visible()
    journey.problems.clear()  # the 400 was asked for
    page.get_by_label("Paper forms (posted or handed in)").check()
    page.get_by_label("Give this batch a name you will recognise").fill("Posted back this week")
    day, month, year = page.evaluate("() => { const d = new Date(); return [d.getDate(), d.getMonth() + 1, d.getFullYear()]; }")
    page.get_by_label("Day").fill(str(day))
    page.get_by_label("Month").fill(str(month))
    page.get_by_label("Year").fill(str(year))
    page.get_by_role("button", name="Start the batch").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Posted back this week")
    front(journey, page, "batch")
    page.get_by_label("In a few words, what do you like most about our evening groups?").fill("Meeting people")
    page.get_by_label("Thursday").check()
    page.get_by_role("button", name="Save this form").click()
    expect(page.get_by_text(re.compile(r"Form 1 entered \(reference"))).to_be_visible()
    expect(page.locator("#forms-entered")).to_have_text("1")
    front(journey, page, "batch-after-one-form")
    assert Response.objects.filter(origin=Response.Origin.PAPER, status="submitted").count() == before + 1
    context.close()


def test_a_paper_vote_is_typed_in_checked_by_a_second_person_and_the_voter_cannot_vote_online(
    browser, browser_context_args, demo
):
    ballot = Ballot.objects.get(status=Ballot.Status.OPEN, kind=Ballot.Kind.APPROVAL)
    voter = RollEntry.objects.filter(ballot=ballot, has_voted=False).select_related("voter").order_by("voter__email").first().voter
    option = ballot.options.order_by("order").first().label

    journey = Journey("paper-votes", WIDE)
    context, page = sign_in(journey, browser, browser_context_args, demo, "returning.officer@example.org")
    staff_area(page)
    page.get_by_role("link", name="Ballots", exact=True).first.click()
    page.get_by_role("link", name=ballot.title).first.click()
    page.get_by_role("link", name="Paper votes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Paper votes")
    front(journey, page, "overview")
    page.get_by_label("The voter's email address").fill(voter.email)
    page.get_by_role("button", name="Mark as voting on paper").click()
    expect(page.locator("#paper-marked")).to_have_text("1")
    expect(page.locator("#paper-typing-waits")).to_contain_text("Papers are typed in after voting closes")
    # Marked on the roll: the voter cannot vote online as well.
    refused = Journey("paper-votes-voter", NARROW)
    voter_context, voter_page = sign_in_plain(refused, browser, browser_context_args, demo, voter.email, MEMBER_PASSWORD)
    voter_page.goto(f"{demo}/ballots/{ballot.pk}/vote/")
    expect(voter_page.get_by_role("heading", level=1)).to_have_text("You have already voted")
    voter_context.close()
    # Voting closes (the ballot stays open, waiting for its papers): now the box is mixed and typed in.
    Ballot.objects.filter(pk=ballot.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    page.reload()
    expect(page.get_by_text("Mix the papers in the ballot box well")).to_be_visible()
    page.get_by_role("link", name="Type in a paper").click()
    front(journey, page, "enter")
    page.get_by_label(option).check()
    page.get_by_role("button", name="Save this paper").click()
    label = PaperVote.objects.get(ballot=ballot).label
    expect(page.get_by_text(f"Paper {label} typed in.")).to_be_visible()
    expect(page.locator("#paper-waiting")).to_have_text("1")
    context.close()

    second = Journey("paper-votes-check", WIDE)
    context, page = sign_in(second, browser, browser_context_args, demo, "admin@example.org")
    page.goto(f"{demo}/ballots/{ballot.pk}/paper-votes/")
    page.get_by_role("link", name=f"Check {label}").click()
    expect(page.get_by_label(option)).not_to_be_checked()  # blind: the first entry is not shown
    front(second, page, "check")
    page.get_by_role("button", name="Check this paper").click()  # nothing chosen: a plain message
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    second.problems.clear()  # the 400 was asked for
    page.get_by_label(option).check()
    page.get_by_role("button", name="Check this paper").click()
    expect(page.get_by_text(f"Paper {label} matches.")).to_be_visible()
    expect(page.locator("#paper-counted")).to_have_text("1")
    front(second, page, "overview-after-check")
    context.close()
    assert PaperVote.objects.get(ballot=ballot).status == PaperVote.Status.COUNTED

