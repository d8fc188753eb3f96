"""Opportunities and people's interest in them: publish, express interest, select, confirm, withdraw.

Staff (Secretaries and Finance) publish opportunities and choose people; members (Service users)
say they are interested. Confirming someone emails them, through the outbox in the same transaction,
with when and where, what to bring and how to claim; never more people than the opportunity's places.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.audit.services import audit_record, changes_by

from .. import jobs, permissions
from ..models import Interest, Opportunity, RateBand

ONLY_STAFF = "Only staff who run opportunities can do this."
FIELDS = ("title", "purpose", "kind", "starts_at", "duration_minutes", "place", "rate_band", "support_offered",
          "what_to_bring", "places")
TAKEN = (Interest.Status.CONFIRMED, Interest.Status.ATTENDED)


def _require_staff(user) -> None:
    if not permissions.can_manage_opportunities(user):
        raise PermissionDenied(ONLY_STAFF)


def _checked(values: dict) -> dict:
    """The opportunity's fields, trimmed, or a ValidationError naming each one that is missing or wrong."""
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    errors = {}
    if not values.get("title"):
        errors["title"] = "Give the opportunity a short title"
    if not values.get("purpose"):
        errors["purpose"] = "Say what it is for and what people will do"
    if values.get("kind") not in Opportunity.Kind.values:
        errors["kind"] = "Choose what kind of opportunity it is"
    if not isinstance(values.get("starts_at"), datetime.datetime):
        errors["starts_at"] = "Give the date and time it starts"
    if not isinstance(values.get("duration_minutes"), int) or values["duration_minutes"] <= 0:
        errors["duration_minutes"] = "Say how long it lasts, in minutes"
    if not values.get("place"):
        errors["place"] = "Say where it happens, or write “Online”"
    if not isinstance(values.get("places"), int) or values["places"] < 1:
        errors["places"] = "Say how many people you need: 1 or more"
    band = values.get("rate_band")
    if band is not None and not isinstance(band, RateBand):
        errors["rate_band"] = "Choose what it pays"
    if errors:
        raise ValidationError(errors)
    values["title"] = values["title"][:150]
    return values


def opportunity_publish(
    *, user, title: str, purpose: str, kind: str, starts_at: datetime.datetime, duration_minutes: int, place: str,
    rate_band: RateBand | None = None, support_offered: str = "", what_to_bring: str = "", places: int = 1,
) -> Opportunity:
    """Publish an open opportunity members can say they are interested in."""
    _require_staff(user)
    values = _checked({
        "title": title, "purpose": purpose, "kind": kind, "starts_at": starts_at, "duration_minutes": duration_minutes,
        "place": place, "rate_band": rate_band, "support_offered": support_offered or "",
        "what_to_bring": what_to_bring or "", "places": places,
    })
    opportunity = Opportunity(**values, created_by=user, status=Opportunity.Status.OPEN)
    with changes_by(user), transaction.atomic():
        opportunity.save()
        audit_record(actor=user, action="involvement.opportunity_published", target=opportunity,
                     data={"opportunity": opportunity.pk, "band": rate_band.pk if rate_band else None,
                           "places": opportunity.places})
    return opportunity


def opportunity_update(*, user, opportunity: Opportunity, **fields) -> Opportunity:
    """Change an opportunity's details (the names as `opportunity_publish` takes them). People already
    confirmed keep their place; participation already recorded keeps the band it was recorded with."""
    _require_staff(user)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"Unknown opportunity fields: {', '.join(sorted(unknown))}")
    values = _checked({name: fields.get(name, getattr(opportunity, name)) for name in FIELDS})
    for name, value in values.items():
        setattr(opportunity, name, value)
    with changes_by(user), transaction.atomic():
        opportunity.save()
        audit_record(actor=user, action="involvement.opportunity_changed", target=opportunity,
                     data={"opportunity": opportunity.pk})
    return opportunity


def opportunity_set_status(*, user, opportunity: Opportunity, status: str) -> Opportunity:
    """Open, close (no more interest taken) or cancel an opportunity."""
    _require_staff(user)
    if status not in Opportunity.Status.values:
        raise ValidationError({"status": "Choose open, closed or cancelled"})
    opportunity.status = status
    with changes_by(user), transaction.atomic():
        opportunity.save()
        audit_record(actor=user, action="involvement.opportunity_status_changed", target=opportunity,
                     data={"opportunity": opportunity.pk, "status": status})
    return opportunity


# --- interest -----------------------------------------------------------------------------------------
def interest_express(*, user, opportunity: Opportunity, note: str = "") -> Interest:
    """`user` says they are interested. Once: again after withdrawing opens the same record again."""
    if not permissions.can_express_interest(user, opportunity):
        if opportunity.status != Opportunity.Status.OPEN:
            raise ValidationError("This opportunity is not taking interest any more.")
        raise PermissionDenied("Only members can say they are interested.")
    note = (note or "").strip()[:1000]
    with transaction.atomic():
        interest = Interest.objects.select_for_update().filter(opportunity=opportunity, person=user).first()
        if interest is not None and interest.status != Interest.Status.WITHDRAWN:
            raise ValidationError("You have already said you are interested.")
        try:
            with transaction.atomic():
                if interest is None:
                    interest = Interest.objects.create(opportunity=opportunity, person=user, note=note)
                else:
                    interest.status, interest.note = Interest.Status.INTERESTED, note
                    interest.save()
        except IntegrityError:
            raise ValidationError("You have already said you are interested.") from None
        audit_record(actor=user, action="involvement.interest_expressed", target=interest,
                     data={"interest": interest.pk, "opportunity": opportunity.pk})
    return interest


def interest_withdraw(*, user, interest: Interest) -> Interest:
    """The person takes back their interest (or their place), until they have taken part."""
    if not permissions.can_withdraw_interest(user, interest):
        raise PermissionDenied("You cannot withdraw from this.")
    return _set_status(interest, Interest.Status.WITHDRAWN, actor=user, action="involvement.interest_withdrawn")


def interest_select(*, user, interest: Interest) -> Interest:
    """Staff choose the person (not yet confirmed: nothing is sent)."""
    _require_staff(user)
    _require_open_choice(interest)
    return _set_status(interest, Interest.Status.SELECTED, actor=user, action="involvement.interest_selected")


def interest_not_selected(*, user, interest: Interest) -> Interest:
    """Staff say the person is not chosen this time."""
    _require_staff(user)
    _require_open_choice(interest)
    return _set_status(interest, Interest.Status.NOT_SELECTED, actor=user, action="involvement.interest_not_selected")


def interest_confirm(*, user, interest: Interest) -> Interest:
    """Staff confirm the person's place, and the person is emailed (through the outbox) when and where,
    what to bring and how to claim. Never more confirmed than the opportunity's places."""
    _require_staff(user)
    _require_open_choice(interest)
    with transaction.atomic():
        opportunity = Opportunity.objects.select_for_update().get(pk=interest.opportunity_id)
        taken = opportunity.interests.filter(status__in=TAKEN).exclude(pk=interest.pk).count()
        if taken >= opportunity.places:
            raise ValidationError(
                f"All {opportunity.places} places are filled. Add a place to the opportunity first, or choose someone else."
            )
        _set_status(interest, Interest.Status.CONFIRMED, actor=user, action="involvement.interest_confirmed")
        jobs.confirmed_enqueue(interest)
    return interest


def _require_open_choice(interest: Interest) -> None:
    if interest.status in (Interest.Status.ATTENDED, Interest.Status.WITHDRAWN) or interest.person_id is None:
        raise ValidationError("This person has withdrawn or has already taken part, so this cannot change.")


def _set_status(interest: Interest, status: str, *, actor, action: str) -> Interest:
    with transaction.atomic():
        interest.status = status
        interest.updated_at = timezone.now()
        interest.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action=action, target=interest,
                     data={"interest": interest.pk, "opportunity": interest.opportunity_id, "status": status})
    return interest
