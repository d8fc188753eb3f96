"""Claims: made by the person who took part, checked by Finance (asked about, answered, approved).

A claim is made once per participation record, even with two requests at the same moment: the
participation row is locked (`select_for_update`, PostgreSQL; SQLite serialises writes) and the
database's unique constraint on `Claim.participation` is the last line of defence, turned into the
same plain message. The fee is the rate in force on the day of the activity (`rates.rate_on`), stored
with the rate row and never worked out again; choosing expenses only, or declining, makes the fee 0
(expenses are still paid). Receipts are all checked before anything is saved, and a file written for
a claim that then fails is deleted again, so a refused claim leaves nothing behind.
"""

import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from portal.audit.services import audit_record

from .. import jobs, permissions
from ..models import Claim, ClaimNote, Expense, Participation, Payee
from ..rates import fee_for
from ..receipts import receipt_check, stored_name

ALREADY_CLAIMED = "You have already claimed for this. You can see it in your claims."
NO_RATE = (
    "We cannot work out the payment for this day yet, because there is no rate for it. "
    "Please contact the team, and try again later."
)
MAX_EXPENSES = 10
PAYEE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no I, O, 0 or 1: easy to read out
PAID_CHOICES = (Claim.Choice.PAID, Claim.Choice.VOUCHER)
FINANCE_ONLY = "Only finance staff can do this."


@dataclass
class ExpenseInput:
    """One expense as the person gave it: kind (Expense.Kind), pence, words, and a receipt file or None."""

    kind: str
    pence: int
    description: str = ""
    receipt: object = None


@dataclass
class _Checked:
    expense: ExpenseInput
    content_type: str = ""
    extension: str = ""


# --- payees -------------------------------------------------------------------------------------------
def _new_reference() -> str:
    return "PAY-" + "".join(secrets.choice(PAYEE_ALPHABET) for _ in range(6))


def payee_for(person) -> Payee:
    """The person's payee, made with a new random reference on first use. Safe when two claims make it
    at once: the second finds the first one's row."""
    found = Payee.objects.filter(person=person).first()
    if found is not None:
        return found
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return Payee.objects.create(person=person, reference=_new_reference())
        except IntegrityError:
            found = Payee.objects.filter(person=person).first()
            if found is not None:
                return found
    raise RuntimeError("Could not make a payee reference; please try again.")


# --- checks -------------------------------------------------------------------------------------------
def _key(name: str, index: int, count: int) -> str:
    return name if count == 1 else f"{name}_{index}"


def _check_expenses(expenses) -> list[_Checked]:
    """Each expense checked, receipts included; one ValidationError naming every problem. Saves nothing.
    Keys: kind, pence, description, receipt (with _0, _1... when there are several)."""
    expenses = list(expenses or [])
    if len(expenses) > MAX_EXPENSES:
        raise ValidationError({"expenses": f"A claim can have up to {MAX_EXPENSES} expenses."})
    errors, checked = {}, []
    for index, expense in enumerate(expenses):
        key = lambda name: _key(name, index, len(expenses))  # noqa: E731 - a short local naming rule
        item = _Checked(expense)
        if expense.kind not in Expense.Kind.values:
            errors[key("kind")] = "Choose what the expense was for"
        if not isinstance(expense.pence, int) or expense.pence <= 0:
            errors[key("pence")] = "Write how much it cost, for example 4.60"
        if expense.kind == Expense.Kind.OTHER and not (expense.description or "").strip():
            errors[key("description")] = "Say what the expense was for"
        if expense.receipt:
            try:
                item.content_type, item.extension = receipt_check(expense.receipt, field=key("receipt"))
            except ValidationError as error:
                errors.update(error.message_dict)
        checked.append(item)
    if errors:
        raise ValidationError(errors)
    return checked


def _save_expenses(claim: Claim, checked: list[_Checked], written: list[str]) -> int:
    """Save the checked expenses (receipts to private storage, names noted in `written`); their pence."""
    total = 0
    for item in checked:
        expense = Expense(claim=claim, kind=item.expense.kind, pence=item.expense.pence,
                          description=(item.expense.description or "").strip()[:200])
        receipt = item.expense.receipt
        if receipt:
            receipt.seek(0)
            expense.receipt_name = (getattr(receipt, "name", "") or "receipt")[-200:]
            expense.receipt_type, expense.receipt_size = item.content_type, receipt.size
            expense.receipt.save(stored_name(item.extension), ContentFile(receipt.read()), save=False)
            written.append(expense.receipt.name)
        expense.save()
        total += expense.pence
    return total


def _forget(written: list[str]) -> None:
    for name in written:
        Expense.receipt.field.storage.delete(name)


def _check_choice(choice: str, participation: Participation, rate, expenses: list) -> None:
    if choice not in Claim.Choice.values:
        raise ValidationError({"choice": "Choose how you want to be paid, or that you do not want payment"})
    if participation.rate_band_id is not None and rate is None:
        raise ValidationError(NO_RATE)
    if participation.rate_band_id is None and choice in PAID_CHOICES:
        raise ValidationError({"choice": "This pays expenses only. Choose “Expenses only” or “Decline payment”."})
    if choice == Claim.Choice.EXPENSES_ONLY and not expenses:
        raise ValidationError({"expenses": "Add at least one expense, or choose another option"})


# --- making a claim -----------------------------------------------------------------------------------
def claim_make(*, user, participation: Participation, choice: str, expenses=()) -> Claim:
    """`user` claims for their own participation: the fee by their choice (be paid, a voucher, expenses
    only, or decline) at the rate in force on the day, plus `expenses` (ExpenseInput) with receipts.
    Once per participation (see the module docstring). The ledger gets ids and pence only."""
    if not permissions.can_claim(user, participation):
        raise PermissionDenied("You can only claim for something you took part in yourself.")
    expenses = list(expenses or [])
    rate, rate_pence = fee_for(participation)
    _check_choice(choice, participation, rate, expenses)
    checked = _check_expenses(expenses)
    fee = rate_pence if choice in PAID_CHOICES else 0
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = Participation.objects.select_for_update().get(pk=participation.pk)
            if Claim.objects.filter(participation=locked).exists():
                raise ValidationError(ALREADY_CLAIMED)
            payee = payee_for(user)
            try:
                with transaction.atomic():
                    claim = Claim.objects.create(
                        payee=payee, participation=locked, activity_day=locked.day, rate=rate,
                        rate_pence=rate_pence, fee_pence=fee, choice=choice,
                    )
            except IntegrityError:
                raise ValidationError(ALREADY_CLAIMED) from None
            claim.expenses_pence = _save_expenses(claim, checked, written)
            claim.save(update_fields=["expenses_pence"])
            audit_record(actor=user, action="involvement.claim_made", target=claim,
                         data={"claim": claim.pk, "participation": locked.pk, "rate": rate.pk if rate else None,
                               "choice": choice, "fee_pence": fee, "expenses_pence": claim.expenses_pence})
    except BaseException:
        _forget(written)
        raise
    return claim


def _locked_claim(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("payee").get(pk=claim.pk)


def _sync(claim: Claim, locked: Claim) -> Claim:
    for name in ("status", "expenses_pence", "approved_at", "approved_by_id", "paid_at"):
        setattr(claim, name, getattr(locked, name))
    return claim


def claim_withdraw(*, user, claim: Claim) -> Claim:
    """The claimant takes back a claim not yet approved. It stays on record, withdrawn; the same
    activity cannot be claimed again."""
    with transaction.atomic():
        locked = _locked_claim(claim)
        if not permissions.can_withdraw_claim(user, locked):
            raise PermissionDenied("This claim can no longer be withdrawn.")
        locked.status = Claim.Status.WITHDRAWN
        locked.save(update_fields=["status"])
        audit_record(actor=user, action="involvement.claim_withdrawn", target=locked, data={"claim": locked.pk})
    return _sync(claim, locked)


def claim_query(*, user, claim: Claim, reason: str) -> Claim:
    """Finance asks the claimant about a claim, with a reason she sees on her claim; she is emailed
    (through the outbox) that there is a question, without its words."""
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = _locked_claim(claim)
        if not permissions.can_query_claim(user, locked):
            raise PermissionDenied(FINANCE_ONLY if not permissions.is_finance(user) else "This claim cannot be queried now.")
        if not reason:
            raise ValidationError({"reason": "Write the question, so the person knows what to answer"})
        ClaimNote.objects.create(claim=locked, author=user, kind=ClaimNote.Kind.QUERY, text=reason[:2000])
        locked.status = Claim.Status.QUERIED
        locked.save(update_fields=["status"])
        audit_record(actor=user, action="involvement.claim_queried", target=locked, data={"claim": locked.pk})
        jobs.queried_enqueue(locked)
    return _sync(claim, locked)


def claim_answer(*, user, claim: Claim, text: str, expenses=()) -> Claim:
    """The claimant answers Finance's question, and may add expenses and receipts; the claim goes back
    to Finance to check."""
    text = (text or "").strip()
    expenses = list(expenses or [])
    if not text:
        raise ValidationError({"text": "Write your answer"})
    checked = _check_expenses(expenses)
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = _locked_claim(claim)
            if not permissions.can_answer_claim(user, locked):
                raise PermissionDenied("There is no question to answer on this claim.")
            ClaimNote.objects.create(claim=locked, author=user, kind=ClaimNote.Kind.ANSWER, text=text[:2000])
            _save_expenses(locked, checked, written)
            locked.expenses_pence = locked.expenses.aggregate(total=Sum("pence"))["total"] or 0
            locked.status = Claim.Status.SUBMITTED
            locked.save(update_fields=["status", "expenses_pence"])
            audit_record(actor=user, action="involvement.claim_answered", target=locked,
                         data={"claim": locked.pk, "expenses_added": len(checked), "expenses_pence": locked.expenses_pence})
    except BaseException:
        _forget(written)
        raise
    return _sync(claim, locked)


def claim_approve(*, user, claim: Claim, note: str = "") -> Claim:
    """Finance approves a claim (never their own); it waits for a payment batch. A claim with nothing
    to pay (payment declined, no expenses) is settled at once: it is marked paid, for £0.00."""
    with transaction.atomic():
        locked = _locked_claim(claim)
        if not permissions.can_approve_claim(user, locked):
            if permissions.is_finance(user) and locked.payee.person_id == user.pk:
                raise PermissionDenied("You cannot approve your own claim. Ask someone else in finance.")
            raise PermissionDenied(FINANCE_ONLY if not permissions.is_finance(user) else "This claim cannot be approved now.")
        now = timezone.now()
        locked.status, locked.approved_at, locked.approved_by = Claim.Status.APPROVED, now, user
        if locked.total_pence == 0:
            locked.status, locked.paid_at = Claim.Status.PAID, now
        locked.save(update_fields=["status", "approved_at", "approved_by", "paid_at"])
        if (note or "").strip():
            ClaimNote.objects.create(claim=locked, author=user, kind=ClaimNote.Kind.APPROVE, text=note.strip()[:2000])
        audit_record(actor=user, action="involvement.claim_approved", target=locked,
                     data={"claim": locked.pk, "total_pence": locked.total_pence})
    return _sync(claim, locked)
