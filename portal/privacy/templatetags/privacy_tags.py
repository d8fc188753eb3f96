"""Template tags for data rights: how long withdrawn answers are kept, said the same way everywhere."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def withdrawn_days() -> int:
    """PORTAL_WITHDRAWN_RESPONSE_DAYS: after this many days withdrawn answers are deleted."""
    return settings.PORTAL_WITHDRAWN_RESPONSE_DAYS
