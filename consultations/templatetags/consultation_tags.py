"""Template tags so site-wide pages (the home page) can show consultations without importing them."""

from django import template

from ..selectors import open_consultations

register = template.Library()


@register.inclusion_tag("consultations/includes/open_list.html")
def open_consultations_list():
    """The consultations open now, soonest closing first."""
    return {"consultations": open_consultations()}
