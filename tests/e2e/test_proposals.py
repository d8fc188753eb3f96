"""A members' proposal from start to finish, in Chromium at 390 px wide, on the demo content: a service
user raises it, two other members support it (the council's threshold is set to 2 for the story), it
goes on the agenda of the council's next meeting by itself, the secretary (password and authenticator
code) sees it there, takes the attendance and records the decision from the proposal page; the public
timeline shows every step; the proposer and both supporters get one email each about the decision and
see it on their account pages. Every page on the way is checked (axe-core, no sideways scrolling).
"""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from governance.models import AgendaItem, Meeting
from portal.accounts.demo import MEMBER_PASSWORD
from portal.accounts.models import Profile, User
from proposals.models import Proposal, ProposalRules

from .helpers import Journey
from .test_paper_and_resume import sign_in_plain
from .test_staff_journeys import PASSWORDS, demo, sign_in  # noqa: F401  (demo is a fixture)

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
SAM = "service.user@example.org"
SUPPORTERS = ["member01@members.example.org", "member02@members.example.org"]
TITLE = "Longer opening hours on Saturdays"


def test_a_proposal_goes_from_a_member_to_the_agenda_to_a_decision_and_back(browser, browser_context_args, demo, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ProposalRules.objects.filter(body__slug="service-user-council").update(support_threshold=2)
    # The three chose to hear about decisions (their account page's "meetings and decisions" choice).
    Profile.objects.filter(user__email__in=[SAM, *SUPPORTERS]).update(contact_about_meetings=True)
    journey = Journey("proposal", PHONE)

    # 1. Sam raises it, without his name.
    sam_context, sam = sign_in_plain(journey, browser, browser_context_args, demo, SAM, PASSWORDS[SAM])
    sam.get_by_role("link", name="See all proposals from members").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text("Proposals from members")
    journey.check(sam, "list")
    sam.get_by_role("link", name="Make a proposal").first.click()
    journey.check(sam, "form")
    sam.get_by_label("Service User Council").check()
    sam.get_by_label("Give your idea a short title").fill(TITLE)
    sam.get_by_label("What do you want to change?").fill("Keep the drop-in open until 6pm on Saturdays.")
    sam.get_by_label("Why does it matter?").fill("Saturday afternoons are long when you are on your own.")
    sam.get_by_label("No, say it is from “a member”").check()
    sam.get_by_role("button", name="Send the proposal").click()
    expect(sam.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(sam.locator("#timeline ~ ol")).to_contain_text("Raised by a member")
    journey.check(sam, "raised")
    proposal = Proposal.objects.get(title=TITLE)
    url = f"{demo}/proposals/{proposal.pk}/"

    # 2. Two other members support it; the second support puts it on the next council agenda.
    supporters = []
    for email in SUPPORTERS:
        context, page = sign_in_plain(journey, browser, browser_context_args, demo, email, MEMBER_PASSWORD)
        page.goto(url)
        page.get_by_role("button", name="Support this proposal").click()
        expect(page.get_by_text("You support this proposal.", exact=True)).to_be_visible()
        journey.check(page, "supported")
        supporters.append((context, page))
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ON_AGENDA and proposal.agenda_item is not None
    meeting = proposal.agenda_item.meeting
    assert AgendaItem.objects.filter(title__endswith=TITLE).count() == 1
    told = [m for m in mail.outbox if "on the agenda" in m.subject and TITLE in m.body]
    assert [m.to for m in told] == [["secretary@example.org"]]

    # 3. The secretary sees it on the meeting's agenda, takes the attendance, and records the decision.
    sec_context, sec = sign_in(journey, browser, browser_context_args, demo, "secretary@example.org")
    sec.goto(f"{demo}/governance/meetings/")
    sec.get_by_role("link", name=re.compile(re.escape(meeting.title))).first.click()
    expect(sec.locator("main")).to_contain_text(f"Members' proposal: {TITLE}")
    journey.check(sec, "agenda")
    sec.get_by_role("button", name=re.compile("Save attendance")).click()
    expect(sec.get_by_text("Attendance saved.")).to_be_visible()
    # The meeting's day comes (it started an hour ago); then the secretary records what it decided.
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=timezone.now() - timedelta(hours=1))
    sec.goto(url)
    journey.check(sec, "proposal-for-secretary")
    sec.get_by_role("link", name="Record the decision").click()
    journey.check(sec, "decision-form")
    sec.get_by_label("Agreed", exact=True).check()
    sec.get_by_label("What was decided").fill("The drop-in will stay open until 6pm on Saturdays from next month.")
    sec.get_by_role("button", name="Record the decision").click()
    expect(sec.get_by_text(re.compile(r"Decision SUC-\d{4}-\d{3} is recorded"))).to_be_visible()
    journey.check(sec, "decided")
    proposal.refresh_from_db()
    reference = proposal.decision.reference
    assert proposal.status == Proposal.Status.DECIDED and proposal.decision.meeting == meeting

    # 4. The public timeline shows every step, and never Sam's name.
    public_context, public = journey.open_tab(browser, browser_context_args)
    public.goto(url)
    timeline = public.locator("#timeline ~ ol")
    for step in ("Raised by a member", "2 people support it", "It had enough support to go on the agenda",
                 f"On the agenda of “{meeting.title}”", f"Decided ({reference}): agreed"):
        expect(timeline).to_contain_text(step)
    expect(public.locator("main")).not_to_contain_text("Sam")
    journey.check(public, "public-timeline")
    public.get_by_role("link", name=re.compile(re.escape(reference))).click()
    expect(public.get_by_role("heading", level=1)).to_have_text(TITLE)
    journey.check(public, "decision-page")

    # 5. The proposer and both supporters hear what came of it: one email each, and on their account page.
    for email in [SAM, *SUPPORTERS]:
        about = [m for m in mail.outbox if m.to == [email] and TITLE in m.subject]
        assert len(about) == 1, (email, [m.subject for m in mail.outbox if m.to == [email]])
    for page in [sam] + [page for _context, page in supporters]:
        page.goto(f"{demo}/account/profile/")
        expect(page.locator("main")).to_contain_text(TITLE)
        journey.check(page, "account")
    assert User.objects.get(email=SAM).display_name not in mail.outbox[0].body
    for context in (sam_context, sec_context, public_context, *(c for c, _p in supporters)):
        context.close()
