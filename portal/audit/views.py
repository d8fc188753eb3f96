"""The public transparency page, and the read-only audit explorer for people who may see the ledger."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe

from portal.home.page_cache import generation_for
from portal.home.pagination import page_links
from portal.jobs.long_jobs import long_job_start
from portal.jobs.models import LongJob

from . import permissions, selectors, signing
from .forms import EventSearchForm, HistorySearchForm
from .history import SYSTEM, HistoryKind, history_records, history_versions
from .jobs import VERIFY_JOB, verify_report
from .links import object_links
from .models import ActorPseudonym, AuditEvent
from .words import action_words, event_details, object_labels, person_names, target_labels

CHECKPOINTS_SHOWN = 12
PER_PAGE = 25
RECENT_CHECKS = 3


@dataclass(frozen=True)
class EventRow:
    """A ledger event as the explorer shows it, in words: what happened, to what, by whom, and its payload."""

    event: AuditEvent
    link: str | None
    actor: str | None
    about: str
    what: str
    details: list[tuple[str, str]]


@dataclass(frozen=True)
class VersionRow:
    """A saved version in the list of changes: the record in words, where to open it, who saved it."""

    record: object
    object_id: str
    link: str | None
    label: str
    who: str


@require_safe
def transparency(request):
    """Public: the latest checkpoints (head hash, count, date, the minutes quoting them) and how to check.

    The same for every visitor and independent of the query string, so the anonymous page cache keeps
    it, and its body is kept as HTML for each generation of that cache: recording a checkpoint or a
    publication, and publishing or unpublishing the minutes that quote one, move the generation on.
    """
    def render() -> str:
        return render_to_string("audit/includes/transparency_body.html", {
            "checkpoints": selectors.checkpoints_latest(limit=CHECKPOINTS_SHOWN), "public_key": signing.public_key(),
        })

    body_html = cache.get_or_set(f"transparency:{generation_for(request)}", render, 300)
    return TemplateResponse(request, "audit/transparency.html", {"body_html": body_html})


def _explorer_user(request):
    if not permissions.can_explore_audit(request.user):
        raise PermissionDenied("Only people who can see the audit ledger can use the audit explorer.")
    return request.user


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


def _page(request, items):
    """The requested page of `items`, and a plain sentence if the number asked for made no sense."""
    paginator = Paginator(items, PER_PAGE)
    number = request.GET.get("page") or 1
    try:
        return paginator.page(number), ""
    except PageNotAnInteger:
        return paginator.page(1), "Page numbers are whole numbers, like 2. Showing the first page."
    except EmptyPage:
        last = paginator.num_pages
        return paginator.page(last), f"There is no page {str(number)[:12]}. Showing page {last}, the last one."


def _actor_keys(person: dict | None) -> list[str] | None:
    """The ledger pseudonyms standing for the person searched for (none if they never acted)."""
    if person is None:
        return None
    if person["key"]:
        return [person["key"]]
    return list(ActorPseudonym.objects.filter(user=person["user"]).values_list("key", flat=True))


def _history_user_ids(person: dict | None) -> list[int] | None:
    """History tables name the account itself; an erased account has none, so it matches nothing."""
    if person is None:
        return None
    return [person["user"].pk] if person["user"] else []


@login_required
@require_safe
def explorer(request):
    """Read-only: the ledger searched by object, person (as actor), action and date, newest first."""
    user = _explorer_user(request)
    form = EventSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = selectors.audit_events_search(
        target_type=filters.get("target_type", ""), target_id=filters.get("target_id", "").strip(),
        actor_keys=_actor_keys(filters.get("person")), action=filters.get("action", ""),
        on_or_after=filters.get("date_from"), on_or_before=filters.get("date_to"),
    ) if not form.errors else selectors.audit_events_search().none()
    page_obj, page_problem = _page(request, events)
    context = {
        "form": form,
        "people": form.people if form.is_bound else [],
        "page_obj": page_obj,
        "page_problem": page_problem,
        "events": _event_rows(list(page_obj), user, request),
        "pagination": page_links(request, page_obj, anchor="results"),
        "filtered": bool(filters and any(filters.values())),
        "recent_checks": _recent_checks(user),
        "checkpoint_action": selectors.CHECKPOINT_ACTION,
    }
    return _private(TemplateResponse(request, "audit/explorer.html", context))


@login_required
@require_safe
def history(request):
    """Read-only: one history table searched by record, the person who changed it and date; for one
    record, what changed in each version, field by field."""
    user = _explorer_user(request)
    form = HistorySearchForm(request.GET or None)
    valid = form.is_bound and form.is_valid()
    filters = form.cleaned_data if valid else {}
    kind = filters.get("kind")
    context = {"form": form, "people": form.people if form.is_bound else [], "kind": kind, "versions": None}
    if kind is not None:
        records = history_records(
            kind=kind, object_id=filters.get("object_id"), user_ids=_history_user_ids(filters.get("person")),
            on_or_after=filters.get("date_from"), on_or_before=filters.get("date_to"),
        )
        page_obj, page_problem = _page(request, records)
        rows = list(page_obj)
        context.update(
            page_obj=page_obj, page_problem=page_problem, pagination=page_links(request, page_obj, anchor="results"),
            rows=_version_rows(kind, rows, user, request), object_id=filters.get("object_id"),
        )
        if filters.get("object_id") is not None:
            context["versions"] = history_versions(kind, rows)
            object_id = str(filters["object_id"])
            context["record_label"] = object_labels(kind.model, [object_id])[object_id]
    return _private(TemplateResponse(request, "audit/history.html", context))


def _event_rows(events: list[AuditEvent], user, request) -> list[EventRow]:
    """The page's events in words: one query per kind of object named, never one per event."""
    targets = [(e.target_type, e.target_id) for e in events]
    links = object_links(targets, user=user, request=request)
    about = target_labels(targets)
    names = selectors.actor_names(e.actor_key for e in events)
    details = event_details(events)
    return [
        EventRow(e, links.get((e.target_type, e.target_id)), names.get(e.actor_key),
                 about.get((e.target_type, e.target_id), ""), action_words(e.action), details[e.pk])
        for e in events
    ]


def _version_rows(kind: HistoryKind, records: list, user, request) -> list[VersionRow]:
    """The page's versions, each with its record's name and who saved it ("the system" when nobody)."""
    pk_name = kind.model._meta.pk.attname
    ids = [str(getattr(r, pk_name)) for r in records]
    links = object_links(((kind.label, i) for i in ids), user=user, request=request)
    labels = object_labels(kind.model, ids)
    people = person_names(r.history_user_id for r in records if r.history_user_id)
    return [
        VersionRow(r, i, links.get((kind.label, i)), labels[i], people.get(str(r.history_user_id), SYSTEM))
        for r, i in zip(records, ids, strict=True)
    ]


@login_required
@require_POST
def verify_start(request):
    """Start a check of the whole ledger in the background and show its progress.

    One at a time per person: while their last check is waiting or running, a second press (a double
    click, a second tab) shows that one instead of walking the whole ledger twice.
    """
    user = _explorer_user(request)
    unfinished = (LongJob.Status.QUEUED, LongJob.Status.RUNNING)
    job = LongJob.objects.filter(kind=VERIFY_JOB, started_by=user, status__in=unfinished).first()
    if job is None:
        job = long_job_start(kind=VERIFY_JOB, user=user)
    return redirect(reverse("jobs:status", args=[job.pk]))


@login_required
@require_safe
def verify_result(request, pk):
    """What a finished check of the ledger found, in words a trustee can read, with the report to download."""
    user = _explorer_user(request)
    job = get_object_or_404(LongJob, pk=pk, kind=VERIFY_JOB, started_by=user)
    report = verify_report(job)
    if report is None:
        return redirect(reverse("jobs:status", args=[job.pk]))
    context = {"job": job, "report": report, "verdict": selectors.verdict_in_words(report)}
    return _private(TemplateResponse(request, "audit/verify_result.html", context))


@require_safe
def checkpoint_download(request, pk: int):
    """A checkpoint as a signed file anyone can keep, and check the ledger against later."""
    event = get_object_or_404(AuditEvent, pk=pk, action=selectors.CHECKPOINT_ACTION)
    response = JsonResponse(selectors.checkpoint_file(event), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = f'attachment; filename="audit-checkpoint-{event.data["count"]}.json"'
    return response


def _recent_checks(user) -> list[dict]:
    jobs = LongJob.objects.filter(kind=VERIFY_JOB, started_by=user).order_by("-created_at")[:RECENT_CHECKS]
    return [{"job": job, "report": verify_report(job)} for job in jobs]
