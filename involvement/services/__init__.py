"""Every write for involvement payments: rates, opportunities and interest, participation, claims and
payment batches. Split by subject into modules; import them from here (`involvement.services`).

Each follows the same order: check permission, validate, change data in one transaction with one
ledger event (ids, references and pence only, never names or words people wrote), and queue side
effects (emails go through the outbox in the same transaction).
"""

from .claims import (
    ALREADY_CLAIMED,
    ExpenseInput,
    claim_answer,
    claim_approve,
    claim_make,
    claim_query,
    claim_withdraw,
    payee_for,
)
from .opportunities import (
    interest_confirm,
    interest_express,
    interest_not_selected,
    interest_select,
    interest_withdraw,
    opportunity_publish,
    opportunity_set_status,
    opportunity_update,
)
from .participation import (
    event_participation_record,
    opportunity_attended,
    participation_from_attendance,
    participations_for_meeting,
)
from .payments import batch_make, batch_mark_paid
from .rates import meeting_rate_set, rate_add, rate_band_save

__all__ = [
    "ALREADY_CLAIMED", "ExpenseInput", "batch_make", "batch_mark_paid", "claim_answer", "claim_approve",
    "claim_make", "claim_query", "claim_withdraw", "event_participation_record", "interest_confirm",
    "interest_express", "interest_not_selected", "interest_select", "interest_withdraw", "meeting_rate_set",
    "opportunity_attended", "opportunity_publish", "opportunity_set_status", "opportunity_update",
    "participation_from_attendance", "participations_for_meeting", "payee_for", "rate_add", "rate_band_save",
]
