"""Involvement payments, the services (issue 17, floor 1): rates by date, a claim once per participation,
decline and expenses only in the totals, pence that never drift, receipts refused in plain words with
nothing saved; and the steps around them (opportunities, meetings, querying, approving, batches)."""

import csv
import datetime
import io
import random
import zlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from governance import services as governance_services
from governance.models import Attendance, Membership
from involvement import export, selectors, services
from involvement.models import Claim, ClaimNote, Expense, Interest, MeetingRate, Opportunity, Participation, Payee
from involvement.money import parse_pounds, pounds
from involvement.rates import rate_on
from portal.audit.models import AuditEvent
from portal.jobs.models import OutboxMessage
from tests.governance.factories import make_body, make_meeting, recorder

from .conftest import stored_files
from .factories import (
    LONG_AGO, PDF, approved, event_work, finance, make_band, make_claim, member, paid_batch, receipt, staff,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

D = datetime.date


def csv_rows(batch) -> list[dict]:
    return list(csv.DictReader(io.StringIO("".join(export.batch_csv_lines(batch)))))


def csv_pence(rows: list[dict]) -> int:
    """The CSV's amounts added up as whole pence, read as text (no float anywhere)."""
    total = 0
    for row in rows:
        whole, part = row["amount"].split(".")
        assert len(part) == 2
        total += int(whole) * 100 + int(part)
    return total


# --- rates by date ------------------------------------------------------------------------------------
def test_a_rate_change_applies_to_activities_from_its_date_only():
    band = make_band(rates={D(2024, 1, 1): 2000, D(2024, 4, 1): 2500})
    person = member()
    before = services.claim_make(user=person, participation=event_work(person, day=D(2024, 3, 31), band=band),
                                 choice="paid")
    on_the_day = services.claim_make(user=person, participation=event_work(person, day=D(2024, 4, 1), band=band),
                                     choice="paid")
    assert (before.fee_pence, on_the_day.fee_pence) == (2000, 2500)
    assert before.rate.applies_from == D(2024, 1, 1) and on_the_day.rate.applies_from == D(2024, 4, 1)

    # A rate added later, from a day before the claims, changes nothing already claimed...
    services.rate_add(user=finance(), band=band, pence=2200, applies_from=D(2024, 3, 1))
    before.refresh_from_db()
    assert before.fee_pence == 2000 and before.rate.applies_from == D(2024, 1, 1)
    # ...but a new claim for an activity that day on uses it, and nothing before the first rate has one.
    later = services.claim_make(user=person, participation=event_work(person, day=D(2024, 3, 31), band=band,
                                                                      activity="A second stall"), choice="voucher")
    assert later.fee_pence == 2200 and later.fee_type == "voucher"
    assert rate_on(band, D(2023, 12, 31)) is None


def test_a_paid_activity_with_no_rate_on_its_day_is_refused_in_plain_words(receipt_storage):
    band = make_band(rates={D(2024, 6, 1): 2500})
    person = member()
    early = event_work(person, day=D(2024, 5, 31), band=band)
    with pytest.raises(ValidationError, match="no rate for it"):
        services.claim_make(user=person, participation=early, choice="paid",
                            expenses=[services.ExpenseInput("travel", 300, "Bus", receipt("pdf"))])
    assert not Claim.objects.exists() and stored_files(receipt_storage) == []


def test_a_second_rate_for_the_same_band_and_day_is_refused():
    band = make_band(rates={D(2024, 1, 1): 2000})
    with pytest.raises(ValidationError) as refused:
        services.rate_add(user=finance(), band=band, pence=2100, applies_from=D(2024, 1, 1))
    assert "already has a rate starting on that day" in str(refused.value)
    with pytest.raises(PermissionDenied):
        services.rate_add(user=staff(), band=band, pence=2100, applies_from=D(2024, 2, 1))


# --- once per participation ---------------------------------------------------------------------------
def test_a_claim_is_made_once_per_participation():
    person = member()
    participation = event_work(person, band=make_band())
    first = services.claim_make(user=person, participation=participation, choice="paid")
    with pytest.raises(ValidationError, match="already claimed for this"):
        services.claim_make(user=person, participation=participation, choice="voucher")
    assert Claim.objects.get() == first and first.payee.person == person
    assert list(selectors.claimable(person)) == []
    assert AuditEvent.objects.filter(action="involvement.claim_made").count() == 1


def test_only_the_person_who_took_part_can_claim_for_it():
    person, someone_else = member(), member()
    participation = event_work(person, band=make_band())
    with pytest.raises(PermissionDenied):
        services.claim_make(user=someone_else, participation=participation, choice="paid")
    with pytest.raises(PermissionDenied):
        services.claim_make(user=finance(), participation=participation, choice="paid")
    assert not Claim.objects.exists()


def test_each_person_has_one_payee_with_a_reference_and_no_bank_details():
    person = member()
    first, second = make_claim(person), make_claim(person)
    assert first.payee == second.payee and Payee.objects.count() == 1
    assert first.payee.reference.startswith("PAY-") and len(first.payee.reference) == 10
    names = {f.name for f in Payee._meta.get_fields()} | {f.name for f in Claim._meta.get_fields()}
    assert not any(word in name for name in names for word in ("bank", "sort", "account", "iban"))


# --- choices and totals -------------------------------------------------------------------------------
def test_decline_and_expenses_only_are_respected_in_the_totals():
    paid = make_claim(choice="paid", pence=2500, expenses=[640])
    voucher = make_claim(choice="voucher", pence=2500, expenses=[])
    expenses_only = make_claim(choice="expenses_only", pence=2500, expenses=[300, 155])
    declined = make_claim(choice="declined", pence=2500, expenses=[420])
    declined_nothing = make_claim(choice="declined", pence=2500)

    assert (paid.fee_pence, paid.expenses_pence, paid.total_pence) == (2500, 640, 3140)
    assert (voucher.fee_pence, voucher.total_pence) == (2500, 2500)
    assert (expenses_only.fee_pence, expenses_only.expenses_pence, expenses_only.total_pence) == (0, 455, 455)
    assert (declined.fee_pence, declined.total_pence) == (0, 420)
    assert all(c.rate_pence == 2500 for c in (paid, voucher, expenses_only, declined))

    # Nothing to pay: settled at once when approved, never in a batch.
    assert approved(declined_nothing).status == Claim.Status.PAID
    batch = paid_batch([paid, voucher, expenses_only, declined])
    assert batch.total_pence == 3140 + 2500 + 455 + 420 and batch.count == 4
    rows = csv_rows(batch)
    assert [(r["type"], r["amount"]) for r in rows] == [
        ("fee", "25.00"), ("expenses", "6.40"), ("voucher", "25.00"), ("expenses", "4.55"), ("expenses", "4.20"),
    ]
    assert csv_pence(rows) == batch.total_pence


def test_expenses_only_needs_an_expense_and_an_unpaid_activity_cannot_be_paid():
    person = member()
    with pytest.raises(ValidationError) as refused:
        services.claim_make(user=person, participation=event_work(person, band=make_band()), choice="expenses_only")
    assert "Add at least one expense" in str(refused.value)
    unpaid = event_work(person, band=None)
    with pytest.raises(ValidationError, match="pays expenses only"):
        services.claim_make(user=person, participation=unpaid, choice="paid")
    claim = services.claim_make(user=person, participation=unpaid, choice="expenses_only",
                                expenses=[services.ExpenseInput("travel", 380, "Train")])
    assert (claim.fee_pence, claim.rate, claim.total_pence) == (0, None, 380)


def test_pence_never_drift_across_thousands_of_claims():
    """3,000 claims with awkward amounts: the stored totals, the batch and the CSV agree to the penny."""
    rng = random.Random(17)
    person = member()
    band = make_band(rates={LONG_AGO: 1})
    participations = Participation.objects.bulk_create(
        Participation(person=person, day=D(2024, 1, 1) + datetime.timedelta(days=i % 300), activity=f"Panel {i}",
                      kind="event", rate_band=band) for i in range(3000)
    )
    payee = services.payee_for(person)
    choices = ["paid", "voucher", "expenses_only", "declined"]
    claims = []
    for participation in participations:
        choice = rng.choice(choices)
        fee = rng.randint(1, 99_999) if choice in ("paid", "voucher") else 0
        claims.append(Claim(payee=payee, participation=participation, activity_day=participation.day,
                            rate_pence=fee, fee_pence=fee, expenses_pence=rng.choice([0, rng.randint(1, 9_999)]),
                            choice=choice, status=Claim.Status.APPROVED))
    Claim.objects.filter(pk__in=[c.pk for c in Claim.objects.bulk_create(claims)])
    expected = sum(c.fee_pence + c.expenses_pence for c in claims if c.fee_pence + c.expenses_pence)
    Claim.objects.filter(fee_pence=0, expenses_pence=0).delete()

    batch = services.batch_make(user=finance())
    rows = csv_rows(batch)
    assert batch.total_pence == expected
    assert csv_pence(rows) == expected
    assert len(rows) == sum((c.fee_pence > 0) + (c.expenses_pence > 0) for c in claims)
    assert all(row["payee_reference"] == payee.reference for row in rows)


def test_money_is_read_and_written_without_floats():
    assert [pounds(p) for p in (0, 5, 99, 100, 123456789)] == ["0.00", "0.05", "0.99", "1.00", "1234567.89"]
    assert [parse_pounds(t) for t in ("£4.60", "4.6", "4", "1,200.05", ".5")] == [460, 460, 400, 120005, 50]
    for wrong in ("four pounds", "-1", "4.555", "", "£"):
        with pytest.raises(ValidationError, match="Write the amount in pounds and pence"):
            parse_pounds(wrong)


# --- receipts -----------------------------------------------------------------------------------------
def _claim_with(upload):
    person = member()
    participation = event_work(person, band=make_band())
    return person, participation, lambda: services.claim_make(
        user=person, participation=participation, choice="paid",
        expenses=[services.ExpenseInput("travel", 640, "Bus to the panel", upload)],
    )


def _flate(text: bytes) -> bytes:
    body = zlib.compress(text)
    head = b"%PDF-1.5\n4 0 obj << /Type /ObjStm /Filter /FlateDecode /Length " + str(len(body)).encode()
    return head + b" >>\nstream\n" + body + b"\nendstream\nendobj\n%%EOF\n"


REFUSED = [
    ("a web page called .pdf", SimpleUploadedFile("ticket.pdf", b"<html><body>hi</body></html>"), "must be a photo"),
    ("a Word file", SimpleUploadedFile("ticket.docx", b"PK\x03\x04 word"), "must be a photo"),
    ("a GIF", SimpleUploadedFile("ticket.png", b"GIF89a\x01\x00"), "must be a photo"),
    ("an empty file", SimpleUploadedFile("ticket.pdf", b""), "empty"),
    ("a PDF with JavaScript", receipt("pdf", b"<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"), "unsafe"),
    ("a PDF with a hidden /JS", receipt("pdf", b"<< /AA << /O << /S /J#61vaScript /J#53 (x) >> >> >>"), "unsafe"),
    ("a PDF that starts a program", receipt("pdf", b"<< /OpenAction << /S /Launch /F (calc.exe) >> >>"), "unsafe"),
    ("a PDF with a file inside", receipt("pdf", b"<< /Names << /EmbeddedFiles 5 0 R >> >>"), "unsafe"),
    ("a PDF with a script in a compressed stream", SimpleUploadedFile("t.pdf", _flate(b"<< /JS (app.alert(1)) >>")),
     "unsafe"),
    ("a JPEG holding a script", receipt("jpeg", b"<script>alert(1)</script>"), "unsafe"),
    ("a PNG holding an SVG", receipt("png", b"<svg onload=alert(1)>"), "unsafe"),
]


@pytest.mark.parametrize("what, upload, words", REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_receipt_is_refused_in_plain_words_and_nothing_is_saved(what, upload, words, receipt_storage):
    _person, participation, claim = _claim_with(upload)
    with pytest.raises(ValidationError) as refused:
        claim()
    message = " ".join(refused.value.message_dict["receipt"])
    assert words in message and "Traceback" not in message
    assert not Claim.objects.exists() and not Expense.objects.exists() and not Payee.objects.exists()
    assert stored_files(receipt_storage) == []
    assert list(selectors.claimable(participation.person)) == [participation]


@override_settings(PORTAL_RECEIPT_MAX_BYTES=1024)
def test_a_receipt_that_is_too_big_is_refused_and_nothing_is_saved(receipt_storage):
    _person, _participation, claim = _claim_with(receipt("pdf", b" " * 2000))
    with pytest.raises(ValidationError) as refused:
        claim()
    assert "too big. It must be smaller than" in refused.value.message_dict["receipt"][0]
    assert not Claim.objects.exists() and stored_files(receipt_storage) == []


def test_good_receipts_are_kept_privately_under_a_random_name(receipt_storage):
    person = member()
    participation = event_work(person, band=make_band())
    claim = services.claim_make(user=person, participation=participation, choice="voucher", expenses=[
        services.ExpenseInput("travel", 640, "Bus", receipt("pdf", name="Sam Smith bus ticket.pdf")),
        services.ExpenseInput("care", 1500, "Childminder", receipt("jpeg")),
        services.ExpenseInput("support_worker", 2000, "Support worker", receipt("png")),
        services.ExpenseInput("travel", 250, "Tram, no ticket"),
    ])
    kept = list(claim.expenses.order_by("pk"))
    assert [e.receipt_type for e in kept] == ["application/pdf", "image/jpeg", "image/png", ""]
    assert kept[0].receipt_name == "Sam Smith bus ticket.pdf" and "Sam" not in kept[0].receipt.name
    assert len(stored_files(receipt_storage)) == 3 and kept[0].receipt.open("rb").read() == PDF
    assert claim.expenses_pence == 4390


def test_one_bad_receipt_among_several_names_which_one_and_saves_none(receipt_storage):
    _person, participation, _claim = _claim_with(None)
    with pytest.raises(ValidationError) as refused:
        services.claim_make(user=participation.person, participation=participation, choice="paid", expenses=[
            services.ExpenseInput("travel", 640, "Bus", receipt("pdf")),
            services.ExpenseInput("care", 0, "", receipt("jpeg", b"<html>")),
        ])
    assert set(refused.value.message_dict) == {"receipt_1", "pence_1"}
    assert stored_files(receipt_storage) == [] and not Claim.objects.exists()


# --- querying, answering, approving -------------------------------------------------------------------
def test_finance_queries_the_member_answers_with_a_receipt_and_finance_approves(receipt_storage):
    person, money_person = member(), finance()
    claim = make_claim(person, expenses=[640])
    services.claim_query(user=money_person, claim=claim, reason="Please send the bus ticket.")
    assert claim.status == Claim.Status.QUERIED
    message = OutboxMessage.objects.get(job="involvement.send_queried")
    assert message.payload == {"claim_id": claim.pk, "user_id": person.pk}

    with pytest.raises(PermissionDenied):
        services.claim_approve(user=money_person, claim=claim)  # it waits for her answer
    with pytest.raises(PermissionDenied):
        services.claim_answer(user=member(), claim=claim, text="Not mine")
    services.claim_answer(user=person, claim=claim, text="Here it is.", expenses=[
        services.ExpenseInput("travel", 200, "Bus back", receipt("png"))])
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED and claim.expenses_pence == 840 and claim.total_pence == 3340
    assert [(n.kind, n.text) for n in claim.notes.all()] == [
        ("query", "Please send the bus ticket."), ("answer", "Here it is.")]

    services.claim_approve(user=money_person, claim=claim)
    assert claim.status == Claim.Status.APPROVED and claim.approved_by == money_person
    actions = list(AuditEvent.objects.filter(target_id=str(claim.pk), target_type="involvement.claim")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["involvement.claim_made", "involvement.claim_queried", "involvement.claim_answered",
                       "involvement.claim_approved"]
    for event in AuditEvent.objects.filter(action__startswith="involvement.claim"):
        assert person.display_name not in str(event.data) and "bus ticket" not in str(event.data)


def test_a_query_needs_a_reason_and_finance_never_approves_their_own_claim():
    money_person = finance()
    claim = make_claim(money_person)
    other = finance()
    with pytest.raises(ValidationError):
        services.claim_query(user=other, claim=claim, reason="  ")
    with pytest.raises(PermissionDenied, match="your own claim"):
        services.claim_approve(user=money_person, claim=claim)
    with pytest.raises(PermissionDenied):
        services.claim_approve(user=staff(), claim=claim)
    assert services.claim_approve(user=other, claim=claim).status == Claim.Status.APPROVED


def test_a_withdrawn_claim_is_kept_and_cannot_be_approved():
    person = member()
    claim = make_claim(person)
    services.claim_withdraw(user=person, claim=claim)
    assert Claim.objects.get().status == Claim.Status.WITHDRAWN
    with pytest.raises(PermissionDenied):
        services.claim_approve(user=finance(), claim=claim)


# --- batches ------------------------------------------------------------------------------------------
def test_a_batch_takes_approved_claims_once_and_marking_it_paid_pays_them_all():
    money_person = finance()
    waiting = make_claim()
    first, second = approved(make_claim(pence=1000)), approved(make_claim(pence=2000, expenses=[150]))
    batch = services.batch_make(user=money_person)
    assert batch.reference == f"BATCH-{timezone.localdate().year}-001"
    assert set(batch.claims.all()) == {first, second} and (batch.count, batch.total_pence) == (2, 3150)
    with pytest.raises(ValidationError, match="no approved claims"):
        services.batch_make(user=money_person)

    services.batch_mark_paid(user=money_person, batch=batch)
    assert set(Claim.objects.filter(status=Claim.Status.PAID).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert Claim.objects.get(pk=waiting.pk).status == Claim.Status.SUBMITTED
    with pytest.raises(ValidationError, match="already marked as paid"):
        services.batch_mark_paid(user=money_person, batch=batch)
    assert services.batch_make(user=money_person, claims=[approved(waiting)]).reference.endswith("-002")


def test_the_export_is_streamed_safe_for_spreadsheets_and_recorded():
    person = member()
    band = make_band(rates={LONG_AGO: 1234})
    participation = event_work(person, band=band, activity="=HYPERLINK(\"http://x\")")
    claim = services.claim_make(user=person, participation=participation, choice="paid")
    batch = paid_batch([claim])
    with pytest.raises(PermissionDenied):
        export.batch_csv_response(user=staff(), batch=batch)
    response = export.batch_csv_response(user=finance(), batch=batch)
    assert response.streaming and "no-store" in response["Cache-Control"]
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0] == "payee_reference,amount,type,activity,period,claim_reference"
    row = next(csv.DictReader(io.StringIO(text)))
    assert row == {"payee_reference": claim.payee.reference, "amount": "12.34", "type": "fee",
                   "activity": "'=HYPERLINK(\"http://x\")", "period": participation.day.isoformat(),
                   "claim_reference": f"CLAIM-{claim.pk:06d}"}
    assert AuditEvent.objects.filter(action="involvement.batch_exported", target_id=str(batch.pk)).exists()


# --- opportunities and meetings: participation recorded once --------------------------------------------
def _opportunity(user, **fields):
    values = {"title": "Interview panel for a peer worker", "purpose": "Help choose our next peer worker.",
              "kind": "interview_panel", "starts_at": timezone.now() + datetime.timedelta(days=7),
              "duration_minutes": 120, "place": "Hope Centre, Room 2", "rate_band": make_band(), "places": 1,
              "what_to_bring": "Nothing", **fields}
    return services.opportunity_publish(user=user, **values)


def test_interest_select_confirm_and_attend_make_one_participation():
    coordinator, person, other = staff(), member(), member()
    opportunity = _opportunity(coordinator)
    mine = services.interest_express(user=person, opportunity=opportunity, note="I use a wheelchair")
    theirs = services.interest_express(user=other, opportunity=opportunity)
    with pytest.raises(ValidationError, match="already said you are interested"):
        services.interest_express(user=person, opportunity=opportunity)

    services.interest_select(user=coordinator, interest=mine)
    services.interest_confirm(user=coordinator, interest=mine)
    assert OutboxMessage.objects.get(job="involvement.send_confirmed").payload == {
        "interest_id": mine.pk, "user_id": person.pk}
    with pytest.raises(ValidationError, match="All 1 places are filled"):
        services.interest_confirm(user=coordinator, interest=theirs)
    services.interest_not_selected(user=coordinator, interest=theirs)

    with pytest.raises(ValidationError, match="has not happened yet"):
        services.opportunity_attended(user=coordinator, interest=mine)
    Opportunity.objects.filter(pk=opportunity.pk).update(starts_at=timezone.now() - datetime.timedelta(hours=3))
    with pytest.raises(ValidationError, match="confirmed"):
        services.opportunity_attended(user=coordinator, interest=theirs)
    first = services.opportunity_attended(user=coordinator, interest=mine)
    again = services.opportunity_attended(user=coordinator, interest=mine)
    assert first == again and Participation.objects.count() == 1
    assert (first.person, first.minutes, first.kind, first.rate_band) == (person, 120, "opportunity", opportunity.rate_band)
    assert Interest.objects.get(pk=mine.pk).status == Interest.Status.ATTENDED
    assert services.claim_make(user=person, participation=first, choice="voucher").fee_pence == 2500


def test_only_members_express_interest_and_only_staff_choose():
    opportunity = _opportunity(staff())
    with pytest.raises(PermissionDenied):
        services.interest_express(user=staff(), opportunity=opportunity)
    interest = services.interest_express(user=member(), opportunity=opportunity)
    with pytest.raises(PermissionDenied):
        services.interest_confirm(user=member(), interest=interest)
    services.opportunity_set_status(user=staff(), opportunity=opportunity, status="closed")
    with pytest.raises(ValidationError, match="not taking interest"):
        services.interest_express(user=member(), opportunity=opportunity)


def test_being_present_at_a_held_meeting_makes_one_participation_at_the_bodys_band():
    body = make_body(code="SUC", members=4)
    band = make_band()
    MeetingRate.objects.create(body=body, band=band)
    secretary = Membership.objects.filter(body=body).last()
    secretary.role = Membership.Role.SECRETARY
    secretary.save()
    meeting = make_meeting(body, held=False, present=3, starts_at=timezone.now() - datetime.timedelta(hours=2))
    assert not Participation.objects.exists()  # not held yet

    governance_services.meeting_mark_held(meeting=meeting, user=recorder())
    present = set(Attendance.objects.filter(meeting=meeting, status="present").exclude(role="secretary")
                  .values_list("person_id", flat=True))
    made = Participation.objects.filter(kind="meeting")
    assert set(made.values_list("person_id", flat=True)) == present and made.count() == len(present)
    assert all(p.rate_band == band and p.day == timezone.localdate(meeting.starts_at) for p in made)

    # Saving again (or recording attendance again) makes nothing twice.
    meeting.save()
    people = {m.person_id: Attendance.Status.PRESENT for m in Membership.objects.filter(body=body)}
    governance_services.meeting_record_attendance(meeting=meeting, entries=people, user=recorder())
    assert Participation.objects.filter(kind="meeting").count() == 3  # the 4th is the secretary

    # Marked absent after all: an unclaimed participation goes; a claimed one stays.
    first, second = made.order_by("pk")[:2]
    services.claim_make(user=first.person, participation=first, choice="paid")
    governance_services.meeting_record_attendance(
        meeting=meeting, entries={first.person_id: "absent", second.person_id: "absent"}, user=recorder())
    assert Participation.objects.filter(pk=first.pk).exists() and not Participation.objects.filter(pk=second.pk).exists()


def test_a_meeting_of_a_body_with_no_band_pays_expenses_only():
    meeting = make_meeting(make_body(code="TB", members=2))
    participation = Participation.objects.filter(attendance__meeting=meeting).first()
    assert participation.rate_band is None
    claim = services.claim_make(user=participation.person, participation=participation, choice="expenses_only",
                                expenses=[services.ExpenseInput("travel", 500, "Taxi")])
    assert claim.total_pence == 500


def test_event_work_is_entered_once_per_person_day_and_activity():
    person, coordinator = member(), staff()
    event_work(person, day=D(2024, 5, 1), activity="Stall at Pride", user=coordinator)
    with pytest.raises(ValidationError, match="already recorded"):
        event_work(person, day=D(2024, 5, 1), activity="Stall at Pride", user=coordinator)
    with pytest.raises(PermissionDenied):
        event_work(person, activity="Anything", user=member())
    with pytest.raises(ValidationError):
        event_work(person, day=timezone.localdate() + datetime.timedelta(days=1), user=coordinator)


# --- the person's own view ----------------------------------------------------------------------------
def test_the_tax_year_runs_from_6_april_to_5_april():
    assert selectors.tax_year(D(2026, 4, 5)) == (D(2025, 4, 6), D(2026, 4, 5))
    assert selectors.tax_year(D(2026, 4, 6)) == (D(2026, 4, 6), D(2027, 4, 5))
    assert selectors.tax_year_label(D(2026, 4, 6)) == "2026 to 2027"


def test_paid_this_tax_year_counts_only_her_claims_paid_in_that_year():
    person = member()
    paid, voucher, other_year = (make_claim(person, choice=c, pence=p, expenses=e) for c, p, e in
                                 (("paid", 2500, [300]), ("voucher", 1000, []), ("paid", 9999, [])))
    paid_batch([paid, voucher], user=finance())
    batch = paid_batch([other_year])
    Claim.objects.filter(pk=other_year.pk).update(paid_at=timezone.make_aware(datetime.datetime(2025, 4, 5, 12)))
    make_claim(member())  # someone else's
    year = selectors.paid_in_tax_year(person, timezone.localdate())
    assert (year["fees"], year["vouchers"], year["expenses"], year["total"]) == (2500, 1000, 300, 3800)
    assert [c.pk for c in year["claims"]] == [paid.pk, voucher.pk]
    assert selectors.paid_in_tax_year(person, D(2025, 1, 1))["total"] == 9999
    assert selectors.tax_years_of(person)[-1] == D(2024, 4, 6) and batch.is_paid
    assert ClaimNote.objects.count() == 0
