"""Absolute links back to the site, for places with no request to take the host from: emails, CSV and
JSON files, PDFs made by background jobs. One place decides the scheme, host and port of them all."""

from django.conf import settings
from wagtail.models import Site


def site_root_url() -> str:
    """Where every absolute link starts (`http://127.0.0.1:8000`), without a trailing slash.

    In this order:
    1. `SITE_URL` from the environment, if it is set: the public address of a site behind a proxy
       (`https://portal.example.org`), which is not the host and port the application itself serves on.
    2. The default Wagtail Site's `root_url`: its hostname and port (80 gives http://, 443 https://, any
       other port is written out). `make run` points it at the HOST and PORT it serves on
       (`manage.py set_default_site`); editors can change it under Settings > Sites.
    3. `WAGTAILADMIN_BASE_URL` (Wagtail's own address for links), only while no default Site exists.
    The Site is looked up on every call, so a change to it applies to the next email without a restart.
    """
    if settings.SITE_URL:
        return settings.SITE_URL.rstrip("/")
    site = Site.objects.filter(is_default_site=True).only("hostname", "port").first()
    root = site.root_url if site is not None else settings.WAGTAILADMIN_BASE_URL
    return root.rstrip("/")


def site_link(path: str) -> str:
    """An absolute link to `path` (which starts with "/") on this site: see `site_root_url`."""
    return site_root_url() + path
