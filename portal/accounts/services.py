"""Every write about accounts: validate, save in a transaction, audit, queue side effects on commit."""

from django.contrib.auth.models import Group
from django.db import transaction

from portal.audit.services import audit_record
from portal.jobs.services import outbox_enqueue
from portal.privacy.services import consent_sync_contact

from . import roles
from .models import Profile, User


def profile_for(user: User) -> Profile:
    """The person's preferences, created with defaults the first time they are needed."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def user_sign_up(*, email: str, display_name: str, password: str) -> User:
    """Create a service-user account with default preferences and record it in the ledger."""
    user = User.objects.create_user(email=email, password=password, display_name=display_name.strip())
    user.groups.add(Group.objects.get(name=roles.SERVICE_USERS))
    Profile.objects.create(user=user)
    audit_record(actor=user, action="account.signed_up", target=user)
    return user


@transaction.atomic
def profile_update(*, user: User, display_name: str, preferences: dict) -> Profile:
    """Save a person's name and preferences; the ledger records which fields changed, not their values.

    Asking for emails gives contact consent (with the wording's version); unticking them withdraws it.
    """
    profile = profile_for(user)
    changed = sorted(k for k, v in preferences.items() if getattr(profile, k) != v)
    for field, value in preferences.items():
        setattr(profile, field, value)
    profile.save()
    if user.display_name != display_name.strip():
        user.display_name = display_name.strip()
        user.save(update_fields=["display_name"])
        changed.append("display_name")
    if changed:
        audit_record(actor=user, action="account.profile_updated", target=user, data={"fields": changed})
    consent_sync_contact(person=user, profile=profile)
    return profile


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Queue a reset email if an active account has this address; say nothing either way.

    The email is written to the outbox in this transaction, so it is sent even if the job queue is
    down right now; the job carries only the user's id.
    """
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        return
    audit_record(actor=None, action="account.password_reset_requested", target=user)
    outbox_enqueue(job="accounts.send_password_reset", payload={"user_id": user.pk})
