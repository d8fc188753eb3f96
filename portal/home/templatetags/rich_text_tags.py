"""`clean_rich_text`: the filter our override of Wagtail's rich text template uses (portal/home/rich_text.py)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..rich_text import clean_rich_text as clean

register = template.Library()


@register.filter
def clean_rich_text(html: str) -> SafeString:
    return mark_safe(clean(html))  # nosec B308 B703 - only whitelisted elements and attributes are left
