"""Involvement payments in the evidence report: showing involvement was valued, not only counted.

Governance may not import this app, so `register()` (from `InvolvementConfig.ready()`) adds these with
`register_extra_figures`, in the Process section. What each counts, for claims paid in the period
(their `paid_at`, local days, both ends included); for a report on one body, only claims for that
body's meetings:
- People paid or rewarded: people (payees) with a claim paid with a fee or a voucher. Counts people.
- Paid in fees and vouchers, and Expenses paid: sums of integer pence, shown in pounds.
- Median days from taking part to payment: from the day of the activity to the day it was paid.
Public version: the people figure is hidden when 1 to 4 (the report's own rule); the money figures
and the median are marked hidden with it ("fewer than 5") when the people they come from are 1 to 4,
since one person's payment could otherwise be read off them.
Two queries whatever the number of claims: one aggregate and one list of days.
"""

import statistics

from django.db.models import Count, Q, Sum
from django.utils import timezone

from governance.evidence import FEWER_THAN_5, Figure, Period, is_small, register_extra_figures

from .models import Claim
from .money import money


def _paid_in(period: Period):
    claims = Claim.objects.filter(status=Claim.Status.PAID, paid_at__gte=period.start_at, paid_at__lt=period.end_at)
    if period.body is not None:
        claims = claims.filter(participation__attendance__meeting__body=period.body)
    return claims


def payment_counts(period: Period) -> dict[str, int]:
    """People and pence for claims paid in the period, in one SQL aggregate."""
    found = _paid_in(period).aggregate(
        rewarded=Count("payee", distinct=True, filter=Q(fee_pence__gt=0)),
        with_expenses=Count("payee", distinct=True, filter=Q(expenses_pence__gt=0)),
        anyone=Count("payee", distinct=True),
        fees=Sum("fee_pence"),
        expenses=Sum("expenses_pence"),
    )
    return {key: value or 0 for key, value in found.items()}


def days_to_payment(period: Period) -> list[int]:
    """Whole days (local calendar) from the activity to its payment, for each claim paid in the period."""
    rows = _paid_in(period).filter(Q(fee_pence__gt=0) | Q(expenses_pence__gt=0)).values_list("activity_day", "paid_at")
    return [max(0, (timezone.localdate(paid_at) - day).days) for day, paid_at in rows]


def _median(values: list[int]) -> int | float | None:
    if not values:
        return None
    middle = statistics.median(values)
    return int(middle) if float(middle).is_integer() else float(middle)


def _hidden_with(figure: Figure, people: int) -> Figure:
    """Mark `figure` for the public version to hide when it comes from 1 to 4 people."""
    if is_small(people):
        figure.small, figure.hidden_as = True, FEWER_THAN_5
    return figure


def payment_figures(period: Period) -> list[Figure]:
    found = payment_counts(period)
    return [
        Figure("process.payments.people", "process", "People paid or rewarded for taking part", found["rewarded"],
               people=True),
        _hidden_with(Figure("process.payments.fees", "process", "Paid in fees and vouchers for taking part",
                            money(found["fees"]), unit="text"), found["rewarded"]),
        _hidden_with(Figure("process.payments.expenses", "process", "Expenses paid for taking part",
                            money(found["expenses"]), unit="text"), found["with_expenses"]),
        _hidden_with(Figure("process.payments.days", "process", "Median days from taking part to payment",
                            _median(days_to_payment(period)), unit="days"), found["anyone"]),
    ]


def register() -> None:
    register_extra_figures(payment_figures)
