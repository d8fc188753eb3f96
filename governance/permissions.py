"""Who may do what in governance. Small predicates used by views and services alike.

Roles are Django groups (portal/accounts/roles.py); membership of a body is a current `Membership`.
Public pages (register, decision story, who leads us, calendar) need no predicate: they are for anyone.
"""

from django.utils import timezone

from portal.accounts import roles

from .models import AgendaItem, Body, Membership


def _in_group(user, *names: str) -> bool:
    return bool(user.is_authenticated) and (user.is_superuser or user.groups.filter(name__in=names).exists())


def is_secretary(user) -> bool:
    """Secretaries (and superusers) keep the record for every body."""
    return _in_group(user, roles.SECRETARIES)


def is_trustee(user) -> bool:
    """Trustees (and superusers): people who review the decision history."""
    return _in_group(user, roles.TRUSTEES)


def is_member_of(user, body: Body, on=None) -> bool:
    """Whether `user` holds a seat on `body` today (or on the date `on`): term started and not ended."""
    if not user.is_authenticated:
        return False
    on = on or timezone.localdate()
    return (
        Membership.objects.filter(body=body, person=user, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .exists()
    )


def can_record(user, body: Body) -> bool:
    """Attendance, decisions, actions and outcomes are recorded by secretaries, or by the body's own
    secretary (a current membership with the secretary role)."""
    if is_secretary(user):
        return True
    if not user.is_authenticated:
        return False
    today = timezone.localdate()
    return (
        Membership.objects.filter(body=body, person=user, role=Membership.Role.SECRETARY, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .exists()
    )


def can_view_decision_history(user) -> bool:
    """Every version of a decision, with who changed it: trustees, secretaries and superusers only.

    Staff see actors' display names here; the public register never names who edited what.
    """
    return _in_group(user, roles.TRUSTEES, roles.SECRETARIES)


def can_view_agenda_item(user, item: AgendaItem) -> bool:
    """Public items for anyone who can see the meeting; confidential ones for members and secretaries."""
    if not item.confidential:
        return True
    body = item.meeting.body
    return is_secretary(user) or is_member_of(user, body)
