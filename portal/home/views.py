"""Site-wide pages that are not edited as Wagtail pages: their words live in the site settings."""

from django.conf import settings
from django.shortcuts import render

from portal.site_links import site_root_url

from .models import AccessibilityCompliance


def accessibility_statement(request):
    """The accessibility statement, laid out as the GOV.UK model statement; editors keep its facts
    (compliance, known problems, dates) up to date in the site settings."""
    return render(request, "home/accessibility_statement.html", {
        "site_address": site_root_url(), "compliance": AccessibilityCompliance,
    })


def privacy_notice(request):
    """The privacy notice: editors' words from the site settings, then how long we keep things, taken
    from the retention settings themselves so the two can never disagree."""
    return render(request, "home/privacy_notice.html", {"finance_years": settings.PORTAL_FINANCE_RETENTION_YEARS})
