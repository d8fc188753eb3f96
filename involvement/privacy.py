"""What involvement holds about a person, for "Your data", erasure and retention. Found by
`portal.privacy` when it starts.

Erasure keeps the finance records (payee, claims, expenses with their receipts, notes, batches) for
`settings.PORTAL_FINANCE_RETENTION_YEARS`, because payments must be accounted for: the payee loses its
account and becomes "Former member PAY-XXXXXX"; what the person took part in loses its link to them;
their name and email address are scrubbed from the words on their claims (answers, expense words,
receipt file names). Receipts are kept as they are (they are part of the payment record; the privacy
notice says so). Interest in opportunities they did not take part in is deleted. Old batches still add up:
nothing that is summed changes.

Retention: claims paid (or, never paid, made) more than the retention period ago are deleted with their
expenses, receipt files and notes; then batches left empty, and former members' payees with no claims.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from portal.accounts.data_export import register_section
from portal.privacy.registry import (
    PAYMENTS, register_email_subjects, register_eraser, register_keeper, register_page_part, register_retention_rule,
)
from portal.privacy.your_data import Entry, day

from .models import Claim, ClaimNote, Expense, Interest, Participation, Payee, PaymentBatch
from .money import money


def _claim_rows(claim: Claim) -> list[tuple[str, str]]:
    rows = [("Your choice", claim.get_choice_display()), ("Payment", money(claim.fee_pence)),
            ("Expenses", money(claim.expenses_pence)), ("Total", money(claim.total_pence))]
    if claim.paid_at:
        rows.append(("Paid on", day(claim.paid_at)))
    return rows


def payments_for_page(person) -> list[Entry]:
    """What the person took part in (with their claim, if any) and opportunities they were interested
    in. Two queries."""
    entries = []
    taken_part = Participation.objects.filter(person=person).select_related("claim__payee").order_by("day", "pk")
    for item in taken_part:
        claim = getattr(item, "claim", None)
        rows = [("Day", day(item.day))]
        if claim is None:
            entries.append(Entry(item.activity, status="You have not claimed for this.", rows=rows))
            continue
        entries.append(Entry(
            item.activity, status=f"Claim {claim.reference}: {claim.get_status_display()}.",
            rows=rows + _claim_rows(claim), note=f"Your payee reference is {claim.payee.reference}.",
        ))
    interests = Interest.objects.filter(person=person).select_related("opportunity").order_by("created_at", "pk")
    entries += [
        Entry(i.opportunity.title, status=f"You said you were interested. Now: {i.get_status_display()}.",
              rows=[("When", day(i.opportunity.starts_at))])
        for i in interests
    ]
    return entries


def data_of(person) -> dict:
    """The same, for the file for computers, with expenses and the notes on each claim."""
    payee = Payee.objects.filter(person=person).first()
    claims = (
        Claim.objects.filter(payee__person=person).select_related("participation")
        .prefetch_related("expenses", "notes").order_by("pk")
    )
    return {
        "payee_reference": payee.reference if payee else None,
        "took_part": [
            {"activity": p.activity, "day": p.day.isoformat(), "kind": p.kind, "minutes": p.minutes}
            for p in Participation.objects.filter(person=person).order_by("day", "pk")
        ],
        "claims": [
            {"reference": c.reference, "activity": c.participation.activity, "day": c.activity_day.isoformat(),
             "choice": c.choice, "status": c.status, "fee_pence": c.fee_pence, "expenses_pence": c.expenses_pence,
             "made_at": c.created_at.isoformat(), "paid_at": c.paid_at.isoformat() if c.paid_at else None,
             "expenses": [{"kind": e.kind, "description": e.description, "pence": e.pence,
                           "receipt": e.receipt_name} for e in c.expenses.all()],
             "notes": [{"kind": n.kind, "text": n.text, "at": n.created_at.isoformat()} for n in c.notes.all()]}
            for c in claims
        ],
        "interest_in_opportunities": [
            {"opportunity": i.opportunity.title, "status": i.status, "note": i.note, "at": i.created_at.isoformat()}
            for i in Interest.objects.filter(person=person).select_related("opportunity").order_by("pk")
        ],
    }


def erase(ctx) -> dict[str, int]:
    """Finance records stay under the payee reference, without the person (see the module docstring)."""
    person = ctx.person
    payees = list(Payee.objects.filter(person=person))
    claims = Claim.objects.filter(payee__in=payees)
    counts = {
        "notes_scrubbed": ctx.scrub_rows(ClaimNote.objects.filter(claim__in=claims), fields=["text"]),
        "expenses_scrubbed": ctx.scrub_rows(Expense.objects.filter(claim__in=claims), fields=["description"]),
        "receipt_names_removed": Expense.objects.filter(claim__in=claims).exclude(receipt_name="").update(
            receipt_name="receipt"),
        "payees_kept_as_former_members": Payee.objects.filter(pk__in=[p.pk for p in payees]).update(
            person=None, former=True),
    }
    ctx.scrub_rows(Participation.objects.filter(person=person), fields=["activity"])
    counts["participation_kept_without_name"] = Participation.objects.filter(person=person).update(person=None)
    taken_part = Interest.objects.filter(person=person, participation__isnull=False)
    counts["interest_kept_without_name"] = taken_part.update(person=None, note="")
    counts["interest_deleted"] = Interest.objects.filter(person=person).delete()[0]
    return counts


def kept(person) -> list[str]:
    payee = Payee.objects.filter(person=person).first()
    count = Claim.objects.filter(payee=payee).count() if payee else 0
    if not count:
        return []
    years = settings.PORTAL_FINANCE_RETENTION_YEARS
    what = "claim for an involvement payment" if count == 1 else "claims for involvement payments"
    return [f"{count} {what}, with receipts, kept for {years} years as a former member with the reference "
            f"{payee.reference}, without your name or email address"]


def _years_before(now: datetime.datetime, years: int) -> datetime.datetime:
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


@transaction.atomic
def finance_records_rule(now, policy) -> int:
    """Delete finance records older than `PORTAL_FINANCE_RETENTION_YEARS` (see the module docstring).
    Idempotent: by age against `now`. Returns how many claims, batches and payees were deleted."""
    cutoff = _years_before(now, settings.PORTAL_FINANCE_RETENTION_YEARS)
    old = Claim.objects.filter(Q(paid_at__lt=cutoff) | Q(paid_at__isnull=True, created_at__lt=cutoff))
    files = list(Expense.objects.filter(claim__in=old).exclude(receipt="").values_list("receipt", flat=True))
    participations = list(old.values_list("participation_id", flat=True))
    deleted = old.delete()[1].get(Claim._meta.label, 0)
    Participation.objects.filter(pk__in=participations, person__isnull=True).delete()
    storage = Expense.receipt.field.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    batches = PaymentBatch.objects.filter(created_at__lt=cutoff, claims__isnull=True).delete()[0]
    payees = Payee.objects.filter(person__isnull=True, claims__isnull=True).delete()[0]
    return deleted + batches + payees


def _subjects(template: str):
    return lambda payloads: [template for _ in payloads]


register_section("involvement_payments", data_of)
register_page_part(PAYMENTS, "involvement", payments_for_page)
register_email_subjects("involvement.send_confirmed", _subjects("Your place is confirmed"))
register_email_subjects("involvement.send_queried", _subjects("We have a question about your claim"))
register_eraser("involvement", erase)
register_keeper("involvement", kept)
register_retention_rule("involvement_finance_records", finance_records_rule)
