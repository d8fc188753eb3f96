"""The portal's URLs plus one bare Django view, so the benchmark can compare them side by side."""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from portal.urls import urlpatterns as portal_urlpatterns

BARE_HTML = {"text": ""}


def bare_view(request):
    """Render a template of the same size as the page under test, with no database work."""
    template = engines["django"].from_string(BARE_HTML["text"])
    return HttpResponse(template.render({}, request))


urlpatterns = [path("bench/bare/", bare_view)] + portal_urlpatterns
