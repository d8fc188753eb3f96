"""Issue 17's journey in Chromium, on the demo content `make run` loads (two-step sign-in on for staff):

a member (a phone, 390 px wide) says she is interested in the open interview panel; the secretary
selects and confirms her (she is emailed the details); the panel happens and the secretary marks that she
took part; she claims for it, choosing a voucher, with a photo of her bus ticket; finance asks a
question; she answers; finance approves it, makes a payment batch, downloads its CSV (which adds up)
and marks it paid; she sees the claim paid and this tax year's total, and downloads her statement (PDF).

Every page on the way is checked (axe-core: 0 violations; no sideways scrolling) and photographed in
artifacts/ (involvement-member-NN-*.png at 390 px, the member's claim pages again at 320 px,
involvement-staff-NN-*.png at 1280 px); the statement's first page is saved as a PNG to look at.
"""

import csv
import datetime
import io
import re
import subprocess

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from involvement.demo import OPEN_TITLE
from involvement.models import Claim, Interest, Opportunity
from portal.accounts.demo import MEMBER_PASSWORD

from .helpers import ARTIFACTS, NARROW, WIDE, Journey
from .test_paper_and_resume import sign_in_plain
from .test_staff_journeys import demo, sign_in  # noqa: F401  (demo is a fixture)

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
MEMBER = "member05@members.example.org"
QUESTION = "Was the bus fare a day return? Please say."
ANSWER = "Yes, it was a day return ticket."


def bus_ticket(folder) -> str:
    """A small photo of a bus ticket (a real PNG), as a phone would send it."""
    path = folder / "bus-ticket.png"
    Image.new("RGB", (60, 30), (250, 240, 200)).save(path)
    return str(path)


def narrow_too(journey: Journey, page, name: str) -> None:
    """The member's page at 320 px as well (the narrowest phone WCAG reflow asks for), then back to 390."""
    journey.viewport = NARROW
    page.set_viewport_size(NARROW)
    journey.check(page, name)
    journey.viewport = PHONE
    page.set_viewport_size(PHONE)


def test_a_member_is_involved_claims_and_is_paid(browser, browser_context_args, demo, settings, tmp_path):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    member_journey, staff = Journey("involvement-member", PHONE), Journey("involvement-staff", WIDE)
    opportunity = Opportunity.objects.get(title=OPEN_TITLE)

    # 1. The member finds the panel from the menu and says she is interested.
    member_context, member = sign_in_plain(member_journey, browser, browser_context_args, demo, MEMBER, MEMBER_PASSWORD)
    member.get_by_role("button", name="Menu").click()
    member.get_by_role("link", name="Get involved", exact=True).click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Get involved")
    member_journey.check(member, "opportunities")
    member.get_by_role("link", name=OPEN_TITLE).click()
    expect(member.locator("#your-interest")).to_contain_text("Would you like to do this?")
    member_journey.check(member, "opportunity")
    member.get_by_label("Is there anything we should know? (optional)").fill("I would like to sit near the door.")
    member.get_by_role("button", name="I'm interested").click()
    expect(member.get_by_text("Thank you. We have your name.")).to_be_visible()
    member_journey.check(member, "interested")
    interest = Interest.objects.get(opportunity=opportunity, person__email=MEMBER)
    name = interest.person.display_name

    # 2. The secretary selects and confirms her: she is emailed when, where, what to bring and how to claim.
    sec_context, sec = sign_in(staff, browser, browser_context_args, demo, "secretary@example.org")
    sec.get_by_role("link", name="Run opportunities (for staff)").click()
    staff.check(sec, "opportunities")
    for link, heading in (("Add an opportunity", "Add an opportunity"),
                          ("Record work at an event, or other work", "Record work at an event, or other work")):
        sec.get_by_role("link", name=link).click()
        expect(sec.get_by_role("heading", level=1)).to_have_text(heading)
        staff.check(sec, "form")
        sec.go_back()
    sec.get_by_role("link", name=OPEN_TITLE).click()
    expect(sec.locator(f"#interest-{interest.pk}")).to_contain_text("I would like to sit near the door.")
    sec.get_by_role("button", name=f"Select {name}").click()
    expect(sec.get_by_text(f"{name} is selected.")).to_be_visible()
    sec.get_by_role("button", name=f"Confirm and email {name}").click()
    expect(sec.get_by_text(f"{name} is confirmed. We have emailed them the details.")).to_be_visible()
    staff.check(sec, "confirmed")
    told = [m for m in mail.outbox if m.to == [MEMBER]]
    assert len(told) == 1 and OPEN_TITLE in told[0].body, [m.subject for m in mail.outbox]

    # 3. The panel happens (it started three hours ago); the secretary marks that she took part.
    Opportunity.objects.filter(pk=opportunity.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=3))
    sec.reload()
    sec.get_by_role("button", name=re.compile(rf"^Took part\W+{name}$")).click()
    expect(sec.get_by_text(f"{name} took part. They can now claim for it.")).to_be_visible()
    staff.check(sec, "took-part")

    # 4. She claims at 390 px: a voucher, and her bus fare with a photo of the ticket.
    member.goto(f"{demo}/involvement/")
    member.get_by_role("link", name="See your claims and payments").click()
    expect(member.get_by_role("heading", level=1)).to_have_text("Your claims and payments")
    member_journey.check(member, "to-claim")
    member.get_by_role("link", name=re.compile(rf"^Claim for this\W+{re.escape(OPEN_TITLE)}")).click()
    expect(member.locator("#benefits")).to_contain_text("Payments can affect benefits")
    expect(member.locator("#benefits a", has_text="Citizens Advice")).to_be_visible()
    member_journey.check(member, "claim-form")
    narrow_too(member_journey, member, "claim-form")
    member.get_by_label("Take a voucher").check()
    member.locator("#id_expense-0-kind").select_option("travel")
    member.locator("#id_expense-0-amount").fill("6.40")
    member.locator("#id_expense-0-description").fill("Bus there and back")
    member.locator("#id_expense-0-receipt").set_input_files(bus_ticket(tmp_path))
    member.get_by_role("button", name="Send my claim").click()
    expect(member.get_by_text(re.compile(r"Your claim CLAIM-\d{6} is sent"))).to_be_visible()
    expect(member.locator("#amounts")).to_contain_text("£31.40")  # the £25.00 rate on the day, plus £6.40
    member_journey.check(member, "claimed")
    claim = Claim.objects.get(payee__person__email=MEMBER)
    assert (claim.choice, claim.fee_pence, claim.expenses_pence) == ("voucher", 2500, 640)
    assert claim.expenses.get().receipt_type == "image/png"

    # 5. Finance asks a question about it.
    money_context, money = sign_in(staff, browser, browser_context_args, demo, "finance@example.org")
    money.get_by_role("link", name="Finance", exact=True).click()
    expect(money.get_by_role("heading", level=1)).to_have_text("Claims")
    staff.check(money, "queue")
    money.get_by_role("link", name=claim.reference).click()
    with money.expect_download() as receipt:
        money.get_by_role("link", name=re.compile("Download the receipt")).click()
    assert receipt.value.suggested_filename.endswith(".png")
    money.get_by_label("Ask the person a question").check()
    money.get_by_label("Your question, or a note").fill(QUESTION)
    money.get_by_role("button", name="Save").click()
    expect(money.get_by_text(f"Your question about {claim.reference} is sent.")).to_be_visible()
    staff.check(money, "queried")

    # 6. She reads the question on her claim and answers it.
    member.reload()
    expect(member.locator("#claim-status")).to_contain_text("We have a question")
    expect(member.locator("#questions + ul")).to_contain_text(QUESTION)
    member_journey.check(member, "question")
    member.get_by_label("Your answer").fill(ANSWER)
    member.get_by_role("button", name="Send my answer").click()
    expect(member.get_by_text("Thank you. Your answer is sent.")).to_be_visible()
    member_journey.check(member, "answered")

    # 7. Finance approves it, makes a batch, downloads the CSV and marks the batch paid.
    money.get_by_role("link", name="Claims", exact=True).click()
    money.get_by_role("link", name=claim.reference).click()
    expect(money.locator("#questions + ul")).to_contain_text(ANSWER)
    money.get_by_label("Approve it").check()
    money.get_by_role("button", name="Save").click()
    expect(money.get_by_text(f"{claim.reference} is approved.")).to_be_visible()
    money.get_by_role("link", name="Payment batches").first.click()
    staff.check(money, "batches")
    money.get_by_role("button", name=re.compile(r"Make a batch of the \d+ approved claim")).click()
    expect(money.get_by_text(re.compile(r"Batch BATCH-\d{4}-\d{3} is made"))).to_be_visible()
    staff.check(money, "batch")
    with money.expect_download() as exported:
        money.get_by_role("link", name="Download the CSV for payroll").click()
    claim.refresh_from_db()
    rows = list(csv.DictReader(io.StringIO(open(exported.value.path(), encoding="utf-8-sig").read())))
    ours = sorted((r["type"], r["amount"]) for r in rows if r["claim_reference"] == claim.reference)
    assert ours == [("expenses", "6.40"), ("voucher", "25.00")]
    total = sum(int(r["amount"].replace(".", "")) for r in rows)
    assert total == claim.batch.total_pence
    money.get_by_role("button", name="Mark the batch as paid").click()
    expect(money.get_by_text(re.compile(r"is marked as paid"))).to_be_visible()
    staff.check(money, "paid")
    money.get_by_role("link", name="Rates", exact=True).click()
    expect(money.locator("main")).to_contain_text("£25.00 from")
    staff.check(money, "rates")

    # 8. She sees it paid, this tax year's total, and downloads her statement.
    member.goto(f"{demo}/involvement/mine/")
    expect(member.locator("#claims + ul")).to_contain_text("Paid")
    expect(member.locator("#paid-total")).to_have_text("£31.40")
    member_journey.check(member, "paid")
    narrow_too(member_journey, member, "paid")
    with member.expect_download() as statement:
        member.get_by_role("link", name=re.compile(r"Download your statement for \d{4} to \d{4}")).first.click()
    assert re.fullmatch(r"involvement-statement-\d{4}-to-\d{4}\.pdf", statement.value.suggested_filename)
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "involvement-statement.pdf"
    statement.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ARTIFACTS / "involvement-statement")], check=True)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "£31.40" in text and claim.reference in text and claim.payee.reference in text
    for context in (member_context, sec_context, money_context):
        context.close()
