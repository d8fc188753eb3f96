"""Reads for involvement payments: opportunities, what a person can claim, claims for the person and
for Finance, tax-year totals and the yearly statement, payment batches and rates.

Lists are one query each (related rows joined, never fetched row by row); totals are SQL aggregates
over integer pence. The tax year runs from 6 April to 5 April, both days included; a claim counts in
the tax year of the day it was paid (local time).
"""

import datetime

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from .models import Claim, ClaimNote, Interest, Opportunity, Participation, Payee, PaymentBatch, Rate, RateBand


# --- opportunities ------------------------------------------------------------------------------------
def open_opportunities(today: datetime.date | None = None) -> QuerySet[Opportunity]:
    """Open opportunities starting today or later, soonest first, with their band."""
    today = today or timezone.localdate()
    return (
        Opportunity.objects.filter(status=Opportunity.Status.OPEN, starts_at__date__gte=today)
        .select_related("rate_band").order_by("starts_at", "pk")
    )


def opportunities_for_staff() -> QuerySet[Opportunity]:
    """Every opportunity, newest start first, with how many are interested and confirmed (one query)."""
    return (
        Opportunity.objects.select_related("rate_band")
        .annotate(
            interested=Count("interests", filter=~Q(interests__status=Interest.Status.WITHDRAWN)),
            confirmed=Count("interests", filter=Q(interests__status__in=[Interest.Status.CONFIRMED,
                                                                          Interest.Status.ATTENDED])),
        )
        .order_by("-starts_at", "-pk")
    )


def interest_of(person, opportunity: Opportunity) -> Interest | None:
    """The person's interest in `opportunity`, if they said they were interested."""
    if not person.is_authenticated:
        return None
    return Interest.objects.filter(opportunity=opportunity, person=person).first()


def interests_of(person) -> QuerySet[Interest]:
    """The person's interests, newest opportunity first."""
    return (
        Interest.objects.filter(person=person).select_related("opportunity__rate_band")
        .order_by("-opportunity__starts_at", "-pk")
    )


def interests_for(opportunity: Opportunity) -> QuerySet[Interest]:
    """Everyone interested in `opportunity`, first come first, with their participation if recorded."""
    return (
        Interest.objects.filter(opportunity=opportunity, person__isnull=False)
        .select_related("person", "participation").order_by("created_at", "pk")
    )


# --- participation ------------------------------------------------------------------------------------
def _with_claim(participations: QuerySet[Participation]) -> QuerySet[Participation]:
    return participations.annotate(claimed=Exists(Claim.objects.filter(participation=OuterRef("pk"))))


def participations_of(person) -> QuerySet[Participation]:
    """Everything the person took part in, newest first, each with `claimed` (True/False)."""
    return _with_claim(Participation.objects.filter(person=person).select_related("rate_band")).order_by("-day", "-pk")


def claimable(person) -> QuerySet[Participation]:
    """What the person took part in and has not claimed for yet, newest first."""
    return participations_of(person).filter(claimed=False)


def participation_for_claim(person, pk) -> Participation:
    """The person's own participation `pk` (404 for anyone else's)."""
    found = None
    if person.is_authenticated:
        found = Participation.objects.filter(pk=pk, person=person).select_related("rate_band").first()
    if found is None:
        raise Http404("No such activity.")
    return found


# --- claims -------------------------------------------------------------------------------------------
def claims_of(person) -> QuerySet[Claim]:
    """The person's claims, newest first, with the activity and batch (one query)."""
    return (
        Claim.objects.filter(payee__person=person).select_related("participation", "batch", "payee")
        .order_by("-created_at", "-pk")
    )


def claims_for_finance(status: str | None = None) -> QuerySet[Claim]:
    """Every claim (or those with `status`), oldest waiting first, with payee and activity (one query)."""
    claims = Claim.objects.select_related("payee", "participation", "batch")
    if status:
        claims = claims.filter(status=status)
    return claims.order_by("created_at", "pk")


def claim_for_view(pk) -> Claim:
    """One claim with its payee, activity, rate, batch, expenses and notes (three queries); 404 if none.
    Check `permissions.can_view_claim` before showing it."""
    claim = (
        Claim.objects.select_related("payee", "participation", "rate__band", "batch", "approved_by")
        .prefetch_related("expenses", Prefetch("notes", queryset=_notes()))
        .filter(pk=pk).first()
    )
    if claim is None:
        raise Http404("No such claim.")
    return claim


def _notes():
    return ClaimNote.objects.select_related("author").order_by("created_at", "pk")


def claim_counts() -> dict[str, int]:
    """How many claims are in each status (one aggregate), for Finance's tabs."""
    found = Claim.objects.aggregate(**{status: Count("pk", filter=Q(status=status)) for status in Claim.Status.values})
    return {status: found[status] or 0 for status in Claim.Status.values}


# --- tax years and statements -------------------------------------------------------------------------
def tax_year(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The UK tax year holding `day`: (6 April, the next 5 April)."""
    start = datetime.date(day.year if (day.month, day.day) >= (4, 6) else day.year - 1, 4, 6)
    return start, datetime.date(start.year + 1, 4, 5)


def tax_year_label(start: datetime.date) -> str:
    """"2025 to 2026" for the year from 6 April 2025."""
    return f"{start.year} to {start.year + 1}"


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def paid_in_tax_year(person, start: datetime.date) -> dict:
    """What the person was paid in the tax year holding `start`, in pence: fees, vouchers, expenses and
    the total (one aggregate), and `claims`: the claims paid, oldest first, as a query read only if used."""
    start, end = tax_year(start)
    claims = claims_of(person).filter(
        status=Claim.Status.PAID, paid_at__gte=_local_midnight(start),
        paid_at__lt=_local_midnight(end + datetime.timedelta(days=1)),
    )
    sums = claims.aggregate(
        fees=Sum("fee_pence", filter=Q(choice=Claim.Choice.PAID)),
        vouchers=Sum("fee_pence", filter=Q(choice=Claim.Choice.VOUCHER)),
        expenses=Sum("expenses_pence"),
    )
    totals = {key: value or 0 for key, value in sums.items()}
    totals["total"] = totals["fees"] + totals["vouchers"] + totals["expenses"]
    return {**totals, "start": start, "end": end, "label": tax_year_label(start),
            "claims": claims.order_by("paid_at", "pk")}


def statement(person, start: datetime.date) -> dict:
    """The yearly statement: `paid_in_tax_year` plus the payee reference and the person's name."""
    payee = Payee.objects.filter(person=person).first()
    return {**paid_in_tax_year(person, start), "payee": payee, "person": person}


def tax_years_of(person) -> list[datetime.date]:
    """The starts of the tax years in which the person was paid anything, newest first (one query)."""
    days = Claim.objects.filter(payee__person=person, status=Claim.Status.PAID).dates("paid_at", "day")
    return sorted({tax_year(day)[0] for day in days}, reverse=True)


# --- batches and rates --------------------------------------------------------------------------------
def batches() -> QuerySet[PaymentBatch]:
    """Every payment batch, newest first."""
    return PaymentBatch.objects.order_by("-created_at", "-pk")


def approved_unbatched() -> QuerySet[Claim]:
    """Approved claims waiting for a batch, oldest first."""
    return claims_for_finance(Claim.Status.APPROVED).filter(batch__isnull=True)


def waiting_totals() -> dict[str, int]:
    """How many approved claims wait for a batch and their total in pence (one aggregate)."""
    found = Claim.objects.filter(status=Claim.Status.APPROVED, batch__isnull=True).aggregate(
        count=Count("pk"), total=Sum(F("fee_pence") + F("expenses_pence"))
    )
    return {"count": found["count"] or 0, "total_pence": found["total"] or 0}


def batch_totals(batch: PaymentBatch) -> dict[str, int]:
    """The batch's claims counted and summed now, in pence: fees, vouchers, expenses and the total (one
    aggregate). The total equals the batch's stored `total_pence` and its CSV's amounts."""
    found = batch.claims.aggregate(
        count=Count("pk"),
        fees=Sum("fee_pence", filter=~Q(choice=Claim.Choice.VOUCHER)),
        vouchers=Sum("fee_pence", filter=Q(choice=Claim.Choice.VOUCHER)),
        expenses=Sum("expenses_pence"),
    )
    totals = {key: value or 0 for key, value in found.items()}
    totals["total_pence"] = totals["fees"] + totals["vouchers"] + totals["expenses"]
    return totals


def bands_with_rates(today: datetime.date | None = None) -> list[RateBand]:
    """Every band with its rates (newest start first) and `current`: the rate in force today (or None).
    Two queries."""
    today = today or timezone.localdate()
    bands = list(RateBand.objects.prefetch_related(Prefetch("rates", queryset=Rate.objects.order_by("-applies_from"))))
    for band in bands:
        band.current = next((rate for rate in band.rates.all() if rate.applies_from <= today), None)
    return bands
