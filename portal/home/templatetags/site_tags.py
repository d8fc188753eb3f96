"""Template tags for site-wide chrome (menus) that must cost no query on a warm cache."""

from django import template
from django.core.cache import cache
from wagtail.models import Page

from ..page_cache import page_cache_generation

register = template.Library()


@register.simple_tag(takes_context=True)
def menu_url(context, slug: str) -> str:
    """The URL of the live page with `slug`, or '' if there is none.

    Cached until content changes (the page cache's generation number moves on every publish, move or
    delete), so the menu adds no query to a page once it has been seen.
    """
    key = f"menu-url:{page_cache_generation()}:{slug}"
    url = cache.get(key)
    if url is None:
        page = Page.objects.live().filter(slug=slug).only("id", "url_path").first()
        url = page.get_url(context.get("request")) or "" if page else ""
        cache.set(key, url, 3600)
    return url
