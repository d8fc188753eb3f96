"""What stays the same between publishes, read once and kept in the cache instead of on every request.

Every rendered page used to ask the database the same things first: which Site the host name belongs
to, the home page, the section page under it (consultations, minutes and so on), whether the page or
one of its parents is restricted, and the site settings. Those rows change only when an editor
publishes, moves, deletes or restricts a page, or saves the site or its settings, and each of those
moves the page cache's generation number on (page_cache.py; the signals are in apps.py). So they are
kept in the cache under that number: a change makes every copy out of date at once, in every process.

Each read unpickles a fresh copy (the locmem and Redis caches both pickle), so nothing a request does
to its objects is seen by another request. A consultation a visitor asks for is kept too, but only for
GET and HEAD requests (`stable_page`): a form sent to it reads it afresh, so no change is ever made to a
kept copy. Minutes are kept for visitors only, as a copy with the confidential sections' headings and
text emptied, which cannot be saved (governance/models.py); anyone signed in reads them from the
database, so confidential words never reach the cache. What is not a page (responses, decisions,
votes) is not kept as rows.

Kept the same way elsewhere, each beside the code it serves: each person's permissions
(portal/accounts/permission_cache.py, under its own generation, moved on by any change of roles),
"you said, we did" (consultations/you_said_we_did.py), results (consultations/results_cache.py, also
keyed by the responses' count and latest change), the consultations index's lists (consultations/
selectors.py, also until the next one opens or closes), a decision's story and page, the decision
register's filter form, years and list of decisions (governance/views.py), and the minutes' decisions
with their ballots (governance/minutes_views.py). Lists keep their first pages only, and only for the
values their filters offer (portal/home/pagination.py), so nothing a visitor makes up adds keys.
The menu, the footer, the crisis routes and the organisation's name are kept in each process's own
memory instead (`kept_fragment`, used by portal/home/templatetags/site_tags.py), as is a blank ballot
paper or question form in the cache (`kept_html`); signed-in people's sessions are read from the cache
too (SESSION_ENGINE in settings). Besides publishing, these move the generation on: saving a meeting or a group, circulating, approving
or locking minutes, recording decisions, actions and outcomes, opening, closing or editing a ballot,
publishing what people said, and erasing someone. A kept copy is dropped after an hour at
most (five minutes for those that change with the date or with counts).
"""

import time

from django.core.cache import cache
from django.http.request import split_domain_port
from wagtail.models import Page, PageViewRestriction, Site

from .page_cache import generation_for

# Long enough to matter, short enough that a change made behind Django's back (a SQL update by hand)
# is seen within the hour; a generation change is seen at once.
STABLE_SECONDS = 3600


def _key(generation: int, *parts) -> str:
    return "stable:" + ":".join(str(part) for part in (generation, *parts))


def site_for_request(request) -> Site | None:
    """Wagtail's Site for this host and port (chosen as Wagtail chooses it), with its root page already
    in its most specific form. Every Site is kept under one key, so no host name a visitor sends can add
    a key to the cache."""
    hostname = split_domain_port(request._get_raw_host())[0]
    return match_site(_all_sites(request), hostname, request.get_port())


def _all_sites(request) -> list[Site]:
    generation = generation_for(request)
    key = _key(generation, "sites")
    sites = cache.get(key)
    if sites is None:
        from .models import SiteSettings

        # Each site's settings come in the same query and are kept as `stable_setting` keeps them: every
        # page reads them, so the first visitor after a change does not pay a query of their own for them.
        sites = list(Site.objects.select_related("root_page", "sitesettings"))
        for site in sites:
            site.root_page = site.root_page.specific  # what Wagtail's routing starts from
            try:
                row = site.sitesettings
            except SiteSettings.DoesNotExist:
                row = None  # made on first use by stable_setting
            site._state.fields_cache.pop("sitesettings", None)  # kept under its own key, not with the site
            if row is not None:
                cache.set(_setting_key(generation, SiteSettings, site), row, STABLE_SECONDS)
        cache.set(key, sites, STABLE_SECONDS)
    return sites


def match_site(sites: list[Site], hostname: str, port) -> Site | None:
    """What wagtail.models.sites.get_site_for_hostname picks, over a list instead of in SQL: the site
    with this host name and port; else this host name's default site; else the one site with this host
    name when the default has another; else the default site."""
    port = int(port) if str(port).isdigit() else port

    def rank(site: Site) -> int:
        if site.hostname == hostname:
            return 0 if site.port == port else 1 if site.is_default_site else 3
        return 2

    candidates = sorted((s for s in sites if s.hostname == hostname or s.is_default_site), key=rank)
    if not candidates:
        return None
    if len(candidates) == 1 or rank(candidates[0]) in (0, 1):
        return candidates[0]
    if rank(candidates[0]) == 2:
        return candidates[len(candidates) == 2]
    return None


class StableSiteMiddleware:
    """Give Wagtail the request's Site from the cache (it looks for `request._wagtail_site` first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not hasattr(request, "_wagtail_site"):
            request._wagtail_site = site_for_request(request)
        return self.get_response(request)


def stable_child(request, parent: Page, slug: str) -> Page | None:
    """`parent`'s child page with `slug`, in its most specific form, from the cache when it is there."""
    key = _key(generation_for(request), "child", parent.pk, slug)
    child = cache.get(key)
    if child is None:
        child = parent.get_children().filter(slug=slug).specific().first()
        if child is None:
            return None
        cache.set(key, child, STABLE_SECONDS)
    return child


def stable_page(request, key_parts: tuple, find):
    """The page `find()` returns, kept in the cache for GET and HEAD requests under `key_parts` and the
    generation; for anything else (a form being sent) read afresh, so no change is ever made to a kept
    copy. Only for page types whose rows change only by publishing, and that hold nothing confidential."""
    if request is None or request.method not in ("GET", "HEAD"):
        return find()
    key = _key(generation_for(request), "page", *key_parts)
    page = cache.get(key)
    if page is None:
        page = find()
        if page is not None:
            cache.set(key, page, STABLE_SECONDS)
    return page


def stable_view_restrictions(page: Page, request=None):
    """The view restrictions on `page` and its parents (as Wagtail's `get_view_restrictions` finds
    them, aliases included), as a queryset whose rows are already loaded from the cache."""
    key = _key(generation_for(request), "restrictions", page.path)
    rows = cache.get(key)
    if rows is None:
        rows = list(Page.get_view_restrictions(page))
        cache.set(key, rows, STABLE_SECONDS)
    if not rows:  # most pages: an empty queryset costs a tenth of building the filter below
        queryset = PageViewRestriction.objects.none()
        queryset._result_cache = []  # nothing to compile when Wagtail iterates it
        return queryset
    queryset = PageViewRestriction.objects.filter(pk__in=[row.pk for row in rows])
    queryset._result_cache = list(rows)  # iterating, len() and exists() use these; filter() asks afresh
    return queryset


class StableRestrictionsMixin:
    """For page models: view restrictions from the cache (Wagtail checks them on every page served)."""

    def get_view_restrictions(self):
        return stable_view_restrictions(self)


def _setting_key(generation: int, model, site: Site) -> str:
    return _key(generation, "setting", model._meta.label_lower, site.pk)


def stable_setting(model, site: Site, request=None):
    """A site setting row (`model.for_site`), from the cache when it is there."""
    key = _setting_key(generation_for(request), model, site)
    row = cache.get(key)
    if row is None:
        row = model.base_queryset().get_or_create(site=site)[0]
        cache.set(key, row, STABLE_SECONDS)
    return row


def kept_html(request, key_parts: tuple, render, seconds: int = 300) -> str:
    """HTML that `render()` makes the same for everyone, kept in the cache for each generation (and at most
    `seconds`). Only for HTML built from rows that change by publishing, or by a save that moves the
    generation on. HTML carrying someone's CSRF token is never kept."""
    key = _key(generation_for(request), "html", *key_parts)
    html = cache.get(key)
    if html is None:
        html = render()
        if "csrfmiddlewaretoken" not in html:
            cache.set(key, html, seconds)
    return html


def kept_form_html(request, key_parts: tuple, make_form) -> str:
    """A blank form (no one's answers in it, no errors) rendered by crispy forms, kept for each generation:
    the same for everyone who opens it, and crispy forms is a large part of a form page's time (a
    consultation's questions, which change by publishing). `make_form()` builds it, only when it is not
    kept already."""
    from crispy_forms.utils import render_crispy_form

    def render() -> str:
        form = make_form()
        return render_crispy_form(form, helper=form.helper)

    return kept_html(request, ("form", *key_parts), render)


# Fragments of the page every request renders the same way (the menu, the footer, the crisis routes),
# kept in each process's own memory, not the shared cache: they are small, few, and read on every page,
# where a round trip to Redis would cost as much as rendering them. Keyed by the generation, so a publish
# or a change of settings is seen at once in every process; generation numbers never repeat
# (portal/generations.py), so a kept fragment outlives neither a restart of the cache nor the hour.
_FRAGMENTS: dict[tuple, tuple[str, float]] = {}
FRAGMENTS_MAX = 256


def kept_fragment(request, key_parts: tuple, render):
    """What `render()` returns (HTML, or a value worked out once) for `key_parts`, kept in this process until the generation moves on (or the
    hour passes). `key_parts` must name everything the fragment varies by. HTML with someone's CSRF token in
    it is never kept."""
    site = getattr(request, "_wagtail_site", None)  # each site has its own name, settings and sections
    key = (generation_for(request), getattr(site, "pk", None), *key_parts)
    kept = _FRAGMENTS.get(key)
    now = time.monotonic()
    if kept is not None and kept[1] > now:
        return kept[0]
    html = render()
    if not (isinstance(html, str) and "csrfmiddlewaretoken" in html):
        if len(_FRAGMENTS) >= FRAGMENTS_MAX:
            _FRAGMENTS.clear()  # old generations' fragments; the current ones come back on the next request
        _FRAGMENTS[key] = (html, now + STABLE_SECONDS)
    return html
