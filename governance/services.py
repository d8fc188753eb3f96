"""Writes for governance: attendance, meetings held, decisions, actions, outcomes and memberships.

Each follows the same order: check permission, validate, change data in a transaction, record one
ledger event (ids and codes only, never names), and refresh cached public pages once committed. The
history rows each writes name the same person as its ledger event (`changes_by_user`).
Tracked models are saved one by one (never `.update()` or `bulk_*`) so simple-history sees every change.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Length
from django.utils import timezone

from portal.audit.services import audit_record, changes_by_user
from portal.home.page_cache import page_cache_clear

from . import permissions, selectors
from .hear_back import decision_hear_back
from .models import Action, ActionUpdate, Attendance, Body, Decision, EvidenceLink, Meeting, Membership, Outcome

NO_INPUT_MESSAGE = "Say why no service-user input shaped this decision"
_REFERENCE_ATTEMPTS = 10


def _require_recorder(user, body: Body) -> None:
    if not permissions.can_record(user, body):
        raise PermissionDenied("Only secretaries can record this.")


# --- meetings -------------------------------------------------------------------------------------
@changes_by_user
def meeting_record_attendance(*, meeting: Meeting, entries: dict, user) -> list[Attendance]:
    """Record who came: `entries` maps a person (or their id) to present / apologies / absent.

    Role and seat are copied from the person's membership on the meeting's date, so the record stays
    true when the membership later changes. Only current members can be recorded.
    """
    _require_recorder(user, meeting.body)
    on = timezone.localdate(meeting.starts_at)
    seats = {m.person_id: m for m in selectors.current_memberships(meeting.body, on)}
    rows = []
    with transaction.atomic():
        for person, status in entries.items():
            person_id = getattr(person, "pk", person)
            if person_id not in seats:
                raise ValidationError("Only people who are members of this group on the meeting's date can be recorded.")
            if status not in Attendance.Status.values:
                raise ValidationError("Choose present, sent apologies or absent for each person.")
            seat = seats[person_id]
            row, _ = Attendance.objects.get_or_create(meeting=meeting, person_id=person_id)
            row.status, row.role, row.seat = status, seat.role, seat.seat
            row.save()
            rows.append(row)
        audit_record(
            actor=user,
            action="governance.attendance_recorded",
            target=meeting,
            data={"meeting": meeting.pk, "rows": len(rows)},
        )
    return rows


@changes_by_user
def meeting_mark_held(*, meeting: Meeting, user) -> Meeting:
    """Mark a meeting held and freeze its figures: members present, lived-experience members present,
    and whether it was quorate against the body's quorum and lived-experience quorum."""
    _require_recorder(user, meeting.body)
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError("This meeting was cancelled, so it cannot be marked as held.")
    quorum = selectors.meeting_quorum(meeting)
    with transaction.atomic():
        meeting.status = Meeting.Status.HELD
        meeting.members_present = quorum.present
        meeting.lived_experience_present = quorum.lived_present
        meeting.quorate = quorum.quorate
        meeting.save()
        audit_record(
            actor=user,
            action="governance.meeting_held",
            target=meeting,
            data={
                "meeting": meeting.pk,
                "body": meeting.body_id,
                "members_present": quorum.present,
                "lived_experience_present": quorum.lived_present,
                "quorate": quorum.quorate,
            },
        )
        transaction.on_commit(page_cache_clear)
    return meeting


# --- decisions ------------------------------------------------------------------------------------
@dataclass
class Evidence:
    """One evidence row as a form gives it. Exactly one of the four targets is normally set."""

    relation: str = EvidenceLink.Relation.INFORMED_BY
    consultation: object = None
    theme: object = None
    statement: object = None
    recommendation: object = None
    note: str = ""


def _as_evidence(item) -> Evidence:
    return item if isinstance(item, Evidence) else Evidence(**item)


@changes_by_user
def decision_record(
    *,
    body: Body,
    meeting: Meeting | None,
    title: str,
    text: str,
    outcome: str = Decision.Outcome.CARRIED,
    rationale: str = "",
    mover=None,
    seconder=None,
    votes_for: int | None = None,
    votes_against: int | None = None,
    votes_abstain: int | None = None,
    conflicts_declared: str = "",
    evidence: list | None = None,
    no_input_reason: str = "",
    decided_on: datetime.date | None = None,
    user,
) -> Decision:
    """Record a decision with its evidence and give it the next reference, e.g. `TB-2026-014`.

    Refused (ValidationError, plain words) when it cites no service-user input and says not why, when
    its meeting is not quorate, or when the mover or seconder was not present. The lived-experience
    figures are snapshots of the meeting's attendance now. References are sequential per body and
    year and never repeat, even when two secretaries record at the same moment (the body row is locked
    on PostgreSQL; everywhere, the unique reference is retried on a clash).
    """
    _require_recorder(user, body)
    links = [_as_evidence(item) for item in (evidence or [])]
    if not links and not no_input_reason.strip():
        raise ValidationError({"no_input_reason": NO_INPUT_MESSAGE})
    quorum = _check_meeting(body, meeting, mover, seconder)
    decided_on = decided_on or (timezone.localdate(meeting.starts_at) if meeting else timezone.localdate())
    decision = Decision(
        body=body,
        meeting=meeting,
        title=title,
        text=text,
        outcome=outcome,
        rationale=rationale,
        mover=mover,
        seconder=seconder,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        conflicts_declared=conflicts_declared,
        no_input_reason=no_input_reason.strip(),
        decided_on=decided_on,
        members_present=quorum.present if quorum else None,
        lived_experience_present=quorum.lived_present if quorum else None,
    )
    with transaction.atomic():
        _save_with_reference(decision)
        for link in links:
            _save_link(decision, link)
        decision_hear_back(decision)  # the people who answered a cited consultation hear what came of it
        audit_record(
            actor=user,
            action="governance.decision_recorded",
            target=decision,
            data={
                "decision": decision.pk,
                "reference": decision.reference,
                "body": body.pk,
                "meeting": meeting.pk if meeting else None,
                "outcome": decision.outcome,
                "evidence_links": len(links),
                "lived_experience_present": decision.lived_experience_present,
            },
        )
        transaction.on_commit(page_cache_clear)
    return decision


def _check_meeting(body: Body, meeting: Meeting | None, mover, seconder):
    if meeting is None:
        return None
    if meeting.body_id != body.pk:
        raise ValidationError("This meeting belongs to another group.")
    quorum = selectors.meeting_quorum(meeting)
    if not quorum.quorate:
        raise ValidationError(
            f"This meeting is not quorate, so it cannot make decisions. {quorum.sentence}. "
            "Check the attendance, or record the item as deferred at a later meeting."
        )
    present = {p.pk for p in selectors.present_people(meeting)}
    for who, label in ((mover, "mover"), (seconder, "seconder")):
        if who is not None and who.pk not in present:
            raise ValidationError({label: f"The {label} must be someone marked present at the meeting."})
    return quorum


def _next_reference(body: Body, year: int) -> str:
    prefix = f"{body.code}-{year}-"
    last = (
        Decision.objects.filter(body=body, reference__startswith=prefix)
        .order_by(Length("reference").desc(), "-reference")
        .values_list("reference", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:03d}"


def _save_with_reference(decision: Decision) -> None:
    # Serialise per body where the database can (PostgreSQL row lock); the unique constraint and a
    # retry in a savepoint cover the rest (SQLite, or a body row locked by someone else's long work).
    Body.objects.select_for_update().filter(pk=decision.body_id).first()
    for _attempt in range(_REFERENCE_ATTEMPTS):
        decision.reference = _next_reference(decision.body, decision.decided_on.year)
        try:
            with transaction.atomic():
                decision.save()
            return
        except IntegrityError:
            decision.pk = None
            continue
    raise RuntimeError("Could not give this decision a reference; please try again.")


def _save_link(decision: Decision, item: Evidence) -> EvidenceLink:
    link = EvidenceLink(
        decision=decision,
        relation=item.relation,
        consultation=item.consultation,
        theme=item.theme,
        statement=item.statement,
        recommendation=item.recommendation,
        note=item.note or "",
    )
    link.full_clean(exclude=["decision"])
    link.save()
    return link


# --- actions and outcomes -------------------------------------------------------------------------
@changes_by_user
def action_create(*, decision: Decision, title: str, owner, due_on: datetime.date, user) -> Action:
    """Add an action to a decision: who will do what, by when."""
    _require_recorder(user, decision.body)
    with transaction.atomic():
        action = Action.objects.create(decision=decision, title=title, owner=owner, due_on=due_on)
        audit_record(
            actor=user,
            action="governance.action_created",
            target=decision,
            data={"decision": decision.pk, "action": action.pk, "due_on": due_on},
        )
        transaction.on_commit(page_cache_clear)
    return action


@changes_by_user
def action_update_status(*, action: Action, status: str, text: str = "", user) -> ActionUpdate:
    """Move an action to `status`, keeping a dated note of what happened (the owner may do this too)."""
    if not (permissions.can_record(user, action.decision.body) or (user.is_authenticated and user.pk == action.owner_id)):
        raise PermissionDenied("Only a secretary or the action's owner can update it.")
    if status not in Action.Status.values:
        raise ValidationError({"status": "Choose a status from the list."})
    with transaction.atomic():
        before = action.status
        action.status = status
        action.save()
        update = ActionUpdate.objects.create(
            action=action, text=text.strip() or f"Status: {action.get_status_display()}", author=user
        )
        audit_record(
            actor=user,
            action="governance.action_updated",
            target=action.decision,
            data={"decision": action.decision_id, "action": action.pk, "from": before, "to": status},
        )
        transaction.on_commit(page_cache_clear)
    return update


@changes_by_user
def outcome_record(
    *, decision: Decision, what_changed: str, evidence: str = "", review_on: datetime.date | None = None, user
) -> Outcome:
    """Record what changed because of a decision, the evidence for it, and when to look again."""
    _require_recorder(user, decision.body)
    if not what_changed.strip():
        raise ValidationError({"what_changed": "Say what changed because of this decision."})
    with transaction.atomic():
        outcome = Outcome.objects.create(
            decision=decision, what_changed=what_changed.strip(), evidence=evidence.strip(), review_on=review_on
        )
        audit_record(
            actor=user,
            action="governance.outcome_recorded",
            target=decision,
            data={"decision": decision.pk, "outcome": outcome.pk},
        )
        transaction.on_commit(page_cache_clear)
    return outcome


# --- memberships ----------------------------------------------------------------------------------
@changes_by_user
def membership_change(
    *,
    body: Body,
    person,
    user,
    role: str = Membership.Role.MEMBER,
    seat: str = Membership.Seat.GENERAL,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    membership: Membership | None = None,
) -> Membership:
    """Start a membership, or change one (role, seat, term; an end date ends it).

    Past meetings and decisions keep the role and seat they snapshotted; only what comes next changes.
    """
    _require_recorder(user, body)
    change = "started" if membership is None else ("ended" if ends_on else "changed")
    membership = membership or Membership(body=body, person=person)
    membership.role, membership.seat, membership.ends_on = role, seat, ends_on
    if starts_on:
        membership.starts_on = starts_on
    membership.full_clean()
    with transaction.atomic():
        membership.save()
        audit_record(
            actor=user,
            action="governance.membership_changed",
            target=membership,
            data={"membership": membership.pk, "body": body.pk, "change": change},
        )
        transaction.on_commit(page_cache_clear)
    return membership
