"""What a published page says, read through Wagtail's own search fields, without knowing its type.

The audit app sits below the apps that define minutes, so it cannot import them; each page type
already declares its public text for search (`search_fields`), and confidential text is kept out of it.
"""

from django.utils.html import strip_tags
from wagtail.models import Page
from wagtail.search import index


def page_text(page: Page) -> str:
    """The page's searchable text (title and every `SearchField`), tags removed, lower case."""
    specific = page.specific
    parts = []
    for field in specific.get_search_fields():
        if isinstance(field, index.SearchField):
            value = field.get_value(specific)
            if value:
                parts.append(strip_tags(str(value)))
    return "\n".join(parts).lower()


def page_quotes(page: Page, text: str) -> bool:
    """Whether the page's public text contains `text`, ignoring case and spaces or line breaks (a hash
    may be quoted in groups, or wrapped across lines)."""
    return "".join(text.lower().split()) in "".join(page_text(page).split())
