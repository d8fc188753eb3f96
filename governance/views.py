"""Governance pages: the public register, decision stories, "who leads us" and calendars, and the
secretaries' screens for meetings, decisions, actions and outcomes, and trustees' decision history.

Public pages run a fixed number of queries (they are cached whole for anonymous visitors). Staff pages
are never cached: anonymous visitors are sent to sign in, signed-in people without the role get 403.
Every write goes through governance.services; a refused write re-shows the form with what was typed.
"""

import csv
import datetime
import hashlib
import re

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods
from crispy_forms.utils import render_crispy_form


from consultations.models import ResponseStatement, Theme
from portal.csv_safety import formula_safe
from portal.home.page_cache import generation_for
from portal.home.pagination import kept_page_number, page_links
from portal.pdf import html_to_pdf
from portal.responses import add_service_errors, private

from . import forms, history, permissions, selectors, services
from .ics import meetings_calendar
from .models import Action, AgendaItem, Body, Decision, Meeting

PER_PAGE = 25
# What a decision reference can look like (TB-2026-004); anything else is no decision.
REFERENCE = re.compile(r"[A-Za-z0-9-]{1,40}")



def _gate(request, allowed: bool):
    """None when `allowed`; otherwise a sign-in redirect (anonymous) or PermissionDenied (403)."""
    if allowed:
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied("Only secretaries can see this page.")



# --- public ---------------------------------------------------------------------------------------
@require_GET
def index(request):
    """The groups that lead the charity, and a way into the decision register."""
    return TemplateResponse(request, "governance/index.html", {"bodies": list(Body.objects.order_by("name"))})


@require_GET
def decision_register(request):
    """Every decision, filtered by group, year, outcome and whether service users' input shaped it."""
    generation = generation_for(request)
    # Recording a decision or changing a group moves the page cache's generation on: a new year or
    # group shows at once.
    bodies = cache.get_or_set(f"register-bodies:{generation}", lambda: list(Body.objects.order_by("name")), 300)
    years = cache.get_or_set(f"decision-years:{generation}", selectors.decision_years, 300)
    form = forms.RegisterFilterForm(request.GET or None, bodies=bodies, years=years)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    meeting, theme = _register_meeting(request), _register_theme(request)
    # The evidence report links here with a period (`from`, `to`: ISO dates, either may be absent).
    decided_from, decided_to = _date_param(request, "from"), _date_param(request, "to")
    filtered = bool(filters and any(filters.values())) or bool(decided_from or decided_to or meeting or theme)
    context = {"form_html": _filter_form_html(request, form), "filtered": filtered, "meeting": meeting,
               "theme": theme, "decided_from": decided_from, "decided_to": decided_to}

    def results() -> tuple[str, int]:
        body = next((b for b in bodies if b.slug == filters.get("body")), None)
        decisions = selectors.decision_register(
            body=body, year=filters.get("year"), outcome=filters.get("outcome", ""),
            shaped=filters.get("shaped", ""), meeting_id=meeting.pk if meeting else None,
            theme_id=theme.pk if theme else None,
        )
        if decided_from:
            decisions = decisions.filter(decided_on__gte=decided_from)
        if decided_to:
            decisions = decisions.filter(decided_on__lte=decided_to)
        page_obj = Paginator(decisions, PER_PAGE).get_page(request.GET.get("page"))
        html = render_to_string("governance/includes/register_results.html", {
            **context, "page_obj": page_obj, "decisions": list(page_obj), "pagination": page_links(request, page_obj),
        })
        return html, page_obj.number

    key = _register_results_key(request, form, generation)
    html, number = cache.get_or_set(key, results, 300) if key else results()
    return TemplateResponse(request, "governance/decision_register.html",
                            {**context, "results_html": html, "page_number": number})


def _register_results_key(request, form, generation: int) -> str | None:
    """Where the list of decisions for this request is kept, or None when it is not kept. Kept: the
    register's own filters with values among their choices, and a plain page number; the key space is
    then bounded by the data. Not kept: dates, meetings and themes (links from elsewhere, any value)
    and anything else a visitor adds, which are read and rendered each time."""
    number = kept_page_number(request, allowed=set(form.fields))
    if number is None or (form.is_bound and not form.is_valid()):
        return None
    digest = hashlib.sha256(repr((form.values(), number)).encode()).hexdigest()
    return f"register-results:{generation}:{digest}"


def _filter_form_html(request, form) -> str:
    """The register's filter form as HTML. Crispy forms took a quarter of the page's time, yet the form
    is the same for everyone who asks with the same values: it is kept for each set of choices and
    values. Values a visitor makes up are dropped by the form, so they add no keys to the cache."""
    values = form.values()
    if form.is_bound and not form.is_valid():
        return render_crispy_form(form, helper=form.helper)
    choices = [list(form.fields[name].choices) for name in form.fields]
    digest = hashlib.sha256(repr((choices, values)).encode()).hexdigest()
    return cache.get_or_set(f"register-filter:{digest}", lambda: render_crispy_form(form, helper=form.helper), 3600)


def _id_param(request, name: str) -> int | None:
    """A whole number from the query string, or None when it is missing or not a number."""
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def _register_meeting(request) -> Meeting | None:
    """The meeting named by `?meeting=` (the minutes link here for a long meeting's decisions)."""
    pk = _id_param(request, "meeting")
    return Meeting.objects.select_related("body").filter(pk=pk).first() if pk else None


def _register_theme(request) -> Theme | None:
    """The theme named by `?theme=` ("you said, we did" links here when many decisions cite one). Only a
    theme "you said, we did" already shows (a live consultation, a published statement): an analyst's
    working theme names stay private."""
    pk = _id_param(request, "theme")
    published = ResponseStatement.objects.filter(theme=OuterRef("pk"), published=True)
    return Theme.objects.filter(pk=pk, consultation__live=True).filter(Exists(published)).first() if pk else None


def _date_param(request, name: str) -> datetime.date | None:
    """An ISO date from the query string, or None when it is missing or not a real date."""
    try:
        return datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


@require_GET
def decision_detail(request, reference: str):
    """A decision's whole story: what service users said -> the decision -> actions -> outcomes."""
    # The story, and the page as rendered for each pair of the links only some people see, are kept for
    # each generation (recording, actions, outcomes, evidence, ballots and erasures all move it on) and
    # five minutes at most (the timeline says what is done by today). A visitor's page needs neither
    # the story nor anyone's permissions, so it is looked for first.
    if not REFERENCE.fullmatch(reference):
        raise Http404("No decision has that reference.")
    generation, user = generation_for(request), request.user
    if not user.is_authenticated:
        kept = cache.get(f"decision-page:{generation}:{reference}:00")
        if kept is not None:
            return _decision_page(request, *kept)
    key = f"decision-story:{generation}:{reference}"
    story = cache.get(key)
    if story is None:
        story = selectors.decision_story(reference)
        if story is not None:
            cache.set(key, story, 300)
    if story is None:
        raise Http404("No decision has that reference.")
    can_record = user.is_authenticated and permissions.can_record(user, story.decision.body)
    can_view_history = user.is_authenticated and permissions.can_view_decision_history(user)

    def render() -> tuple[str, str]:
        html = render_to_string("governance/includes/decision_story.html", {
            "story": story, "decision": story.decision, "can_record": can_record, "can_view_history": can_view_history,
        })
        return f"{story.decision.reference}: {story.decision.title}", html

    page_key = f"decision-page:{generation}:{reference}:{int(can_record)}{int(can_view_history)}"
    return _decision_page(request, *cache.get_or_set(page_key, render, 300))


def _decision_page(request, title: str, story_html: str):
    return TemplateResponse(request, "governance/decision_detail.html", {"title": title, "story_html": story_html})


@require_GET
def body_detail(request, slug: str):
    """Who leads us: the group's current members and roles, and the share of lived-experience seats."""
    body = get_object_or_404(Body, slug=slug)
    members = list(selectors.current_memberships(body))
    context = {
        "body": body,
        "members": members,
        "share": selectors.seat_share_on(body),
        "meetings": list(selectors.upcoming_public_meetings(body)[:5]),
    }
    return TemplateResponse(request, "governance/body_detail.html", context)


@require_GET
def body_meetings_ics(request, slug: str):
    """The group's upcoming public meetings as a calendar people can subscribe to."""
    body = get_object_or_404(Body, slug=slug)
    text = meetings_calendar(
        body=body,
        meetings=selectors.upcoming_public_meetings(body),
        host=request.get_host().split(":")[0],
        url=request.build_absolute_uri(reverse("governance:body-detail", args=[body.slug])),
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{body.slug}-meetings.ics"'
    return response


# --- secretaries ----------------------------------------------------------------------------------
@require_GET
def meeting_list(request):
    """Meetings the secretary keeps the record of, newest first."""
    if gate := _gate(request, permissions.is_secretary(request.user)):
        return gate
    meetings = Meeting.objects.select_related("body").order_by("-starts_at")[:100]
    return private(TemplateResponse(request, "governance/meeting_list.html", {"meetings": meetings}))


def _meeting_for_recorder(request, pk: int):
    meeting = get_object_or_404(Meeting.objects.select_related("body"), pk=pk)
    return meeting, _gate(request, permissions.can_record(request.user, meeting.body))


@require_http_methods(["GET", "POST"])
def meeting_detail(request, pk: int):
    """The agenda, the attendance form and the quorum, shown before any decision can be recorded."""
    meeting, gate = _meeting_for_recorder(request, pk)
    if gate:
        return gate
    memberships = list(selectors.current_memberships(meeting.body, timezone.localdate(meeting.starts_at)))
    recorded = dict(meeting.attendance.values_list("person_id", "status"))
    form = forms.AttendanceForm(
        request.POST if "save_attendance" in request.POST else None, memberships=memberships, recorded=recorded
    )
    if request.method == "POST":
        try:
            if "save_attendance" in request.POST and form.is_valid():
                services.meeting_record_attendance(meeting=meeting, entries=form.entries(), user=request.user)
                messages.success(request, "Attendance saved.")
                return redirect("governance:meeting-detail", pk=meeting.pk)
            if "mark_held" in request.POST:
                services.meeting_mark_held(meeting=meeting, user=request.user)
                messages.success(request, "The meeting is marked as held, with its quorum figures kept.")
                return redirect("governance:meeting-detail", pk=meeting.pk)
        except ValidationError as error:
            add_service_errors(form, error)
    context = {
        "meeting": meeting,
        "form": form,
        "agenda": AgendaItem.objects.filter(meeting=meeting).prefetch_related("consultations", "themes"),
        "quorum": selectors.meeting_quorum(meeting),
        "attendance_recorded": bool(recorded),
        "decisions": meeting.decisions.order_by("reference"),
    }
    status = 400 if form.errors else 200
    return private(TemplateResponse(request, "governance/meeting_detail.html", context, status=status))


@require_http_methods(["GET", "POST"])
def decision_new(request, pk: int):
    """Record a decision at a meeting: outcome, reasons, votes, and what service users said (or why not)."""
    meeting, gate = _meeting_for_recorder(request, pk)
    if gate:
        return gate
    quorum = selectors.meeting_quorum(meeting)
    present = selectors.present_people(meeting)
    data = request.POST if request.method == "POST" else None
    form = forms.DecisionForm(data, present_people=present)
    formset = forms.EvidenceFormSet(data, prefix="evidence", form_kwargs={"choices": forms.evidence_choices()})
    if request.method == "POST" and form.is_valid() & formset.is_valid() and forms.check_input_given(form, formset):
        fields = {k: v for k, v in form.cleaned_data.items()}
        try:
            decision = services.decision_record(
                body=meeting.body, meeting=meeting, evidence=formset.evidence(), user=request.user, **fields
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Decision {decision.reference} is recorded.")
            return redirect("governance:decision-detail", reference=decision.reference)
    context = {"meeting": meeting, "quorum": quorum, "form": form, "formset": formset, "present": present}
    status = 400 if request.method == "POST" else 200
    return private(TemplateResponse(request, "governance/decision_form.html", context, status=status))


def _decision_for_recorder(request, reference: str):
    decision = get_object_or_404(Decision.objects.select_related("body"), reference=reference)
    return decision, _gate(request, permissions.can_record(request.user, decision.body))


@require_http_methods(["GET", "POST"])
def action_new(request, reference: str):
    """Add an action to a decision: what, who, by when."""
    decision, gate = _decision_for_recorder(request, reference)
    if gate:
        return gate
    people = selectors.current_memberships(decision.body).values_list("person", flat=True)
    owners = get_user_model().objects.filter(pk__in=people).order_by("display_name")
    form = forms.ActionForm(request.POST or None, people=owners)
    if request.method == "POST" and form.is_valid():
        services.action_create(decision=decision, user=request.user, **form.cleaned_data)
        messages.success(request, "Action added.")
        return redirect("governance:decision-detail", reference=decision.reference)
    return _small_form(request, decision, form, "Add an action", "Add action")


@require_http_methods(["GET", "POST"])
def outcome_new(request, reference: str):
    """Record what changed because of a decision."""
    decision, gate = _decision_for_recorder(request, reference)
    if gate:
        return gate
    form = forms.OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.outcome_record(decision=decision, user=request.user, **form.cleaned_data)
        messages.success(request, "Outcome recorded.")
        return redirect("governance:decision-detail", reference=decision.reference)
    return _small_form(request, decision, form, "Record an outcome", "Record outcome")


@require_http_methods(["GET", "POST"])
def action_status(request, pk: int):
    """Move an action on (a secretary, or the action's owner), with a note of what happened."""
    action = get_object_or_404(Action.objects.select_related("decision__body"), pk=pk)
    allowed = permissions.can_record(request.user, action.decision.body) or (
        request.user.is_authenticated and request.user.pk == action.owner_id
    )
    if gate := _gate(request, allowed):
        return gate
    form = forms.ActionStatusForm(request.POST or None, initial={"status": action.status})
    if request.method == "POST" and form.is_valid():
        services.action_update_status(action=action, user=request.user, **form.cleaned_data)
        messages.success(request, "Action updated.")
        return redirect("governance:decision-detail", reference=action.decision.reference)
    return _small_form(request, action.decision, form, f"Update the action “{action.title}”", "Save")


def _small_form(request, decision: Decision, form, heading: str, button: str) -> HttpResponse:
    context = {"decision": decision, "form": form, "heading": heading, "button": button}
    status = 400 if form.errors else 200
    return private(TemplateResponse(request, "governance/small_form.html", context, status=status))


# --- trustees -------------------------------------------------------------------------------------
def _decision_for_history(request, reference: str):
    if gate := _gate(request, permissions.can_view_decision_history(request.user)):
        return None, gate
    return get_object_or_404(Decision, reference=reference), None


@require_GET
def decision_history(request, reference: str):
    """Every version of the decision and what hangs off it, who changed what and when, and the ledger."""
    decision, gate = _decision_for_history(request, reference)
    if gate:
        return gate
    context = {"decision": decision, "rows": history.decision_history(decision)}
    return private(TemplateResponse(request, "governance/decision_history.html", context))


def _cell(value) -> str:
    # A spreadsheet would run a cell that starts like a formula; make it plain text instead.
    return formula_safe(value)


@require_GET
def decision_history_pdf(request, reference: str):
    """The same history as a PDF, for trustees to file or circulate."""
    decision, gate = _decision_for_history(request, reference)
    if gate:
        return gate
    html = render_to_string(
        "governance/decision_history_pdf.html", {"decision": decision, "rows": history.decision_history(decision)}
    )
    response = private(HttpResponse(html_to_pdf(html), content_type="application/pdf"))
    response["Content-Disposition"] = f'attachment; filename="{decision.reference}-history.pdf"'
    return response


@require_GET
def decision_history_csv(request, reference: str):
    """The same history as a CSV file: one line per changed field."""
    decision, gate = _decision_for_history(request, reference)
    if gate:
        return gate
    response = private(HttpResponse(content_type="text/csv; charset=utf-8"))
    response["Content-Disposition"] = f'attachment; filename="{decision.reference}-history.csv"'
    writer = csv.writer(response)
    writer.writerow(["when", "who", "what", "kind", "field", "before", "after"])
    for row in history.decision_history(decision):
        for change in row.changes or [history.Change("", "", "")]:
            writer.writerow(
                [_cell(v) for v in (row.when.isoformat(), row.who, row.what, row.kind, change.field, change.old, change.new)]
            )
    return response
