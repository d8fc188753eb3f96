"""Template tags for site-wide chrome (menus) that must cost no query on a warm cache."""

from django import template
from django.core.cache import cache
from wagtail.models import Page

from ..page_cache import page_cache_generation

register = template.Library()


# The sections the menu links to (templates/includes/service_navigation.html): found in one query.
MENU_SLUGS = ("have-your-say", "minutes")


@register.simple_tag(takes_context=True)
def menu_url(context, slug: str) -> str:
    """The URL of the live page with `slug`, or '' if there is none.

    Cached until content changes (the page cache's generation number moves on every publish, move or
    delete), so the menu adds no query to a page once it has been seen, and one for all its links after
    a change.
    """
    key = f"menu-urls:{page_cache_generation()}"
    urls = cache.get(key)
    if urls is None:
        urls = {}
        pages = Page.objects.live().filter(slug__in=MENU_SLUGS).only("id", "slug", "url_path").order_by("path")
        for page in pages:
            urls.setdefault(page.slug, page.get_url(context.get("request")) or "")
        cache.set(key, urls, 3600)
    if slug in MENU_SLUGS:
        return urls.get(slug, "")
    page = Page.objects.live().filter(slug=slug).only("id", "url_path").first()
    return page.get_url(context.get("request")) or "" if page else ""
