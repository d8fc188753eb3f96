"""The involvement screens through the real views: a member says she is interested, staff select, confirm
and mark her as having taken part, she claims (choice, travel cost, receipt), finance asks a question,
she answers, finance approves, batches, exports and marks it paid; she sees it paid and downloads her
statement. Plus what each page refuses: bad files and amounts (400, a plain message, nothing saved),
other people's claims and receipts (404), finance pages for anyone but finance (403).
"""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from involvement import services
from involvement.models import Claim, ClaimNote, Expense, Interest, Opportunity, Participation, RateBand
from portal.jobs.models import OutboxMessage
from tests.factories import UserFactory

from .conftest import stored_files
from .factories import LONG_AGO, event_work, finance, make_band, make_claim, member, receipt, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def band(home_page):
    return make_band(name="Panel, up to 3 hours", rates={LONG_AGO: 2500})


@pytest.fixture
def opportunity(band):
    return services.opportunity_publish(
        user=staff(), title="Interview panel for a peer worker", purpose="Help us choose a new peer worker.",
        kind=Opportunity.Kind.INTERVIEW_PANEL, starts_at=timezone.now() + datetime.timedelta(days=7),
        duration_minutes=150, place="Hope Centre, Room 2", rate_band=band, support_offered="A quiet room.",
        what_to_bring="Nothing.", places=2,
    )


def page(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def text(response) -> str:
    return response.content.decode()


def claim_data(choice="voucher", amount="", kind="", description="", file=None) -> dict:
    data = {"choice": choice, "expense-0-kind": kind, "expense-0-amount": amount,
            "expense-0-description": description}
    if file is not None:
        data["expense-0-receipt"] = file
    return data


# --- opportunities and interest ---------------------------------------------------------------------
def test_opportunities_need_signing_in_and_show_what_they_pay(client, opportunity):
    assert client.get(reverse("involvement:opportunities"))["Location"].startswith(reverse("accounts:login"))
    listing = text(page(client, member(), reverse("involvement:opportunities")))
    assert "Interview panel for a peer worker" in listing and "Paid, and we pay your costs" in listing
    detail = text(client.get(reverse("involvement:opportunity", args=[opportunity.pk])))
    assert "£25.00 for your time" in detail and "2 hours 30 minutes" in detail and "I'm interested" in detail


def test_a_member_says_she_is_interested_with_a_note_and_sees_it(client, opportunity):
    sam = member()
    client.force_login(sam)
    url = reverse("involvement:opportunity", args=[opportunity.pk])
    response = client.post(url, {"note": "I need a step-free room."})
    assert response.status_code == 302
    interest = Interest.objects.get(opportunity=opportunity, person=sam)
    assert interest.note == "I need a step-free room." and interest.status == Interest.Status.INTERESTED
    shown = text(client.get(url))
    assert "We will tell you by email if you are chosen" in shown and "I'm interested</button>" not in shown


def test_a_note_too_long_is_refused_with_a_message_and_nothing_saved(client, opportunity):
    client.force_login(member())
    response = client.post(reverse("involvement:opportunity", args=[opportunity.pk]), {"note": "x" * 1001})
    assert response.status_code == 400
    assert "Your note must be 1000 characters or fewer. You typed 1001." in text(response)
    assert not Interest.objects.exists()


def test_only_members_may_say_they_are_interested(client, opportunity):
    client.force_login(finance())
    assert client.post(reverse("involvement:opportunity", args=[opportunity.pk]), {"note": ""}).status_code == 403
    assert not Interest.objects.exists()


def test_staff_select_confirm_and_mark_taking_part_which_she_can_then_claim_for(client, opportunity):
    sam = member(display_name="Sam Example")
    interest = services.interest_express(user=sam, opportunity=opportunity)
    secretary = staff()
    client.force_login(secretary)
    url = reverse("involvement:staff-opportunity", args=[opportunity.pk])
    assert "Sam Example" in text(client.get(url))
    for action, status in (("select", "selected"), ("confirm", "confirmed")):
        response = client.post(url, {"interest": interest.pk, "action": action}, follow=True)
        interest.refresh_from_db()
        assert interest.status == status, (action, text(response))
    assert "You can mark that they took part once it has started" in text(response)
    assert OutboxMessage.objects.filter(job="involvement.send_confirmed", payload__interest_id=interest.pk).count() == 1
    Opportunity.objects.filter(pk=opportunity.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=3))
    response = client.post(url, {"interest": interest.pk, "action": "attended"}, follow=True)
    assert "Sam Example took part. They can now claim for it." in text(response)
    participation = Participation.objects.get(interest=interest)
    mine = text(page(client, sam, reverse("involvement:mine")))
    assert reverse("involvement:claim-new", args=[participation.pk]) in mine


def test_the_staff_pages_are_for_secretaries_and_finance_only(client, opportunity):
    for user, status in ((member(), 403), (staff(), 200), (finance(), 200)):
        assert page(client, user, reverse("involvement:staff-opportunity", args=[opportunity.pk])).status_code == status


def test_staff_add_an_opportunity_that_members_then_see(client, band):
    client.force_login(staff())
    response = client.post(reverse("involvement:staff-new"), {
        "title": "Working group on the website", "kind": "working_group", "purpose": "Make the website easier.",
        "day_0": "3", "day_1": "6", "day_2": str(timezone.localdate().year + 1), "start_hour": "14",
        "start_minute": "30",
        "duration_minutes": "90", "place": "Online", "rate_band": band.pk, "places": "4",
        "support_offered": "", "what_to_bring": "",
    })
    assert response.status_code == 302, text(response)
    made = Opportunity.objects.get(title="Working group on the website")
    assert timezone.localtime(made.starts_at).strftime("%H:%M") == "14:30" and made.places == 4
    assert "Working group on the website" in text(page(client, member(), reverse("involvement:opportunities")))


def test_an_opportunity_with_a_time_that_is_not_a_time_is_refused(client, band):
    client.force_login(staff())
    response = client.post(reverse("involvement:staff-new"), {
        "title": "A panel", "kind": "other", "purpose": "To help.", "day_0": "3", "day_1": "6", "day_2": "2030",
        "start_hour": "25", "start_minute": "teatime", "duration_minutes": "90", "place": "Online", "places": "1",
    })
    assert response.status_code == 400
    assert "Enter the hour from 0 to 23" in text(response) and "Enter the minute as a number" in text(response)
    assert not Opportunity.objects.exists()


# --- claiming ---------------------------------------------------------------------------------------
def test_the_claim_page_says_payments_may_affect_benefits_and_links_to_free_advice(client, band):
    sam = member()
    work = event_work(sam, band=band)
    shown = text(page(client, sam, reverse("involvement:claim-new", args=[work.pk])))
    assert "Payments can affect benefits" in shown and "We cannot tell you if it will change yours" in shown
    assert 'href="https://www.citizensadvice.org.uk/benefits/"' in shown
    assert "£25.00" in shown and "Take a voucher" in shown and "Decline payment" in shown


def test_a_member_claims_a_voucher_with_a_travel_receipt(client, band, receipt_storage):
    sam = member()
    work = event_work(sam, band=band)
    client.force_login(sam)
    response = client.post(reverse("involvement:claim-new", args=[work.pk]), claim_data(
        amount="4.60", kind="travel", description="Bus there and back", file=receipt("jpeg")))
    assert response.status_code == 302, text(response)
    claim = Claim.objects.get(participation=work)
    assert (claim.choice, claim.fee_pence, claim.expenses_pence) == ("voucher", 2500, 460)
    expense = claim.expenses.get()
    assert expense.kind == "travel" and expense.receipt_type == "image/jpeg" and len(stored_files(receipt_storage)) == 1
    shown = text(client.get(response["Location"]))
    assert "£29.60" in shown and "Sent, waiting to be checked" in shown and "Take a voucher" in shown


def test_an_unpaid_activity_offers_expenses_only(client, home_page):
    sam = member()
    work = event_work(sam, band=None)
    shown = text(page(client, sam, reverse("involvement:claim-new", args=[work.pk])))
    assert "No fee for this" in shown and "Take a voucher" not in shown
    response = client.post(reverse("involvement:claim-new", args=[work.pk]),
                           claim_data(choice="expenses_only", amount="3", kind="travel"))
    assert response.status_code == 302
    assert Claim.objects.get().total_pence == 300


@pytest.mark.parametrize("upload, message", [
    (lambda: receipt("pdf", name="ticket.pdf").__class__("ticket.pdf", b"just words", content_type="application/pdf"),
     "The receipt must be a photo (JPEG or PNG) or a PDF"),
    (lambda: receipt("pdf", extra=b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"),
     "something inside it that could be unsafe"),
    (lambda: receipt("png", extra=b"<script>alert(1)</script>"), "something inside it that could be unsafe"),
], ids=["not-a-receipt", "pdf-with-javascript", "png-with-script"])
def test_a_bad_receipt_is_refused_with_a_plain_message_and_nothing_saved(client, band, receipt_storage, upload, message):
    sam = member()
    work = event_work(sam, band=band)
    client.force_login(sam)
    response = client.post(reverse("involvement:claim-new", args=[work.pk]),
                           claim_data(amount="4.60", kind="travel", file=upload()))
    assert response.status_code == 400
    assert message in text(response) and 'href="#id_expense-0-receipt"' in text(response)
    assert not Claim.objects.exists() and not Expense.objects.exists() and not stored_files(receipt_storage)


def test_a_receipt_too_big_is_refused(client, band, receipt_storage, settings):
    settings.PORTAL_RECEIPT_MAX_BYTES = 1000
    sam = member()
    work = event_work(sam, band=band)
    client.force_login(sam)
    response = client.post(reverse("involvement:claim-new", args=[work.pk]),
                           claim_data(amount="4.60", kind="travel", file=receipt("png", extra=b"\x00" * 2000)))
    assert response.status_code == 400 and "The receipt is too big" in text(response)
    assert not Claim.objects.exists() and not stored_files(receipt_storage)


@pytest.mark.parametrize("amount, kind, message", [
    ("four pounds", "travel", "Write the amount in pounds and pence, for example 4.60"),
    ("-2", "travel", "Write the amount in pounds and pence, for example 4.60"),
    ("", "travel", "Write how much it cost, for example 4.60"),
    ("4.60", "", "Choose what the cost was for"),
])
def test_a_cost_that_is_not_clear_is_refused_and_what_was_typed_is_kept(client, band, amount, kind, message):
    sam = member()
    work = event_work(sam, band=band)
    client.force_login(sam)
    response = client.post(reverse("involvement:claim-new", args=[work.pk]),
                           claim_data(amount=amount, kind=kind, description="Taxi home"))
    assert response.status_code == 400 and f"Expense 1: {message}" in text(response)
    assert 'value="Taxi home"' in text(response)
    assert not Claim.objects.exists()


def test_no_choice_is_refused(client, band):
    sam = member()
    work = event_work(sam, band=band)
    client.force_login(sam)
    response = client.post(reverse("involvement:claim-new", args=[work.pk]), claim_data(choice=""))
    assert response.status_code == 400 and "Choose how you would like to be paid" in text(response)


def test_a_second_claim_for_the_same_thing_goes_to_the_first(client, band):
    claim = make_claim(band=band)
    client.force_login(claim.payee.person)
    response = client.get(reverse("involvement:claim-new", args=[claim.participation_id]))
    assert response["Location"] == reverse("involvement:claim", args=[claim.pk])
    assert Claim.objects.count() == 1


def test_nobody_claims_for_someone_elses_participation(client, band):
    work = event_work(member(), band=band)
    assert page(client, member(), reverse("involvement:claim-new", args=[work.pk])).status_code == 404


# --- who sees a claim and its receipts ----------------------------------------------------------------
def test_a_claim_and_its_receipt_are_for_the_claimant_and_finance_only(client, band):
    claim = make_claim(band=band, expenses=[services.ExpenseInput(kind="travel", pence=460, receipt=receipt("png"))])
    expense = claim.expenses.get()
    claim_url = reverse("involvement:claim", args=[claim.pk])
    receipt_url = reverse("involvement:receipt", args=[expense.pk])
    owner = claim.payee.person
    assert page(client, owner, claim_url).status_code == 200
    got = page(client, owner, receipt_url)
    assert got.status_code == 200 and b"".join(got.streaming_content).startswith(b"\x89PNG")
    assert "no-store" in got["Cache-Control"]
    money = finance()
    assert page(client, money, receipt_url).status_code == 200
    assert page(client, money, reverse("involvement:finance-claim", args=[claim.pk])).status_code == 200
    assert page(client, money, claim_url).status_code == 404  # finance reads it on the finance page
    for other in (member(), staff(), UserFactory()):
        assert page(client, other, claim_url).status_code == 404
        assert page(client, other, receipt_url).status_code == 404
        assert page(client, other, reverse("involvement:finance-claim", args=[claim.pk])).status_code == 403
    client.logout()
    assert client.get(receipt_url)["Location"].startswith(reverse("accounts:login"))


def test_a_members_page_lists_only_her_own_claims(client, band):
    mine, theirs = make_claim(band=band), make_claim(band=band)
    shown = text(page(client, mine.payee.person, reverse("involvement:mine")))
    assert mine.reference in shown and theirs.reference not in shown


# --- finance --------------------------------------------------------------------------------------------
def test_finance_pages_are_for_finance_only(client, home_page):
    urls = [reverse("involvement:finance"), reverse("involvement:finance-batches")]
    for url in urls:
        assert page(client, member(), url).status_code == 403
        assert page(client, staff(), url).status_code == 403
        assert page(client, finance(), url).status_code == 200


def test_a_question_needs_words(client, band):
    claim = make_claim(band=band)
    client.force_login(finance())
    response = client.post(reverse("involvement:finance-claim", args=[claim.pk]), {"action": "query", "reason": ""})
    assert response.status_code == 400 and "Write the question the person should answer" in text(response)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED


def test_finance_asks_she_answers_finance_approves_batches_exports_and_pays(client, band):
    claim = make_claim(band=band, choice="voucher",
                       expenses=[services.ExpenseInput(kind="travel", pence=460, receipt=receipt("pdf"))])
    sam = claim.payee.person
    money = finance()
    review = reverse("involvement:finance-claim", args=[claim.pk])

    # Finance asks; she sees the question on her claim and answers it.
    queue = text(page(client, money, reverse("involvement:finance")))
    assert claim.reference in queue and "£29.60" in queue
    assert client.post(review, {"action": "query", "reason": "Was the bus fare a return?"}).status_code == 302
    mine = text(page(client, sam, reverse("involvement:claim", args=[claim.pk])))
    assert "Was the bus fare a return?" in mine and "We have a question" in mine
    response = client.post(reverse("involvement:claim", args=[claim.pk]), {"text": "Yes, a return ticket."})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert list(claim.notes.values_list("kind", "text")) == [
        (ClaimNote.Kind.QUERY, "Was the bus fare a return?"), (ClaimNote.Kind.ANSWER, "Yes, a return ticket.")]

    # Finance approves it, makes a batch and downloads the CSV.
    assert "Yes, a return ticket." in text(page(client, money, review))
    assert client.post(review, {"action": "approve", "reason": ""}).status_code == 302
    made = client.post(reverse("involvement:finance-batches"))
    claim.refresh_from_db()
    assert claim.batch is not None and made["Location"] == reverse("involvement:finance-batch", args=[claim.batch_id])
    assert "£29.60" in text(client.get(made["Location"]))
    exported = client.get(reverse("involvement:finance-batch-csv", args=[claim.batch_id]))
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    body = [dict(zip(rows[0], row)) for row in rows[1:]]
    assert sorted((r["type"], r["amount"]) for r in body) == [("expenses", "4.60"), ("voucher", "25.00")]
    assert {r["payee_reference"] for r in body} == {claim.payee.reference}

    # Marked paid: she sees it paid, this tax year's total, and downloads her statement.
    assert client.post(made["Location"]).status_code == 302
    claim.refresh_from_db()
    assert claim.status == Claim.Status.PAID
    overview = text(page(client, sam, reverse("involvement:mine")))
    assert "Paid</strong>" in overview and '<strong id="paid-total">£29.60</strong>' in overview
    year = timezone.localdate().year if timezone.localdate() >= datetime.date(timezone.localdate().year, 4, 6) \
        else timezone.localdate().year - 1
    pdf = client.get(reverse("involvement:statement", args=[year]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert f"involvement-statement-{year}-to-{year + 1}.pdf" in pdf["Content-Disposition"]


def test_a_statement_for_a_year_to_come_is_not_there(client, home_page):
    next_year = timezone.localdate().year + 1
    assert page(client, member(), reverse("involvement:statement", args=[next_year])).status_code == 404


def test_finance_cannot_approve_their_own_claim(client, band):
    money = finance()
    claim = make_claim(person=money, band=band)
    client.force_login(money)
    assert "Someone else in the finance team must check it" in text(client.get(reverse("involvement:finance-claim", args=[claim.pk])))
    assert client.post(reverse("involvement:finance-claim", args=[claim.pk]), {"action": "approve"}).status_code == 403


def test_staff_change_an_opportunity_and_the_form_starts_with_what_it_says(client, opportunity):
    client.force_login(staff())
    url = reverse("involvement:staff-opportunity-change", args=[opportunity.pk])
    local = timezone.localtime(opportunity.starts_at)
    shown = text(client.get(url))
    assert 'value="Interview panel for a peer worker"' in shown and f'value="{local.hour}"' in shown
    response = client.post(url, {
        "title": "Interview panel (afternoon)", "kind": "interview_panel", "purpose": opportunity.purpose,
        "day_0": str(local.day), "day_1": str(local.month), "day_2": str(local.year), "start_hour": "15",
        "start_minute": "0", "duration_minutes": "150", "place": opportunity.place, "places": "2",
        "rate_band": opportunity.rate_band_id, "support_offered": "", "what_to_bring": "",
    })
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert opportunity.title == "Interview panel (afternoon)" and timezone.localtime(opportunity.starts_at).hour == 15


def test_staff_close_an_opportunity_and_members_no_longer_see_it_open(client, opportunity):
    client.force_login(staff())
    client.post(reverse("involvement:staff-opportunity", args=[opportunity.pk]), {"action": "close"})
    opportunity.refresh_from_db()
    assert opportunity.status == Opportunity.Status.CLOSED
    member_sees = page(client, member(), reverse("involvement:opportunities"))
    assert "Interview panel for a peer worker" not in text(member_sees)


def test_a_member_takes_back_her_interest(client, opportunity):
    sam = member()
    services.interest_express(user=sam, opportunity=opportunity)
    client.force_login(sam)
    response = client.post(reverse("involvement:interest-withdraw", args=[opportunity.pk]), follow=True)
    assert "You are no longer down as interested." in text(response)
    assert Interest.objects.get(person=sam).status == Interest.Status.WITHDRAWN


def test_a_member_takes_back_a_claim_that_is_not_approved(client, band):
    claim = make_claim(band=band)
    client.force_login(claim.payee.person)
    response = client.post(reverse("involvement:claim-withdraw", args=[claim.pk]), follow=True)
    assert f"Your claim {claim.reference} is withdrawn." in text(response)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.WITHDRAWN


def test_staff_record_event_work_that_the_person_can_then_claim_for(client, band):
    sam = member(email="sam@example.org")
    client.force_login(staff())
    response = client.post(reverse("involvement:staff-event-work"), {
        "email": "SAM@example.org", "day_0": "1", "day_1": "3", "day_2": "2026", "activity": "Ran the stall",
        "minutes": "120", "rate_band": band.pk})
    assert response.status_code == 302
    work = Participation.objects.get(person=sam)
    assert (work.activity, work.minutes, work.day, work.rate_band) == ("Ran the stall", 120, datetime.date(2026, 3, 1), band)
    unknown = client.post(reverse("involvement:staff-event-work"), {
        "email": "nobody@example.org", "day_0": "1", "day_1": "3", "day_2": "2026", "activity": "Ran the stall",
        "minutes": "120"})
    assert unknown.status_code == 400 and "No member has this email address" in text(unknown)


def test_the_finance_queue_shows_claims_by_status_and_ignores_an_unknown_one(client, band):
    waiting, asked = make_claim(band=band), make_claim(band=band)
    services.claim_query(user=finance(), claim=asked, reason="Which bus?")
    client.force_login(finance())
    to_check = text(client.get(reverse("involvement:finance")))
    assert waiting.reference in to_check and asked.reference not in to_check
    queried = text(client.get(reverse("involvement:finance"), {"status": "queried"}))
    assert asked.reference in queried and waiting.reference not in queried
    odd = client.get(reverse("involvement:finance"), {"status": "' OR 1=1 --"})
    assert odd.status_code == 200 and asked.reference not in text(odd)


def test_finance_add_a_band_and_a_rate_from_a_day_which_claims_then_use(client, home_page):
    client.force_login(finance())
    url = reverse("involvement:finance-rates")
    assert client.post(url, {"form": "band", "band-name": "Working group, half a day", "band-description": ""}).status_code == 302
    band = RateBand.objects.get(name="Working group, half a day")
    response = client.post(url, {"form": "rate", "rate-band": band.pk, "rate-amount": "£40",
                                 "rate-applies_from_0": "1", "rate-applies_from_1": "4", "rate-applies_from_2": "2026"})
    assert response.status_code == 302
    assert list(band.rates.values_list("pence", "applies_from")) == [(4000, datetime.date(2026, 4, 1))]
    assert "£40.00 from 1 April 2026" in text(client.get(url))
    again = client.post(url, {"form": "rate", "rate-band": band.pk, "rate-amount": "45.00",
                              "rate-applies_from_0": "1", "rate-applies_from_1": "4", "rate-applies_from_2": "2026"})
    assert again.status_code == 400 and "already has a rate starting on that day" in text(again)
    bad = client.post(url, {"form": "rate", "rate-band": band.pk, "rate-amount": "forty",
                            "rate-applies_from_0": "2", "rate-applies_from_1": "4", "rate-applies_from_2": "2026"})
    assert bad.status_code == 400 and "Write the amount in pounds and pence" in text(bad)
    assert band.rates.count() == 1
    assert page(client, staff(), url).status_code == 403
