"""Template tags so site-wide pages (the home page) can show consultations without importing them."""

from django import template

from ..selectors import open_consultations, responses_of

register = template.Library()


@register.inclusion_tag("consultations/includes/open_list.html")
def open_consultations_list():
    """The consultations open now, soonest closing first."""
    return {"consultations": open_consultations()}


@register.inclusion_tag("consultations/includes/my_responses.html")
def my_responses(user):
    """A signed-in person's own named responses, for their account page."""
    return {"responses": responses_of(user)}
