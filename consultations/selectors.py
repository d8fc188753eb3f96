"""Reads for consultations: lists by phase, a person's responses. Results live in results.py."""

from django.utils import timezone

from .models import ConsultationPage, Phase, Response


def consultations_by_phase(queryset, now=None) -> dict[str, list[ConsultationPage]]:
    """Split consultations into open, upcoming and closed lists (one query)."""
    now = now or timezone.now()
    phases = {Phase.OPEN: [], Phase.UPCOMING: [], Phase.CLOSED: []}
    for page in queryset:
        phases[page.phase(now)].append(page)
    phases[Phase.CLOSED].reverse()  # most recently closed first
    return {"open": phases[Phase.OPEN], "upcoming": phases[Phase.UPCOMING], "closed": phases[Phase.CLOSED]}


def open_consultations(now=None) -> list[ConsultationPage]:
    """Live consultations open now, soonest closing first (for the home page)."""
    now = now or timezone.now()
    return list(
        ConsultationPage.objects.live().public().filter(opens_at__lte=now, closes_at__gt=now).order_by("closes_at")
    )


def responses_of(user) -> list[Response]:
    """A signed-in person's own named responses, newest first."""
    if not user.is_authenticated:
        return []
    return list(
        Response.objects.filter(respondent=user).select_related("consultation").order_by("-updated_at")
    )
