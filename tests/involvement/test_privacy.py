"""Involvement payments and a person's data (issue 17, floor 4): erasing a claimant keeps the finance
records under a former-member reference, with no name or email left, and an old batch still adds up;
"Your data" shows her payments; finance records are deleted after the retention period, not before."""

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from involvement import export, services
from involvement.labels import payee_labels
from involvement.models import Claim, ClaimNote, Expense, Interest, Participation, Payee, PaymentBatch
from involvement.privacy import finance_records_rule
from portal.accounts.models import User
from portal.privacy.erasure import person_erase
from portal.privacy.selectors import kept_after_erasure, person_data

from .conftest import stored_files
from .factories import event_work, finance, make_band, make_claim, member, paid_batch, receipt, staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

NAME, EMAIL = "Robin Ashworth", "robin.ashworth@example.org"


def csv_total(batch) -> tuple[int, str]:
    text = "".join(export.batch_csv_lines(batch))
    pence = 0
    for row in csv.DictReader(io.StringIO(text)):
        whole, part = row["amount"].split(".")
        pence += int(whole) * 100 + int(part)
    return pence, text


@pytest.fixture
def claimant(receipt_storage):
    """Robin took part three times: one claim paid in a batch with someone else's, one queried and
    answered, and an interest in an opportunity she has not done yet."""
    person = member(display_name=NAME, email=EMAIL)
    paid = services.claim_make(
        user=person, participation=event_work(person, band=make_band(), activity=f"Talk by {NAME}"), choice="paid",
        expenses=[services.ExpenseInput("travel", 640, f"Bus for {NAME}", receipt("pdf", name=f"{NAME} ticket.pdf"))],
    )
    someone_else = make_claim(expenses=[120])
    batch = paid_batch([paid, someone_else])
    queried = make_claim(person, choice="voucher")
    money_person = finance()
    services.claim_query(user=money_person, claim=queried, reason=f"Is this {NAME}'s second claim? Write to {EMAIL}")
    services.claim_answer(user=person, claim=queried, text=f"Yes, I am {NAME}")
    opportunity = services.opportunity_publish(
        user=staff(), title="Training day", purpose="Learn to chair.", kind="training",
        starts_at=timezone.now() + datetime.timedelta(days=3), duration_minutes=300, place="Online")
    services.interest_express(user=person, opportunity=opportunity, note="I need a break every hour")
    return person, batch, paid, queried


def test_your_data_shows_what_she_took_part_in_claimed_and_was_paid(client, claimant):
    person, batch, paid, queried = claimant
    client.force_login(person)
    page = client.get(reverse("privacy:my-data")).content.decode()
    assert "Involvement payments" in page
    assert f"Talk by {NAME}" in page and f"Claim {paid.reference}: Paid." in page and "£31.40" in page
    assert f"Claim {queried.reference}" in page and paid.payee.reference in page
    assert "Training day" in page and "You said you were interested" in page
    data = person_data(person=person)["involvement_payments"]
    assert data["payee_reference"] == paid.payee.reference
    assert {c["reference"] for c in data["claims"]} == {paid.reference, queried.reference}
    assert data["claims"][0]["expenses"][0] == {"kind": "travel", "description": f"Bus for {NAME}", "pence": 640,
                                                "receipt": f"{NAME} ticket.pdf"}


def test_another_persons_claims_never_show_in_her_data(client, claimant):
    other = member(display_name="Kit Other")
    make_claim(other)
    client.force_login(other)
    page = client.get(reverse("privacy:my-data")).content.decode()
    assert NAME not in page and claimant[2].reference not in page


def test_erasure_keeps_the_finance_records_as_a_former_member_without_name_or_email(claimant, receipt_storage):
    person, batch, paid, queried = claimant
    reference = paid.payee.reference
    before_total, before_csv = csv_total(batch)
    files = stored_files(receipt_storage)
    assert kept_after_erasure(person=person) == [
        f"2 claims for involvement payments, with receipts, kept for 6 years as a former member with the "
        f"reference {reference}, without your name or email address"]

    person_erase(person=person)

    assert not User.objects.filter(email=EMAIL).exists()
    payee = Payee.objects.get(reference=reference)
    assert payee.person is None and payee.former and str(payee) == f"Former member {reference}"
    assert payee_labels([str(payee.pk)]) == {str(payee.pk): f"Former member {reference}"}
    assert set(Claim.objects.filter(payee=payee).values_list("pk", flat=True)) == {paid.pk, queried.pk}
    assert Expense.objects.filter(claim=paid).count() == 1 and stored_files(receipt_storage) == files
    assert Participation.objects.filter(claim__payee=payee, person__isnull=True).count() == 2
    assert not Interest.objects.filter(opportunity__title="Training day").exists()

    # No name or email left in anything kept, and the old batch's export still adds up to the same total.
    kept_words = json.dumps([
        list(ClaimNote.objects.values_list("text", flat=True)),
        list(Expense.objects.values_list("description", "receipt_name")),
        list(Participation.objects.values_list("activity", flat=True)),
    ])
    assert NAME not in kept_words and EMAIL not in kept_words and "Robin" not in kept_words
    after_total, after_csv = csv_total(PaymentBatch.objects.get(pk=batch.pk))
    assert after_total == before_total == batch.total_pence == 2500 + 640 + 2500 + 120
    assert after_csv == before_csv.replace(NAME, "Former member") and reference in after_csv and NAME not in after_csv


def test_finance_records_are_deleted_after_the_retention_period_and_not_before(claimant, receipt_storage,
                                                                               django_capture_on_commit_callbacks):
    person, batch, paid, queried = claimant
    person_erase(person=person)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert finance_records_rule(now + datetime.timedelta(days=5 * 365), None) == 0
    assert Claim.objects.count() == 3

    with django_capture_on_commit_callbacks(execute=True):
        deleted = finance_records_rule(now + datetime.timedelta(days=6 * 366), None)
    assert deleted == 3 + 1 + 1  # three claims, the batch, the former member's payee
    assert not Claim.objects.exists() and not PaymentBatch.objects.exists() and not Expense.objects.exists()
    assert Payee.objects.filter(former=False).count() == 1  # the other person still has an account
    assert stored_files(receipt_storage) == []


def test_the_privacy_notice_says_payment_records_are_kept_after_erasure(client):
    page = client.get("/privacy-notice/").content.decode()
    assert "we keep them for 6 years" in page and "If you erase your account, we still keep them" in page
