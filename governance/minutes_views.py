"""The minutes page and its PDF. Routes on MinutesPage hand over to these functions.

Confidential sections are replaced by "This part is confidential." (heading too) for anyone who may not
read them. Whenever confidential text is shown, the response says `private, no-store`, so neither the
anonymous page cache nor any shared cache keeps it for someone else.
"""

from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from portal.home.page_cache import generation_for
from portal.home.stable import kept_html
from portal.pdf import html_to_pdf
from portal.site_links import site_link

from .minutes_permissions import can_read_confidential
from .selectors import register_url
from .models import MinutesPage

CONFIDENTIAL_PLACEHOLDER = "This part is confidential."
# A long meeting's minutes list this many decisions, then link to the rest in the decision register.
DECISIONS_SHOWN = 20


def visible_sections(page: MinutesPage, show_confidential: bool) -> list[dict]:
    """Sections in the order written (they follow the agenda), with confidential ones emptied unless
    `show_confidential`."""
    sections = []
    for block in page.sections:
        confidential = bool(block.value.get("confidential"))
        hidden = confidential and not show_confidential
        sections.append({
            "heading": "" if hidden else block.value["heading"],
            "text": None if hidden else block.value["text"],
            "confidential": confidential,
            "hidden": hidden,
        })
    return sections


def _shows_confidential(request, page: MinutesPage) -> bool:
    # Editors previewing in the admin see everything they can already read in the edit form.
    if getattr(request, "is_preview", False):
        return True
    return can_read_confidential(request.user, page)


def minutes_context(request, page: MinutesPage) -> dict:
    """What the minutes page and its PDF show: visible sections, status, hash and approving decision."""
    show = _shows_confidential(request, page)
    return {
        "sections": visible_sections(page, show),
        "shows_confidential": show and page.has_confidential_sections,
        "meeting": page.meeting,
        "body": page.meeting.body,
        "approving_decision": page.approved_by_decision,
        "decisions_shown": DECISIONS_SHOWN,
        "decisions_read": DECISIONS_SHOWN + 1,  # one more than shown tells whether there are more
        "decisions_shown_slice": f":{DECISIONS_SHOWN}",
        "all_decisions_url": register_url(meeting_id=page.meeting_id),
    }


# A kept copy is dropped after this, whatever happens; any change it shows moves the generation on first.
DECISIONS_SECONDS = 300


def decisions_html(request, page: MinutesPage) -> str:
    """The minutes' list of the meeting's decisions, with their ballots, as HTML kept for each generation
    of the page cache: recording a decision, its actions and outcomes, opening or closing a ballot, and
    erasing someone all move the generation on, so a kept copy is never out of date. The list is the
    same for every reader (decisions are public; the confidential sections are not in it)."""
    def render() -> str:
        context = minutes_context(request, page)
        return render_to_string("governance/includes/minutes_decisions.html", {
            name: context[name] for name in
            ("meeting", "decisions_shown", "decisions_read", "decisions_shown_slice", "all_decisions_url")
        })

    key = f"minutes-decisions:{generation_for(request)}:{page.meeting_id}"
    return cache.get_or_set(key, render, DECISIONS_SECONDS)


def _private_if_confidential(response: HttpResponse, context: dict) -> HttpResponse:
    if context["shows_confidential"]:
        patch_cache_control(response, private=True, no_store=True)
    return response


def main(request, page: MinutesPage):
    context = {**minutes_context(request, page), "decisions_html": decisions_html(request, page)}
    if not context["shows_confidential"] and not getattr(request, "is_preview", False):
        # Everyone who cannot read the confidential sections sees the same status, text, decisions and
        # PDF link: rendered once per generation (publishing, approving or locking moves it on) and kept.
        # Never for a reader shown confidential text, nor for an editor's preview of a draft.
        context["body_html"] = kept_html(request, ("minutes-body", page.pk), lambda: render_to_string(
            "governance/includes/minutes_body.html", {**context, "page": page}, request=request))
    return _private_if_confidential(page.render(request, context_overrides=context), context)


def pdf(request, page: MinutesPage):
    """The approved (or locked) minutes as a PDF with the meeting, the approving decision's reference
    and the ledger hash. Draft and circulated minutes have no PDF."""
    if page.status not in (MinutesPage.Status.APPROVED, MinutesPage.Status.LOCKED):
        return HttpResponse("These minutes are not approved yet, so there is no PDF.", status=404,
                            content_type="text/plain; charset=utf-8")
    context = {**minutes_context(request, page), "page": page}
    html = render_minutes_pdf_html(request, page, context)
    document = html_to_pdf(html, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="minutes-{page.slug}.pdf"'
    return _private_if_confidential(response, context)


def circulated(request, pk: int):
    """Circulated draft minutes, for the body's members (and the secretaries) to read before approval.

    Not a page on the public site: the minutes are not published until they are approved. The text is
    the latest draft, confidential sections included (only members get here). Once approved, this
    sends people to the published minutes.
    """
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    page = MinutesPage.objects.select_related("meeting__body").filter(pk=pk).first()
    if page is None or page.status == MinutesPage.Status.DRAFT:
        raise Http404("There are no circulated minutes here.")
    if page.status != MinutesPage.Status.CIRCULATED:
        return redirect(page.url)
    if not can_read_confidential(request.user, page):
        raise PermissionDenied("Only members of this group can read its draft minutes.")
    draft = page.get_latest_revision_as_object()
    context = {**minutes_context(request, draft), "page": draft, "self": draft, "circulated_draft": True,
               "decisions_html": decisions_html(request, draft)}
    response = TemplateResponse(request, "governance/minutes_page.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response


def render_minutes_pdf_html(request, page: MinutesPage, context: dict | None = None) -> str:
    """The HTML that the PDF is printed from (also handy for tests)."""
    context = context or {**minutes_context(request, page), "page": page}
    context = {**context, "transparency_url": site_link(reverse("audit:transparency") + "#fingerprints")}
    return render_to_string("governance/minutes_pdf.html", context, request=request)
