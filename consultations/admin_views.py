"""The analysts' way in from the Wagtail admin: every consultation, with its results, coding and exports
one click away (they are routes on each consultation page, which nobody should have to type)."""

from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from wagtail.admin.auth import permission_denied

from .models import ConsultationPage, Response
from .permissions import is_analyst


def analysis_list(request):
    """Open consultations first (soonest closing), then closed ones (latest first), each with the
    number of answers sent and how many free-text answers are still to code."""
    if not is_analyst(request.user):
        return permission_denied(request)
    now = timezone.now()
    sent = Q(responses__status=Response.Status.SUBMITTED)
    pages = ConsultationPage.objects.annotate(sent=Count("responses", filter=sent, distinct=True))
    open_pages = list(pages.filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at"))
    closed = list(pages.filter(closes_at__lte=now).order_by("-closes_at"))
    coming = list(pages.filter(opens_at__gt=now).order_by("opens_at"))
    groups = [(title, rows) for title, rows in (
        ("Open now", open_pages), ("Closed", closed), ("Not open yet", coming)) if rows]
    context = {
        "groups": groups,
        "page_title": "Analysis",
        "header_title": "Consultations to analyse",
        "breadcrumbs_items": [{"url": reverse("wagtailadmin_home"), "label": "Home"},
                              {"url": "", "label": "Analysis"}],
    }
    return TemplateResponse(request, "consultations/admin/analysis_list.html", context)
