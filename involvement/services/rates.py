"""Rate bands and their rates by date, and the band each group's meetings pay (Finance only).

A rate is never changed or deleted once added: a new one is added from a later date. Claims keep the
rate row and the pence they were made with, so adding a rate never moves a claim already made.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from governance.models import Body
from portal.audit.services import audit_record

from .. import permissions
from ..models import MeetingRate, Rate, RateBand

ONLY_FINANCE = "Only finance staff can change rates."


def _require_finance(user) -> None:
    if not permissions.can_manage_rates(user):
        raise PermissionDenied(ONLY_FINANCE)


def rate_band_save(*, user, name: str, description: str = "", band: RateBand | None = None) -> RateBand:
    """Make a rate band, or rename and describe one (its rates stay as they are)."""
    _require_finance(user)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the band a name, for example “Meeting or panel, up to 2 hours”"})
    if RateBand.objects.filter(name__iexact=name).exclude(pk=band.pk if band else None).exists():
        raise ValidationError({"name": "There is already a band with this name. Choose another name."})
    band = band or RateBand()
    band.name, band.description = name[:120], (description or "").strip()
    with transaction.atomic():
        band.save()
        audit_record(actor=user, action="involvement.rate_band_saved", target=band, data={"band": band.pk})
    return band


def rate_add(*, user, band: RateBand, pence: int, applies_from: datetime.date) -> Rate:
    """Add what `band` pays from `applies_from` on. Activities before that day keep the earlier rate.
    One rate per band and day: a second one for the same day is refused in plain words."""
    _require_finance(user)
    errors = {}
    if not isinstance(pence, int) or pence < 0:
        errors["pence"] = "Write the payment in pounds and pence, for example 25.00"
    if not isinstance(applies_from, datetime.date):
        errors["applies_from"] = "Give the date the rate starts"
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            rate = Rate.objects.create(band=band, pence=pence, applies_from=applies_from, created_by=user)
            audit_record(actor=user, action="involvement.rate_added", target=rate,
                         data={"rate": rate.pk, "band": band.pk, "pence": pence, "applies_from": applies_from})
    except IntegrityError:
        raise ValidationError(
            {"applies_from": "This band already has a rate starting on that day. Choose another day."}
        ) from None
    return rate


def meeting_rate_set(*, user, body: Body, band: RateBand | None) -> MeetingRate | None:
    """The band that attending `body`'s meetings pays (None: expenses only). Applies to meetings marked
    as held from now on; participation already recorded keeps its band."""
    _require_finance(user)
    with transaction.atomic():
        if band is None:
            MeetingRate.objects.filter(body=body).delete()
            found = None
        else:
            found, _ = MeetingRate.objects.update_or_create(body=body, defaults={"band": band})
        audit_record(actor=user, action="involvement.meeting_rate_set", target=body,
                     data={"body": body.pk, "band": band.pk if band else None})
    return found
