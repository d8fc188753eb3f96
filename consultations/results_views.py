"""The results page and the analysts' exports (routes on ConsultationPage hand over to these).

Who sees what: analysts always see full results and may export. Everyone else sees results with small
numbers hidden, when the page's results visibility allows it and they are in its audience. Someone who
must wait until the consultation closes is told when, on an ordinary page (not an error). Refusals are
403 pages in plain words. Anonymous results pages may be cached whole; pages that change at closing
time or show unsuppressed numbers are never cached. The public figures and charts (small numbers
hidden) are kept in the cache until a response changes (results_cache.py); analysts' never are.
"""

from django.http import StreamingHttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control

from . import exports
from .models import Audience, ConsultationPage, Question, ResultsVisibility
from .permissions import can_analyse, can_view_results, in_audience
from .results import QuestionResult, consultation_results
from .results_cache import kept_results

TEMPLATE = "consultations/results.html"
SECTIONS_TEMPLATE = "consultations/includes/results_sections.html"
CHART_WIDTH, BAR_MAX, LABEL_HEIGHT, BAR_HEIGHT, GAP = 640, 470, 24, 28, 16

NOT_PUBLISHED = (
    "We do not publish the numbers from this consultation. The consultation page says what we did "
    "about what people told us."
)
NOT_FOR_YOU = "These results are for service users only, so you cannot see them with this account."
SIGN_IN_FIRST = "These results are for people who are signed in. Please sign in to see them."
EXPORT_REFUSED = "Only analysts can download answers. If you need them, ask an analyst in your team."


def results(request, page: ConsultationPage):
    """Results with charts and tables; a polite page or a plain refusal for those who may not see them."""
    user = request.user
    analyst = can_analyse(user, page)
    if not analyst and not in_audience(user, page):
        return _message(request, page, SIGN_IN_FIRST if not user.is_authenticated else NOT_FOR_YOU,
                        sign_in=not user.is_authenticated and page.audience != Audience.PUBLIC)
    if not can_view_results(user, page):
        if page.results_visibility == ResultsVisibility.NEVER:
            return _message(request, page, NOT_PUBLISHED)
        return _message(request, page, "", status=200, not_yet=True)
    def work_out():
        found = consultation_results(page=page, suppress=not analyst)
        sections = [{"result": result, "chart": chart_for(result)} for result in found.questions]
        return found, render_to_string(SECTIONS_TEMPLATE, {"sections": sections})

    # Only what everyone may see is kept (numbers under 5 hidden); an analyst's full figures are worked
    # out each time and kept nowhere.
    found, sections_html = work_out() if analyst else kept_results(request, page, suppress=True, work_out=work_out)
    context = {"page": page, "results": found, "sections_html": sections_html, "analyst": analyst}
    response = TemplateResponse(request, TEMPLATE, context)
    return _private(response) if analyst else response


def export_csv(request, page: ConsultationPage):
    """Every submitted response as CSV, streamed row by row (analysts only; the export is audited)."""
    if not can_analyse(request.user, page):
        return _message(request, page, EXPORT_REFUSED, sign_in=not request.user.is_authenticated)
    exports.export_record(user=request.user, page=page, fmt="csv")
    filename = f"consultation-{page.pk}-responses.csv"
    return _download(exports.csv_lines(page), "text/csv; charset=utf-8", filename)


def export_json(request, page: ConsultationPage):
    """Every submitted response as one JSON document, streamed (analysts only; the export is audited)."""
    if not can_analyse(request.user, page):
        return _message(request, page, EXPORT_REFUSED, sign_in=not request.user.is_authenticated)
    exports.export_record(user=request.user, page=page, fmt="json")
    return _download(exports.json_chunks(page), "application/json", f"consultation-{page.pk}-responses.json")


def chart_for(result: QuestionResult) -> dict | None:
    """Geometry for a horizontal bar chart of a question's rows (scores for a ranking), or None for
    text questions. Hidden numbers get no bar, and their words instead of a value."""
    if not result.rows:
        return None
    ranking = result.kind == Question.Kind.RANKING
    values = [(row.score if ranking else row.count) for row in result.rows]
    top = max((v for v in values if v), default=0)
    bars, y = [], 0
    for row, value in zip(result.rows, values):
        width = round(BAR_MAX * value / top) if value and top else 0
        bars.append({
            "label": row.label, "label_y": y + 17, "bar_y": y + LABEL_HEIGHT, "width": width,
            "text": _bar_text(row, value, ranking), "text_x": width + 8, "text_y": y + LABEL_HEIGHT + 20,
        })
        y += LABEL_HEIGHT + BAR_HEIGHT + GAP
    return {"width": CHART_WIDTH, "height": y, "bar_height": BAR_HEIGHT, "bars": bars}


def _bar_text(row, value, ranking: bool) -> str:
    if ranking:
        return "points hidden" if value is None else f"{value} point{'' if value == 1 else 's'}"
    if value is None:
        return row.hidden_as
    return f"{value} ({row.percent:g}%)" if row.percent is not None else str(value)


def _message(request, page, message: str, *, status: int = 403, sign_in: bool = False, not_yet: bool = False):
    context = {"page": page, "message": message, "sign_in": sign_in, "not_yet": not_yet}
    return _private(TemplateResponse(request, TEMPLATE, context, status=status))


def _download(chunks, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    return response
