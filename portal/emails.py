"""What every app's email jobs share: who accepts email, and absolute links back to the site.

`site_link` is made in portal/site_links.py (files and PDFs use it too); email jobs take it from here.
"""

from django.db.models import Q

from portal.accounts.models import Profile
from portal.site_links import site_link

__all__ = ["site_link", "wants_email"]


def wants_email() -> Q:
    """A filter on users: people whose contact method is email (no preferences saved yet means email)."""
    return Q(profile__isnull=True) | Q(profile__contact_method=Profile.ContactMethod.EMAIL)
