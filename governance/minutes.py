"""Minutes through their life cycle: draft -> circulated -> approved -> locked.

Each service checks permission, changes the page in one transaction, and records one ledger event
holding ids only. Every service refuses locked minutes with `MinutesLocked` (and the page itself refuses
too, see MinutesPage), so nothing can write to them.

Approving locks at once by default (`minutes_approve(..., lock=True)`): approved minutes are the record,
and a gap between "approved" and "locked" would be a window in which the approved text could still
change. `lock=False` leaves them approved for a separate `minutes_lock`.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.html import strip_tags

from portal.audit.services import audit_record
from portal.home.page_cache import page_cache_clear

from . import minutes_permissions as perms
from .jobs import minutes_circulated_enqueue
from .models import Decision, MinutesLocked, MinutesPage

Status = MinutesPage.Status


class MinutesRefused(Exception):
    """A life-cycle step that the rules do not allow; `message` says why, in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _fresh(minutes: MinutesPage) -> MinutesPage:
    """The stored row, locked for this transaction, refusing locked minutes."""
    row = MinutesPage.objects.select_for_update().select_related("meeting__body").get(pk=minutes.pk)
    if row.status == Status.LOCKED:
        raise MinutesLocked()
    return row


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def minutes_update(*, minutes: MinutesPage, user, title=None, easy_read_summary=None, sections=None):
    """Save new wording as a draft revision (the live page is unchanged until approval publishes it).

    `sections` is a list of {"heading", "text" (HTML), "confidential"} dicts. Refused once locked.
    """
    with transaction.atomic():
        row = _fresh(minutes)
        _require(perms.can_edit_minutes(user, row),
                 "Only the body's secretary or an editor can change minutes.")
        draft = row.get_latest_revision_as_object()
        if title is not None:
            draft.title = title
        if easy_read_summary is not None:
            draft.easy_read_summary = easy_read_summary
        if sections is not None:
            draft.sections = [("section", section) for section in sections]
        revision = draft.save_revision(user=user)
        audit_record(actor=user, action="governance.minutes_updated", target=row,
                     data={"page": row.pk, "revision": revision.pk})
    return draft


def minutes_circulate(*, minutes: MinutesPage, user) -> MinutesPage:
    """Draft -> circulated: every member of the body who accepts email is told the draft is there to read
    (governance.send_minutes_circulated), in the same transaction; comments are not built yet."""
    with transaction.atomic():
        row = _fresh(minutes)
        _require(perms.can_edit_minutes(user, row),
                 "Only the body's secretary or an editor can circulate minutes.")
        if row.status != Status.DRAFT:
            raise MinutesRefused("These minutes have already been circulated.")
        row.status = Status.CIRCULATED
        row.save(update_fields=["status"])
        page_cache_clear()  # the public page shows the status: no cached copy may keep the old one
        audit_record(actor=user, action="governance.minutes_circulated", target=row, data={"page": row.pk})
        minutes_circulated_enqueue(row)
    return row


def _approval_problem(row: MinutesPage, by_decision: Decision | None, by_chair, user) -> str | None:
    """None when this approval follows the body's rules; otherwise what is wrong, in plain words."""
    meeting = row.meeting
    if row.status != Status.CIRCULATED:
        return "Minutes must be circulated to the people who attended before they can be approved."
    if not strip_tags(row.get_latest_revision_as_object().easy_read_summary or "").strip():
        return "Write an easy read summary before the minutes are approved and published."
    if by_decision is not None:
        later = by_decision.meeting is not None and by_decision.meeting.starts_at > meeting.starts_at
        if by_decision.body_id != meeting.body_id or not later:
            return "Minutes are approved by a decision of a later meeting of the same group."
        if by_decision.outcome != Decision.Outcome.CARRIED:
            return "The decision that approves the minutes must have been carried."
        return None
    if by_chair is not None:
        if not meeting.body.chair_may_approve_minutes:
            return "This group's rules say a later meeting approves its minutes, not the chair."
        if by_chair != user or not perms.is_chair_of(user, meeting.body):
            return "Only the current chair can approve these minutes, and only for themselves."
        return None
    return "Say how the minutes were approved: by a decision of a later meeting, or by the chair."


def minutes_approve(*, minutes: MinutesPage, by_decision: Decision | None = None, by_chair=None, user,
                    lock: bool = True) -> MinutesPage:
    """Circulated -> approved (and, by default, -> locked in the same transaction).

    Approved by a carried decision of a later meeting of the same body, or by the chair where
    `body.chair_may_approve_minutes`. The latest draft is published as the approved text, so what is
    approved is exactly what the public reads and what the lock hashes.
    """
    with transaction.atomic():
        row = _fresh(minutes)
        allowed = (perms.can_approve_as_chair(user, row) if by_chair is not None and by_decision is None
                   else perms.can_approve_by_decision(user, row))
        _require(allowed, "You cannot approve these minutes.")
        problem = _approval_problem(row, by_decision, by_chair, user)
        if problem:
            raise MinutesRefused(problem)
        row.status = Status.APPROVED
        row.approved_by_decision = by_decision
        row.approved_at = timezone.now()
        row.save(update_fields=["status", "approved_by_decision", "approved_at"])
        page_cache_clear()  # the public page shows the status: no cached copy may keep the old one
        draft = row.get_latest_revision_as_object()
        for field in MinutesPage.LIFECYCLE_FIELDS:  # the revision's page object may be an earlier copy
            setattr(draft, field, getattr(row, field))
        # Approval is the governance act that publishes; its permission was checked above, so Wagtail's
        # publish permission (an editor's) is not asked for as well.
        draft.save_revision(user=user).publish(user=user, skip_permission_checks=True)
        audit_record(actor=user, action="governance.minutes_approved", target=row, data={
            "page": row.pk,
            "decision": by_decision.pk if by_decision else None,
            "by_chair": by_chair is not None,
        })
        row = MinutesPage.objects.get(pk=row.pk)
        if lock:
            row = minutes_lock(minutes=row, user=user)
    return row


def minutes_lock(*, minutes: MinutesPage, user) -> MinutesPage:
    """Approved -> locked: the SHA-256 of the published content (confidential sections included) is
    stored on the page and written to the ledger as `governance.minutes_locked` {"page", "hash"}."""
    with transaction.atomic():
        row = _fresh(minutes)
        _require(perms.can_lock(user, row), "You cannot lock these minutes.")
        if row.status != Status.APPROVED:
            raise MinutesRefused("Only approved minutes can be locked.")
        row.status = Status.LOCKED
        row.locked_hash = row.content_hash()
        row.save(update_fields=["status", "locked_hash"])
        page_cache_clear()  # the public page shows the status: no cached copy may keep the old one
        audit_record(actor=user, action="governance.minutes_locked", target=row,
                     data={"page": row.pk, "hash": row.locked_hash})
    return row
