"""The portal's URLs plus bare Django views, so the benchmarks can compare them side by side."""

from pathlib import Path

from django.db import connection, transaction
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from portal.urls import urlpatterns as portal_urlpatterns

# A fixed page of about 5 KB: plain HTML with a loop, an `if` and a filter, compiled once (as Django's
# cached template loader would) and rendered on every request with no database work and no context
# processors. It is the floor that every rendered page is set beside.
BARE_TEMPLATE = engines["django"].from_string(
    (Path(__file__).resolve().parent / "templates" / "bench" / "bare.html").read_text(encoding="utf-8")
)
BARE_CONTEXT = {
    "title": "Together Voices: a bare page",
    "summary": "Have your say on the services you use, see what was decided and what came of it.",
    "links": [
        {"url": "/", "label": "Home", "current": True},
        {"url": "/have-your-say/", "label": "Have your say", "current": False},
        {"url": "/minutes/", "label": "Minutes", "current": False},
        {"url": "/governance/decisions/", "label": "Decisions", "current": False},
        {"url": "/transparency/", "label": "Transparency", "current": False},
        {"url": "/account/", "label": "Your account", "current": False},
    ],
    "items": [
        {
            "url": f"/have-your-say/consultation-{n}/",
            "title": f"Consultation number {n}: our evening groups",
            "summary": "Tell us what would make the groups better for you, and what gets in the way.",
            "open": n % 2 == 0,
            "closes": f"{n + 1} February 2027",
            "answers": n * 7 % 5,
        }
        for n in range(2)
    ],
    "meetings": [{"body": f"Council meeting {n}", "date": f"{n} January 2027"} for n in (11, 12)],
    "footer_links": [
        {"url": "/accessibility/", "label": "Accessibility"},
        {"url": "/privacy/", "label": "Privacy"},
        {"url": "/contact/", "label": "Contact us"},
    ],
}


@never_cache
def bare_view(request):
    """Render the fixed 5 KB page: never stored in the page cache (no-store), no database, no session."""
    return HttpResponse(BARE_TEMPLATE.render(BARE_CONTEXT))


@require_POST
def bare_post_view(request):
    """Read a form and answer a tiny page: a CSRF-checked POST through the same middleware, no database."""
    return HttpResponse(f"<p>Received {len(request.POST)} fields.</p>")


BARE_WRITE_TABLE = "bench_bare_write"


@require_POST
def bare_write_view(request):
    """The same, plus one row written and committed: the floor for any request whose write must be durable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {BARE_WRITE_TABLE} (body) VALUES (%s)", [request.POST.get("vote", "")])
    return HttpResponse(f"<p>Received {len(request.POST)} fields.</p>")


@ensure_csrf_cookie
def csrf_cookie_view(request):
    """Give the browser its CSRF cookie, as any page with a form does."""
    return HttpResponse("<p>Ready.</p>")


urlpatterns = [
    path("bench/bare/", bare_view),
    path("bench/bare-post/", bare_post_view),
    path("bench/bare-write/", bare_write_view),
    path("bench/csrf/", csrf_cookie_view),
] + portal_urlpatterns
