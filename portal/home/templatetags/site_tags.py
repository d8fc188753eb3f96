"""Template tags for site-wide chrome (menus) that must cost no query on a warm cache."""

from functools import lru_cache

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.core.cache import cache
from django.template.backends.utils import csrf_input
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import mark_safe
from wagtail.models import Page

from ..page_cache import page_cache_generation
from ..stable import kept_fragment

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


# The menu (templates/includes/service_navigation.html): what each link is, in order, and how it knows it
# is the current page: "path" when the request's path is the link's, "view" when the request resolved to
# the named view. A menu_url slug, or a URL name to reverse.
_SHARED_LINKS = (
    ("Home", "/", "path"),
    ("Have your say", ("menu", "have-your-say"), "path"),
    ("Proposals", "proposals:list", "path"),
    ("Decisions", "governance:decision-register", "path"),
    ("Minutes", ("menu", "minutes"), "path"),
)
_SIGNED_IN_LINKS = (
    ("Get involved", "involvement:opportunities", "path"),
    ("Your ballots", "voting:mine", "view"),
    ("Your account", "accounts:profile", "view"),
)
_SIGNED_OUT_LINKS = (
    ("Sign in", "accounts:login", "view"),
    ("Create an account", "accounts:sign-up", "view"),
)
_CSRF_MARKER = "\x00csrf\x00"


def _menu_links(context, signed_in: bool, staff: bool, finance: bool) -> list[dict]:
    links = list(_SHARED_LINKS)
    if signed_in:
        links += _SIGNED_IN_LINKS
        if staff:
            links.append(("Staff area", "/admin/", None))
        if finance:
            links.append(("Finance", "involvement:finance", "path"))
    else:
        links += _SIGNED_OUT_LINKS
    found = []
    for label, target, match in links:
        if isinstance(target, tuple):
            url = menu_url(context, target[1])
            if not url:
                continue  # the section is not published
            found.append({"label": label, "url": url, "match": match, "view": None})
        elif target.startswith("/"):
            found.append({"label": label, "url": target, "match": match, "view": None})
        else:
            found.append({"label": label, "url": reverse(target), "match": match, "view": target})
    return found


@register.simple_tag(takes_context=True)
def service_navigation(context) -> str:
    """The menu. The same few variants serve every page (signed in or not, staff or Finance, which link is
    current), so each is rendered once per generation and kept (stable.py `kept_fragment`); the sign-out
    form's CSRF token is put in afterwards, so no one's token is ever kept."""
    request = context.get("request")
    user = _visitor(context)
    signed_in = bool(user is not None and user.is_authenticated)
    staff = signed_in and user.has_perm("wagtailadmin.access_admin")
    finance = signed_in and user.has_perm("involvement.change_claim")
    links = kept_fragment(request, ("menu-links", signed_in, staff, finance),
                          lambda: _menu_links(context, signed_in, staff, finance))
    path = getattr(request, "path", None)
    match = getattr(request, "resolver_match", None)
    view_name = getattr(match, "view_name", None)
    current = next(
        (n for n, link in enumerate(links)
         if (link["match"] == "path" and link["url"] == path) or (link["match"] == "view" and link["view"] == view_name)),
        None,
    )
    # On a page inside a section (a consultation under "Have your say", a decision under "Decisions"),
    # the section's link is marked as the one you are in, though not as this very page.
    section = None
    if current is None and path:
        inside = [(len(link["url"]), n) for n, link in enumerate(links)
                  if link["url"] not in ("/", "") and link["match"] and path.startswith(link["url"])]
        section = max(inside)[1] if inside else None

    def render() -> str:
        shown = [{"label": link["label"], "url": link["url"], "current": n == current, "section": n == section}
                 for n, link in enumerate(links)]
        return get_template("includes/service_navigation.html").render(
            {"links": shown, "signed_in": signed_in, "logout_url": reverse("accounts:logout"),
             "csrf_marker": _CSRF_MARKER if signed_in else ""}
        )

    html = kept_fragment(request, ("menu", signed_in, staff, finance, current, section), render)
    if signed_in:
        html = html.replace(_CSRF_MARKER, _csrf_input(context, request))
    return mark_safe(html)  # nosec B308 B703: our own template's output, with Django's own CSRF input


def _visitor(context):
    """The person the page is for: the request's, never a `user` a view put in the context for its own use."""
    request = context.get("request")
    return getattr(request, "user", None) if request is not None else context.get("user")


def _csrf_input(context, request) -> str:
    """What {% csrf_token %} writes, with the token the page's own forms use (one per request: making
    each one costs as much as the rest of the menu)."""
    return CsrfTokenNode().render(context) or csrf_input(request)


@register.simple_tag(takes_context=True)
def footer(context) -> str:
    """The footer: the same for every page but for the "Your data" link, so kept like the menu."""
    user = _visitor(context)
    signed_in = bool(user is not None and user.is_authenticated)
    return mark_safe(kept_fragment(  # nosec B308 B703: our own template's output
        context.get("request"), ("footer", signed_in), lambda: _render_here(context, name="includes/footer.html")))


@register.simple_tag(takes_context=True)
def crisis_support(context) -> str:
    """The site settings' crisis routes as HTML (in the footer and beside questions), kept like the menu."""
    return mark_safe(kept_fragment(  # nosec B308 B703: rich text from the site settings, as |richtext gives it
        context.get("request"), ("crisis-support",), lambda: _render_here(context, source=_CRISIS_TEMPLATE)))


@register.simple_tag(takes_context=True)
def organisation_name(context) -> str:
    """The organisation's name from the site settings (in every page's title and header), kept like the
    menu, so a page that shows nothing else from the settings does not read them."""
    return kept_fragment(context.get("request"), ("organisation-name",),
                         lambda: _render_here(context, source=_NAME_TEMPLATE))


_NAME_TEMPLATE = "{{ settings.home.SiteSettings.organisation_name }}"
_CRISIS_TEMPLATE = "{% load wagtailcore_tags %}{{ settings.home.SiteSettings.crisis_support|richtext }}"


def _render_here(context, *, name: str = "", source: str = "") -> str:
    """A template (by `name`, or from `source`) rendered with the page's own context."""
    engine = context.template.engine
    return (engine.from_string(source) if source else engine.get_template(name)).render(context)


@lru_cache(maxsize=256)
def _asset_url(path: str) -> str:
    return static(path)


@receiver(setting_changed)
def _forget_asset_urls(setting, **_kwargs) -> None:
    if setting in ("STATIC_URL", "STORAGES"):
        _asset_url.cache_clear()


@register.simple_tag
def asset(path: str) -> str:
    """`{% static %}`, worked out once per file in each process: the address of a static file does not
    change while the process runs (the manifest in production is read once), and every page names six."""
    return _asset_url(path)
