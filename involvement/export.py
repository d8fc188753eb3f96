"""A payment batch as CSV, for payroll or the bank. The layout (documented in README.md too):

    payee_reference,amount,type,activity,period,claim_reference
    PAY-7KQ2MX,25.00,fee,Interview panel for a peer worker,2026-03-04,CLAIM-000123
    PAY-7KQ2MX,6.40,expenses,Interview panel for a peer worker,2026-03-04,CLAIM-000123

- payee_reference: the payee's reference, which the charity's payroll knows (no names, no bank details;
  a person erased since is still their reference).
- amount: pounds with exactly two decimals, from integer pence by integer arithmetic (never a float).
- type: "fee" (to be paid), "voucher" (a voucher instead of payment) or "expenses".
- activity: what the person took part in.
- period: the day of the activity, ISO 8601 (YYYY-MM-DD).
- claim_reference: the claim (CLAIM-000123), on every row of it.

One row per claim per type: a claim with a fee (or voucher) and expenses has two rows; a fee of 0
(expenses only, or payment declined) has no fee row, and no expenses means no expenses row. Rows are in
claim order. The amounts add up, to the penny, to the batch's stored total. Cells a spreadsheet would
run as a formula are made safe (portal/csv_safety.py).

Streamed: rows are read from the database in chunks (`.iterator(chunk_size=...)`, plain tuples, no
model objects) and written as they are read, so memory stays flat however big the batch.
"""

import csv
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone

from portal.audit.services import audit_record
from portal.csv_safety import formula_safe
from portal.responses import private

from . import permissions
from .models import Claim, PaymentBatch
from .money import pounds

HEADER = ["payee_reference", "amount", "type", "activity", "period", "claim_reference"]
CHUNK = 2000


class _Echo:
    """A file-like object whose write returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def batch_rows(batch: PaymentBatch) -> Iterator[list[str]]:
    """The batch's rows (without the header), in claim order, read in chunks."""
    rows = (
        Claim.objects.filter(batch=batch).order_by("pk")
        .values_list("pk", "payee__reference", "fee_pence", "expenses_pence", "choice", "participation__activity",
                     "activity_day")
        .iterator(chunk_size=CHUNK)
    )
    for pk, reference, fee, expenses, choice, activity, day in rows:
        claim_reference = f"CLAIM-{pk:06d}"
        activity = formula_safe(activity)
        if fee:
            kind = "voucher" if choice == Claim.Choice.VOUCHER else "fee"
            yield [reference, pounds(fee), kind, activity, day.isoformat(), claim_reference]
        if expenses:
            yield [reference, pounds(expenses), "expenses", activity, day.isoformat(), claim_reference]


def batch_csv_lines(batch: PaymentBatch) -> Iterator[str]:
    """The whole CSV file, line by line: the header, then `batch_rows`."""
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    for row in batch_rows(batch):
        yield writer.writerow(row)


def batch_csv_response(*, user, batch: PaymentBatch) -> StreamingHttpResponse:
    """The batch's CSV as a streamed download nobody may cache (Finance only). Each download is a
    ledger event (`involvement.batch_exported`) and sets the batch's `exported_at`."""
    if not permissions.can_manage_batches(user):
        raise PermissionDenied("Only finance staff can download payment batches.")
    with transaction.atomic():
        PaymentBatch.objects.filter(pk=batch.pk).update(exported_at=timezone.now())
        audit_record(actor=user, action="involvement.batch_exported", target=batch,
                     data={"batch": batch.pk, "reference": batch.reference, "count": batch.count,
                           "total_pence": batch.total_pence})
    response = StreamingHttpResponse(batch_csv_lines(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{batch.reference.lower()}.csv"'
    return private(response)
