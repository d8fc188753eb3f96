"""The involvement demo: a band with two rates, an open and a past opportunity, Sam's paid and waiting
claims, a queried claim and an approved batch; seeding twice adds nothing."""

import io

import pytest
from django.core.management import call_command

from involvement.models import Claim, Interest, Opportunity, PaymentBatch, Rate, RateBand
from involvement.selectors import paid_in_tax_year
from portal.accounts import roles
from portal.accounts.models import User
from portal.accounts.two_factor import needs_two_factor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def test_the_demo_tells_the_whole_story_and_seeding_twice_adds_nothing(settings):
    call_command("seed_demo", stdout=io.StringIO())
    counts = [Claim.objects.count(), PaymentBatch.objects.count(), Rate.objects.count(), Opportunity.objects.count()]
    call_command("seed_demo", stdout=io.StringIO())
    assert [Claim.objects.count(), PaymentBatch.objects.count(), Rate.objects.count(),
            Opportunity.objects.count()] == counts

    band = RateBand.objects.get(name="Meeting or panel, up to 2 hours")
    assert sorted(band.rates.values_list("pence", flat=True)) == [2000, 2500]
    assert Opportunity.objects.filter(status="open").count() == 2
    sam = User.objects.get(email="service.user@example.org")
    assert Interest.objects.get(person=sam).status == Interest.Status.ATTENDED
    mine = {c.status: c for c in Claim.objects.filter(payee__person=sam)}
    assert set(mine) == {Claim.Status.PAID, Claim.Status.SUBMITTED}
    assert mine[Claim.Status.SUBMITTED].choice == "voucher" and mine[Claim.Status.SUBMITTED].expenses.get().receipt
    assert paid_in_tax_year(sam, mine[Claim.Status.PAID].paid_at.date())["total"] == mine[Claim.Status.PAID].total_pence
    assert Claim.objects.filter(status=Claim.Status.QUERIED).count() == 1
    assert PaymentBatch.objects.filter(paid_at__isnull=True).get().claims.get().status == Claim.Status.APPROVED

    money_person = User.objects.get(email="finance@example.org")
    assert money_person.groups.filter(name=roles.FINANCE).exists() and money_person.check_password("demo-finance-2026")
    settings.PORTAL_STAFF_2FA = True
    assert needs_two_factor(money_person) and not needs_two_factor(sam)
    assert not money_person.has_perm(roles.ADMIN_ACCESS)
