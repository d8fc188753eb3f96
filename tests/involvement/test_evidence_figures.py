"""Involvement payments in the evidence report, against a count by hand of a small known world:

| person | claim         | fee   | expenses | activity    | paid        |
| A      | paid          | 25.00 | 6.40     | 10 days ago | 2 days ago  |
| B      | voucher       | 25.00 | -        | 20 days ago | 2 days ago  |
| C      | expenses only | -     | 3.00     | 8 days ago  | 2 days ago  |
| D      | paid          | 25.00 | -        | 40 days ago | 35 days ago (before the period) |
| E      | paid          | 25.00 | -        | 5 days ago  | approved, not paid |
The period is the last 30 days: people paid or rewarded A, B (2); fees and vouchers £50.00; expenses
£9.40 (A, C); days from activity to payment 8, 18, 6: median 8. With 2 people the public version hides
the people, the money and the median; the trustees' version shows them, marked.
"""

import datetime

import pytest
from django.utils import timezone

from governance.evidence import Period, evidence_report
from involvement.evidence import payment_figures
from involvement.models import Claim

from .factories import approved, make_claim, paid_batch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]
TODAY = timezone.localdate()


def day(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def paid_on(claim: Claim, days: int) -> None:
    Claim.objects.filter(pk=claim.pk).update(paid_at=timezone.now() - datetime.timedelta(days=days))


@pytest.fixture
def world():
    a = make_claim(choice="paid", expenses=[640], day=day(10))
    b = make_claim(choice="voucher", day=day(20))
    c = make_claim(choice="expenses_only", expenses=[300], day=day(8))
    d = make_claim(choice="paid", day=day(40))
    approved(make_claim(choice="paid", day=day(5)))
    paid_batch([a, b, c])
    paid_batch([d])
    for claim in (a, b, c):
        paid_on(claim, 2)
    paid_on(d, 35)
    return Period(day(29), TODAY)


def test_the_figures_match_a_count_by_hand(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        figures = {f.key: f for f in payment_figures(world)}
    assert figures["process.payments.people"].value == 2
    assert figures["process.payments.fees"].value == "£50.00"
    assert figures["process.payments.expenses"].value == "£9.40"
    assert figures["process.payments.days"].value == 8


def test_the_public_version_hides_them_under_five_people_and_the_trustees_see_them_marked(world):
    public = {f.key: f for f in evidence_report(period=world, public=True).figures}
    trustees = {f.key: f for f in evidence_report(period=world, public=False).figures}
    for key in ("people", "fees", "expenses", "days"):
        assert public[f"process.payments.{key}"].suppressed and public[f"process.payments.{key}"].text == "fewer than 5"
        assert trustees[f"process.payments.{key}"].small and not trustees[f"process.payments.{key}"].suppressed
    assert trustees["process.payments.fees"].text == "£50.00"


def test_with_five_people_the_public_version_shows_them(world):
    claims = [make_claim(choice="paid", pence=1000, day=day(3)) for _ in range(3)]
    paid_batch(claims)
    public = {f.key: f for f in evidence_report(period=world, public=True).figures}
    assert public["process.payments.people"].text == "5"
    assert public["process.payments.fees"].text == "£80.00" and not public["process.payments.days"].suppressed
