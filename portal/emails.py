"""What every app's email jobs share: who accepts email, and absolute links back to the site."""

from django.conf import settings
from django.db.models import Q

from portal.accounts.models import Profile


def wants_email() -> Q:
    """A filter on users: people whose contact method is email (no preferences saved yet means email)."""
    return Q(profile__isnull=True) | Q(profile__contact_method=Profile.ContactMethod.EMAIL)


def site_link(path: str) -> str:
    """An absolute link to `path` on this site, built on settings.SITE_URL."""
    return settings.SITE_URL.rstrip("/") + path
