"""Template tags so site-wide pages (the home page) can show consultations without importing them."""

from django import template

from .. import permissions
from ..selectors import open_consultations_kept, responses_of

register = template.Library()


@register.inclusion_tag("consultations/includes/open_list.html")
def open_consultations_list():
    """The consultations open now, soonest closing first (kept until the list changes)."""
    return {"consultations": open_consultations_kept()}


@register.inclusion_tag("consultations/includes/my_responses.html")
def my_responses(user):
    """A signed-in person's own named responses, for their account page."""
    return {"responses": responses_of(user)}


@register.simple_tag
def enters_paper_forms(user) -> bool:
    """Whether `user` types in paper and event responses (peer workers and secretaries)."""
    return permissions.is_paper_enterer(user)
