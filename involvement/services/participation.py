"""Participation: the one record of someone taking part, made once from its source.

Sources, each giving at most one participation (database unique constraints back this up):
- a meeting: attendance marked present at a meeting marked held. Governance knows nothing of this
  app; `involvement.signals` hears attendance and meetings being saved and calls
  `participation_from_attendance` / `participations_for_meeting`. The body's `MeetingRate` gives the
  band (none: expenses only). The secretary, who keeps the record, is not counted as taking part.
  Attendance changed away from present takes an unclaimed participation away again; a claimed one
  stays (finance has it; the claim shows what was claimed).
- an opportunity: staff record that a confirmed person took part (`opportunity_attended`).
- event or other work: staff enter it (`event_participation_record`), once per person, day and activity.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.models import Attendance, Meeting, Membership
from portal.audit.services import audit_record

from .. import permissions
from ..models import Interest, MeetingRate, Opportunity, Participation, RateBand

User = get_user_model()
ACTIVITY_MAX = 200


def _recorded(participation: Participation, *, actor) -> Participation:
    audit_record(actor=actor, action="involvement.participation_recorded", target=participation,
                 data={"participation": participation.pk, "kind": participation.kind, "day": participation.day,
                       "band": participation.rate_band_id})
    return participation


# --- meetings -----------------------------------------------------------------------------------------
def _counts(attendance: Attendance, meeting: Meeting) -> bool:
    return (
        meeting.status == Meeting.Status.HELD
        and attendance.status == Attendance.Status.PRESENT
        and attendance.role != Membership.Role.SECRETARY
    )


def _meeting_participation(attendance: Attendance, meeting: Meeting, band_id: int | None) -> Participation:
    return Participation(
        person_id=attendance.person_id, day=timezone.localdate(meeting.starts_at), minutes=0,
        activity=f"{meeting.title} ({meeting.body.name})"[:ACTIVITY_MAX], kind=Participation.Kind.MEETING,
        rate_band_id=band_id, attendance=attendance,
    )


def _band_id(body_id: int) -> int | None:
    return MeetingRate.objects.filter(body_id=body_id).values_list("band_id", flat=True).first()


def participation_from_attendance(*, attendance: Attendance) -> Participation | None:
    """Keep the participation of one attendance row in step with it (see the module docstring); returns
    it, or None when the row does not count. Idempotent: a second call finds the first one's record."""
    meeting = attendance.meeting
    existing = Participation.objects.filter(attendance=attendance).first()
    if not _counts(attendance, meeting):
        if existing is not None and not hasattr(existing, "claim"):
            with transaction.atomic():
                audit_record(actor=None, action="involvement.participation_removed", target=existing,
                             data={"participation": existing.pk})
                existing.delete()
        return None
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            participation = _meeting_participation(attendance, meeting, _band_id(meeting.body_id))
            participation.save()
            return _recorded(participation, actor=None)
    except IntegrityError:  # recorded at the same moment by another request
        return Participation.objects.get(attendance=attendance)


def participations_for_meeting(*, meeting: Meeting) -> int:
    """Once a meeting is held: a participation for each person present who has none yet (the
    secretary aside). Returns how many were made. Three queries plus one ledger event per record."""
    if meeting.status != Meeting.Status.HELD:
        return 0
    waiting = (
        Attendance.objects.filter(meeting=meeting, status=Attendance.Status.PRESENT, involvement_participation__isnull=True)
        .exclude(role=Membership.Role.SECRETARY)
        .order_by("pk")
    )
    band_id = _band_id(meeting.body_id)
    made = 0
    with transaction.atomic():
        for attendance in waiting:
            try:
                with transaction.atomic():
                    participation = _meeting_participation(attendance, meeting, band_id)
                    participation.save()
            except IntegrityError:
                continue
            _recorded(participation, actor=None)
            made += 1
    return made


# --- opportunities ------------------------------------------------------------------------------------
def opportunity_attended(*, user, interest: Interest, minutes: int | None = None) -> Participation:
    """Staff record that a confirmed person took part; their participation is made with the
    opportunity's band, day and length (or `minutes`). Once: a second call returns the first record."""
    if not permissions.can_manage_opportunities(user):
        raise PermissionDenied("Only staff who run opportunities can record who took part.")
    with transaction.atomic():
        interest = Interest.objects.select_for_update().select_related("opportunity").get(pk=interest.pk)
        found = Participation.objects.filter(interest=interest).first()
        if found is not None:
            return found
        opportunity: Opportunity = interest.opportunity
        if interest.status != Interest.Status.CONFIRMED or interest.person_id is None:
            raise ValidationError("Only people whose place was confirmed can be recorded as taking part.")
        if opportunity.starts_at > timezone.now():
            raise ValidationError("This has not happened yet. Record who took part after it starts.")
        if minutes is not None and (not isinstance(minutes, int) or minutes < 0):
            raise ValidationError({"minutes": "Say how long they took part, in minutes"})
        participation = Participation.objects.create(
            person_id=interest.person_id, day=timezone.localdate(opportunity.starts_at),
            minutes=opportunity.duration_minutes if minutes is None else minutes,
            activity=opportunity.title[:ACTIVITY_MAX], kind=Participation.Kind.OPPORTUNITY,
            rate_band_id=opportunity.rate_band_id, interest=interest, recorded_by=user,
        )
        interest.status = Interest.Status.ATTENDED
        interest.save(update_fields=["status", "updated_at"])
        _recorded(participation, actor=user)
    return participation


# --- events and other work ----------------------------------------------------------------------------
def event_participation_record(
    *, user, person, day: datetime.date, minutes: int, activity: str, rate_band: RateBand | None = None
) -> Participation:
    """Staff enter assisted or event work someone did (a stall, a talk, a training session they gave),
    with the band it pays. Once per person, day and activity."""
    if not permissions.can_record_event(user):
        raise PermissionDenied("Only staff who run opportunities can record this.")
    activity = (activity or "").strip()[:ACTIVITY_MAX]
    errors = {}
    if not isinstance(person, User) or not person.is_active:
        errors["person"] = "Choose the person who took part"
    if not isinstance(day, datetime.date) or day > timezone.localdate():
        errors["day"] = "Give the day they took part: today or before"
    if not isinstance(minutes, int) or minutes < 0:
        errors["minutes"] = "Say how long they took part, in minutes"
    if not activity:
        errors["activity"] = "Say in a few words what they did"
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            participation = Participation.objects.create(
                person=person, day=day, minutes=minutes, activity=activity, kind=Participation.Kind.EVENT,
                rate_band=rate_band, recorded_by=user,
            )
            _recorded(participation, actor=user)
    except IntegrityError:
        raise ValidationError("This is already recorded for this person on that day.") from None
    return participation
