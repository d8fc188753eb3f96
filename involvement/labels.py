"""How the ledger and the history views name involvement records and read their events' payloads.

Records are named by references, titles, activities and dates only, never by a person's name: a claim
is "Claim CLAIM-000123", a payee "Payee PAY-7KQ2MX". Registered in InvolvementConfig.ready with
portal.audit.words.
"""

from portal.audit.words import label_rows
from portal.dates import gov_date

from .models import Claim, Interest, Opportunity, Participation, Payee, PaymentBatch, Rate, RateBand


def claim_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Claim CLAIM-{int(pk):06d}" for (pk,) in label_rows(Claim, ids)}


def batch_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Payment batch {reference}" for pk, reference in label_rows(PaymentBatch, ids, "reference")}


def payee_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(Payee, ids, "reference", "former")
    return {str(pk): f"{'Former member' if former else 'Payee'} {reference}" for pk, reference, former in rows}


def opportunity_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Opportunity “{title}”" for pk, title in label_rows(Opportunity, ids, "title")}


def interest_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(Interest, ids, "opportunity__title")
    return {str(pk): f"Interest in “{title}”" for pk, title in rows}


def participation_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(Participation, ids, "activity", "day")
    return {str(pk): f"Taking part: {activity}, {gov_date(day)}" for pk, activity, day in rows}


def band_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Rate band “{name}”" for pk, name in label_rows(RateBand, ids, "name")}


def rate_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(Rate, ids, "band__name", "applies_from")
    return {str(pk): f"Rate for “{name}” from {gov_date(day)}" for pk, name, day in rows}


LABELS = {
    "involvement.claim": (claim_labels, "Claim"),
    "involvement.paymentbatch": (batch_labels, "Payment batch"),
    "involvement.payee": (payee_labels, "Payee"),
    "involvement.opportunity": (opportunity_labels, "Opportunity"),
    "involvement.interest": (interest_labels, "Interest in an opportunity"),
    "involvement.participation": (participation_labels, "Taking part"),
    "involvement.rateband": (band_labels, "Rate band"),
    "involvement.rate": (rate_labels, "Rate"),
}

# (payload key, what it holds, the action whose events carry it). Keys naming the event's target, or a
# field of it, are read without this; these are the others, registered per action so other apps'
# payload keys of the same name are never misread.
BAND_ACTIONS = ("rate_band_saved", "rate_added", "meeting_rate_set", "opportunity_published", "participation_recorded")
BATCH_ACTIONS = ("batch_made", "batch_paid", "batch_exported")
EVENT_KEYS = [("band", RateBand, f"involvement.{action}") for action in BAND_ACTIONS] + [
    ("batch", PaymentBatch, f"involvement.{action}") for action in BATCH_ACTIONS
]
