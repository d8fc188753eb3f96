"""The portal's URLs plus bare Django views, so the benchmarks can compare them side by side."""

from django.db import connection, transaction
from django.http import HttpResponse
from django.template import engines
from django.urls import path
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from portal.urls import urlpatterns as portal_urlpatterns

BARE_HTML = {"text": ""}


def bare_view(request):
    """Render a template of the same size as the page under test, with no database work."""
    template = engines["django"].from_string(BARE_HTML["text"])
    return HttpResponse(template.render({}, request))


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
