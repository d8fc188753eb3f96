"""Reads for the contact form."""

from wagtail.models import Site

from portal.home.models import SiteSettings


def contact_settings() -> SiteSettings:
    """The default site's settings, which say where messages go and how soon we reply.

    For the email jobs, which have no request to find a site from; before any site exists, the unsaved
    defaults (so the inbox is PORTAL_CONTACT_EMAIL).
    """
    site = Site.objects.filter(is_default_site=True).first()
    return SiteSettings.for_site(site) if site is not None else SiteSettings()
