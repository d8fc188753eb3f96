"""Reads for consultations: lists by phase, a person's responses. Results live in results.py."""

from datetime import timedelta

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


# However long until the list changes by itself, a kept copy is dropped after this.
OPEN_LIST_SECONDS = 300


def open_consultations_kept() -> list[ConsultationPage]:
    """`open_consultations()`, kept in the cache until the list would change: publishing or restricting
    a consultation moves the page cache's generation on, and the copy is not used past the moment the
    next one closes or opens (the list changes then with nobody doing anything)."""
    from django.core.cache import cache
    from django.db.models import Min

    from portal.home.page_cache import page_cache_generation

    now = timezone.now()
    key = f"open-consultations:{page_cache_generation()}"
    kept = cache.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    found = open_consultations(now)
    next_opening = (
        ConsultationPage.objects.live().public().filter(opens_at__gt=now).aggregate(first=Min("opens_at"))["first"]
    )
    changes_at = [now + timedelta(seconds=OPEN_LIST_SECONDS)]
    changes_at += [page.closes_at for page in found[:1]] + ([next_opening] if next_opening else [])
    until = min(changes_at)
    cache.set(key, (until, found), max(1, int((until - now).total_seconds()) + 1))
    return found


# How long a kept copy of the index's lists may be used, however far off their next change is.
INDEX_LISTS_SECONDS = 300


def index_lists_kept(request, index) -> str:
    """The consultations index's lists (open, opening soon, a page of closed ones) as HTML, kept like
    `open_consultations_kept`: until a publish, restriction or move (the page cache's generation) or the
    moment the next listed consultation opens or closes, whichever is first. Only the first pages are kept
    (`kept_page_number`), so the keys stay few; any other query string is rendered each time."""
    from django.core.cache import cache
    from django.template.loader import get_template

    from portal.home.page_cache import generation_for
    from portal.home.pagination import kept_page_number
    from portal.home.stable import site_for_request

    now = timezone.now()
    number = kept_page_number(request)
    keep = number is not None
    if keep:
        site = site_for_request(request)
        key = f"consultation-index:{generation_for(request)}:{index.pk}:{site.pk if site else '-'}:{number}"
        kept = cache.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
    context = index.lists_context(request, now)
    html = get_template("consultations/includes/index_lists.html").render(context)
    if keep:
        phases = context["phases"]
        changes_at = [now + timedelta(seconds=INDEX_LISTS_SECONDS)]
        changes_at += [page.closes_at for page in phases["open"]]
        changes_at += [page.opens_at for page in phases["upcoming"]]
        until = min(changes_at)
        cache.set(key, (until, html), max(1, int((until - now).total_seconds()) + 1))
    return html


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
