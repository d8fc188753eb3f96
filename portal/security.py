"""Site-wide protections that sit in front of every view: body size limit, CSP and Permissions-Policy.

Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy and
Cross-Origin-Opener-Policy (and, in production, HSTS and the HTTPS redirect); this module adds what
it does not:

- `PortalSecurityMiddleware` refuses a request whose body is larger than PORTAL_MAX_REQUEST_BYTES
  with a plain 413 page before anything reads it (Django's own DATA_UPLOAD_MAX_MEMORY_SIZE does not
  count uploaded files), refuses a null character in any submitted form field with the plain 400
  page and in an address with the plain 404, and sends Permissions-Policy, turning off browser features we never use.
- `ContentSecurityPolicyMiddleware` is django-csp's middleware with a second policy for the admin
  paths, which Wagtail needs to run its own inline scripts and styles.
"""

from functools import lru_cache

from csp.middleware import CheckableLazyObject, CSPMiddleware, PolicyParts
from csp.constants import HEADER as CSP_HEADER
from csp.utils import build_policy, default_config
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.template.loader import render_to_string


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _has_null(data) -> bool:
    return any("\x00" in value for _, values in data.lists() for value in values)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class PortalSecurityMiddleware:
    """Refuse oversized bodies unread (413) and add Permissions-Policy to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.PORTAL_MAX_REQUEST_BYTES
        if _declared_length(request) > limit:
            response = HttpResponse(render_to_string("413.html", {"limit": _megabytes(limit)}), status=413)
            response[CSP_HEADER] = site_policy()  # the site policy: this answer never reaches django-csp
        else:
            response = self.get_response(request)
        features = settings.PORTAL_PERMISSIONS_POLICY.items()
        policy = ", ".join(f"{feature}={allow}" for feature, allow in features)
        response.headers.setdefault("Permissions-Policy", policy)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Refuse a null character in a submitted form field (never in text anyone types).

        Views would otherwise pass it on to the database, and PostgreSQL refuses one in text or JSON,
        which would end in a 500 (a consultation draft saves what was typed before checking it).
        Reading request.POST here is what CsrfViewMiddleware does next anyway; a body over Django's
        limits raises here and gets the same plain 400 page. Query strings are left to the views,
        which ignore what they cannot use.
        """
        if "\x00" in request.path_info:
            # No address of ours holds a null character, and PostgreSQL refuses one in a lookup (a 500):
            # such a path names nothing, so it is the plain 404.
            raise Http404("There is no page at this address.")
        if request.method == "POST" and _has_null(request.POST):
            return HttpResponseBadRequest(render_to_string("400.html"))
        return None


@lru_cache(maxsize=1)
def site_policy() -> str:
    """The public site's policy without a nonce, as django-csp builds it (built once; see below)."""
    return build_policy()


@receiver(setting_changed)
def _forget_site_policy(setting, **_kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        site_policy.cache_clear()


def is_admin_path(path: str) -> bool:
    """True for the Wagtail admin and Django's admin (their previews included)."""
    return path.startswith(tuple(settings.PORTAL_ADMIN_PATH_PREFIXES))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp, with PORTAL_ADMIN_CONTENT_SECURITY_POLICY in place of the site policy on admin paths.

    A view that sets its own policy (django-csp's decorators) still wins, as in django-csp itself.
    Wagtail renders a page preview by running a second, "dummy" request for the page's own address
    through the middleware; that one is left without a header, so the admin request around it sets the
    admin policy (the site policy's frame-ancestors 'none' would blank the preview panel).
    """

    # What a plain public page gets (no nonce asked for, no policy of the view's own): the same text every
    # time, so it is built once; anything else goes through django-csp as before.
    _RESPONSE_OVERRIDES = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt",
                           "_csp_config_ro", "_csp_update_ro", "_csp_replace_ro", "_csp_exempt_ro")

    def process_response(self, request, response):
        if getattr(request, "is_dummy", False):
            return response
        if (
            getattr(request, "_csp_nonce", None) is None
            and CSP_HEADER not in response
            and not any(hasattr(response, name) for name in self._RESPONSE_OVERRIDES)
            and not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            and not (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("EXCLUDE_URL_PREFIXES")
            and not (settings.DEBUG and response.status_code in (404, 500))
            and not is_admin_path(request.path_info)
            and site_policy()  # no policy set: django-csp sends no header
        ):
            response[CSP_HEADER] = site_policy()
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
            return response
        return super().process_response(request, response)

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and is_admin_path(request.path_info):
            parts.config = default_config(settings.PORTAL_ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
        return parts
