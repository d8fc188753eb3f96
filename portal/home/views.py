"""Site-wide pages that are not edited as Wagtail pages."""

from django.shortcuts import render


def accessibility_statement(request):
    """The accessibility statement, whose words live in the site settings."""
    return render(request, "home/accessibility_statement.html")
