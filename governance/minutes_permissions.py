"""Who may do what with minutes. Small predicates used by the minutes views and services alike.

Built on governance/permissions.py: a member is someone with a current `Membership` of the body.
"""

from django.utils import timezone

from .models import Membership, MinutesPage
from .permissions import can_record, is_member_of, is_secretary


def can_read_confidential(user, minutes: MinutesPage) -> bool:
    """Confidential sections are for the body's current members, secretaries (who keep the record of
    every body, as for confidential agenda items) and superusers. Editors and other bodies' members
    are not included: publishing pages is not a seat at the table."""
    if not user.is_authenticated:
        return False
    return user.is_superuser or is_secretary(user) or is_member_of(user, minutes.meeting.body)


def can_edit_minutes(user, minutes: MinutesPage) -> bool:
    """Writing and circulating minutes: whoever records for the body (secretaries or its own secretary),
    or anyone Wagtail lets edit the page."""
    return can_record(user, minutes.meeting.body) or minutes.permissions_for_user(user).can_edit()


def is_chair_of(user, body) -> bool:
    """A current chair of `body`."""
    if not user.is_authenticated:
        return False
    today = timezone.localdate()
    return (
        Membership.objects.filter(body=body, person=user, role=Membership.Role.CHAIR, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .exists()
    )


def can_approve_by_decision(user, minutes: MinutesPage) -> bool:
    """Recording that a later meeting approved the minutes is the record keeper's job."""
    return can_record(user, minutes.meeting.body)


def can_approve_as_chair(user, minutes: MinutesPage) -> bool:
    """The chair alone, and only where the body's rules let the chair approve minutes."""
    body = minutes.meeting.body
    return body.chair_may_approve_minutes and is_chair_of(user, body)


def can_lock(user, minutes: MinutesPage) -> bool:
    """Whoever may approve may lock."""
    return can_approve_by_decision(user, minutes) or can_approve_as_chair(user, minutes)
