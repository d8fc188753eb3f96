"""Payment batches: approved claims paid together, then marked paid (Finance only).

A batch takes every approved claim not yet in a batch (or the ones given) in one conditional UPDATE,
so two batches made at once never share a claim; its count and total (integer pence) are stored when it is made, and its
CSV export (`involvement.export`) adds up to that total. Marking it paid marks each of its claims paid
at the same moment. Nothing here holds bank details: the export names each payee by reference.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from portal.audit.services import audit_record

from .. import permissions
from ..models import Claim, PaymentBatch

FINANCE_ONLY = "Only finance staff can do this."
NOTHING_TO_PAY = "There are no approved claims to pay."


def _require_finance(user) -> None:
    if not permissions.can_manage_batches(user):
        raise PermissionDenied(FINANCE_ONLY)


def _next_reference(year: int) -> str:
    taken = PaymentBatch.objects.filter(reference__startswith=f"BATCH-{year}-").count()
    return f"BATCH-{year}-{taken + 1:03d}"


def _new_batch(user) -> PaymentBatch:
    """A batch with the year's next reference; a reference taken at the same moment is tried again."""
    year = timezone.localdate().year
    for _attempt in range(10):
        try:
            with transaction.atomic():
                return PaymentBatch.objects.create(reference=_next_reference(year), created_by=user)
        except IntegrityError:
            continue
    raise RuntimeError("Could not make a batch reference; please try again.")


def batch_make(*, user, claims=None) -> PaymentBatch:
    """Put approved claims that are in no batch (all of them, or those in `claims`) into a new batch.
    Claims with nothing to pay are never in a batch (they are settled when approved)."""
    _require_finance(user)
    with transaction.atomic():
        waiting = Claim.objects.filter(status=Claim.Status.APPROVED, batch__isnull=True)
        if claims is not None:
            waiting = waiting.filter(pk__in=[getattr(c, "pk", c) for c in claims])
        batch = _new_batch(user)
        # One UPDATE takes the claims: on PostgreSQL a claim another batch is taking at the same moment
        # is waited for and then skipped (its batch is no longer empty), so no claim is in two batches.
        if not waiting.update(batch=batch):
            raise ValidationError(NOTHING_TO_PAY)  # and the empty batch is rolled back with it
        totals = Claim.objects.filter(batch=batch).aggregate(count=Count("pk"), total=Sum(F("fee_pence") + F("expenses_pence")))
        batch.count, batch.total_pence = totals["count"], totals["total"] or 0
        batch.save(update_fields=["count", "total_pence"])
        audit_record(actor=user, action="involvement.batch_made", target=batch,
                     data={"batch": batch.pk, "reference": batch.reference, "count": batch.count,
                           "total_pence": batch.total_pence})
    return batch


def batch_mark_paid(*, user, batch: PaymentBatch, paid_at=None) -> PaymentBatch:
    """Mark the batch and every claim in it paid (at `paid_at`, default now). Once."""
    _require_finance(user)
    paid_at = paid_at or timezone.now()
    with transaction.atomic():
        locked = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.paid_at is not None:
            raise ValidationError("This batch is already marked as paid.")
        locked.claims.filter(status=Claim.Status.APPROVED).update(status=Claim.Status.PAID, paid_at=paid_at)
        locked.paid_at, locked.paid_by = paid_at, user
        locked.save(update_fields=["paid_at", "paid_by"])
        audit_record(actor=user, action="involvement.batch_paid", target=locked,
                     data={"batch": locked.pk, "reference": locked.reference, "count": locked.count,
                           "total_pence": locked.total_pence})
    batch.paid_at, batch.paid_by = locked.paid_at, locked.paid_by
    return batch
