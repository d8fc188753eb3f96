"""A whole-page cache for visitors who are not signed in.

Public pages are the same for every anonymous visitor, so they are rendered once and served from the
cache until content changes (publishing, unpublishing, moving or deleting a page, or saving site
settings bumps a generation number that every key includes) or `PAGE_CACHE_SECONDS` pass.

Never cached: anyone with a session cookie, anything but GET/HEAD, any response other than a plain 200,
a response that sets a cookie or says private/no-store, and any page that used a CSRF token (its forms
are bound to one visitor's cookie).
"""

from django.conf import settings
from django.core.cache import caches
from django.utils.cache import patch_cache_control

from portal.generations import generation, move_on

GENERATION_KEY = "page-cache:generation"


def _cache():
    return caches[getattr(settings, "PAGE_CACHE_ALIAS", "default")]


def page_cache_generation() -> int:
    return generation(GENERATION_KEY, _cache())


def generation_for(request) -> int:
    """The generation number, read once per GET or HEAD request (the page cache and stable.py both use
    it); a request that may change content reads it afresh each time."""
    if request is None or request.method not in ("GET", "HEAD"):
        return page_cache_generation()
    if not hasattr(request, "_portal_generation"):
        request._portal_generation = page_cache_generation()
    return request._portal_generation


def page_cache_clear(**_kwargs) -> None:
    """Forget every cached page (content changed), now and when the transaction commits (see
    portal/generations.py). Safe to call from any signal."""
    move_on(GENERATION_KEY, _cache())


class AnonymousPageCacheMiddleware:
    """Serve cached pages to visitors with no session; store the pages they are allowed to share."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._request_can_share(request):
            return self.get_response(request)
        key = f"page-cache:{generation_for(request)}:{request.get_host()}:{request.get_full_path()}"
        cached = _cache().get(key)
        if cached is not None:
            return cached
        response = self.get_response(request)
        if self._response_can_share(request, response):
            _cache().set(key, response, settings.PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def _request_can_share(request) -> bool:
        return (
            settings.PAGE_CACHE_SECONDS > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
        )

    @staticmethod
    def _response_can_share(request, response) -> bool:
        cache_control = response.get("Cache-Control", "")
        shareable = (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in cache_control
            and "no-store" not in cache_control
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        )
        if shareable:
            # The browser must still ask us each time, so signing in shows the signed-in page at once.
            patch_cache_control(response, no_cache=True)
        return shareable
