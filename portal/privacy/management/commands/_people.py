"""Shared by the data-rights commands: find the account by email, or say plainly that there is none."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def person_by_email(email: str):
    user = get_user_model().objects.filter(email__iexact=(email or "").strip()).first()
    if user is None:
        raise CommandError(
            f"No account has the email address {email!r}. Check the spelling with the person; "
            "nothing was changed."
        )
    return user


def staff_by_email(email: str | None):
    """The staff member carrying out the request, recorded in the ledger as its actor (optional)."""
    if not email:
        return None
    staff = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True).first()
    if staff is None:
        raise CommandError(f"No active account has the email address {email!r} (given with --by). Nothing was changed.")
    return staff
