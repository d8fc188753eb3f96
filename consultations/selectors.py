"""Reads for consultations: lists by phase, a person's responses. Results live in results.py."""

from django.utils import timezone

from .forms import answer_form
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


def data_of(user) -> list[dict]:
    """For 'My data': every named response of `user`, with its answers as they read.

    Anonymous responses hold no link to anyone, so they cannot be found, and are not included.
    """
    rows = []
    responses = Response.objects.filter(respondent=user).select_related("consultation").order_by("created_at")
    for response in responses:
        questions = list(response.consultation.questions.all())
        rows.append(
            {
                "consultation": response.consultation.title,
                "reference": response.reference,
                "status": response.status,
                "origin": response.origin,
                "lived_experience": response.lived_experience,
                "started_at": response.created_at.isoformat(),
                "submitted_at": response.submitted_at.isoformat() if response.submitted_at else None,
                "answers": [
                    {"question": q.prompt, "answer": answer_form(q, response.draft.get(str(q.pk), {})).display_value()}
                    for q in questions
                ],
            }
        )
    return rows
