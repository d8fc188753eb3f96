"""Typing in paper and event responses: a peer worker or secretary starts a batch for a consultation
(where the forms came from, when, and an optional scan), then types in one form after another. Each
form becomes a submitted response with the batch's origin, counted everywhere an online one is."""

import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from portal.responses import private

from . import permissions, services
from .forms import PaperBatchForm, PaperLivedExperienceForm, answer_form_for_paper, raw_from_post
from .models import ConsultationPage, PaperBatch, Response

RECENT = 10



def _gate(request):
    """None for peer workers and secretaries; a sign-in redirect for nobody signed in; else 403."""
    if permissions.is_paper_enterer(request.user):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied("Only peer workers and secretaries can type in paper forms.")


def _prefix(question) -> str:
    return f"q{question.pk}"


@require_GET
def paper_home(request):
    """Consultations taking paper forms now, each with its batches and how many forms each holds."""
    if (refused := _gate(request)) is not None:
        return refused
    now = timezone.now()
    pages = [p for p in ConsultationPage.objects.live().filter(opens_at__lte=now).order_by("closes_at")
             if permissions.can_enter_paper(request.user, p, now)]
    batches = (
        PaperBatch.objects.filter(consultation__in=pages)
        .annotate(forms=Count("responses", filter=Q(responses__status=Response.Status.SUBMITTED)))
        .select_related("entered_by").order_by("-received_on", "-pk")
    )
    by_page = {}
    for batch in batches:
        by_page.setdefault(batch.consultation_id, []).append(batch)
    rows = [(page, by_page.get(page.pk, []), page.phase(now)) for page in pages]
    return private(TemplateResponse(request, "consultations/paper/home.html", {"rows": rows}))


@require_http_methods(["GET", "POST"])
def batch_new(request, page_id: int):
    if (refused := _gate(request)) is not None:
        return refused
    page = get_object_or_404(ConsultationPage.objects.live(), pk=page_id)
    if not permissions.can_enter_paper(request.user, page):
        raise PermissionDenied("This consultation is not taking paper forms now.")
    form = PaperBatchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.paper_batch_start(
                consultation=page, user=request.user, origin=data["origin"], label=data["label"],
                received_on=data["received_on"], scan=data.get("scan"),
            )
        except ValidationError as invalid:
            for name, errors in invalid.error_dict.items():
                form.add_error(name, errors)
        else:
            messages.success(request, "The batch is ready. Type in the first form below.")
            return redirect("paper-responses:batch", pk=batch.pk)
    status = 400 if form.errors else 200
    return private(TemplateResponse(request, "consultations/paper/batch_new.html",
                                     {"page": page, "form": form}, status=status))


@require_http_methods(["GET", "POST"])
def batch_detail(request, pk: int):
    """The batch, and the next form to type in. After each form the page is blank again, ready for the
    next; a form with problems comes back as typed, with each problem beside its question."""
    if (refused := _gate(request)) is not None:
        return refused
    batch = get_object_or_404(PaperBatch.objects.select_related("consultation", "entered_by"), pk=pk)
    page = batch.consultation
    questions = list(page.questions.all())
    can_enter = permissions.can_enter_paper(request.user, page)
    status = 200
    problems: dict[int, list[str]] = {}
    if request.method == "POST":
        if not can_enter:
            raise PermissionDenied("This consultation is no longer taking paper forms.")
        extra = PaperLivedExperienceForm(request.POST)
        raws = {q.pk: raw_from_post(q, request.POST, prefix=_prefix(q)) for q in questions}
        if extra.is_valid():
            try:
                response, new = services.paper_response_enter(
                    batch=batch, user=request.user, raws=raws,
                    lived_experience=extra.cleaned_data["lived_experience"],
                    idempotency_key=extra.cleaned_data["idempotency_key"],
                )
            except services.PaperProblems as found:
                problems = found.problems
            else:
                entered = batch.responses.filter(status=Response.Status.SUBMITTED).count()
                said = "entered" if new else "was already entered"
                messages.success(request, f"Form {entered} {said} (reference {response.reference}). The page is ready for the next form.")
                return redirect("paper-responses:batch", pk=batch.pk)
        else:
            problems = {0: ["The page was out of date. Check the answers and press the button again."]}
        forms = [answer_form_for_paper(q, raws[q.pk], prefix=_prefix(q)) for q in questions]
        status = 400
    else:
        forms = [answer_form_for_paper(q, None, prefix=_prefix(q)) for q in questions]
        extra = PaperLivedExperienceForm(initial={"idempotency_key": uuid.uuid4().hex})
    errors = [(f"id_{_prefix(q)}-{next(iter(form.fields))}", message)
              for q, form in zip(questions, forms) for message in problems.get(q.pk, [])]
    entered = batch.responses.filter(status=Response.Status.SUBMITTED).order_by("-submitted_at", "-pk")
    context = {
        "batch": batch, "page": page, "forms": forms, "extra": extra, "can_enter": can_enter,
        "whole_form_problems": problems.get(0, []), "errors": errors,
        "entered_count": entered.count(), "recent": list(entered[:RECENT]),
        "ends": permissions.paper_entry_ends(page),
    }
    return private(TemplateResponse(request, "consultations/paper/batch.html", context, status=status))


@require_GET
def batch_scan(request, pk: int):
    """The scan of a batch's forms, for peer workers and secretaries only, never cached."""
    if (refused := _gate(request)) is not None:
        return refused
    batch = get_object_or_404(PaperBatch, pk=pk)
    if not batch.scan:
        raise Http404("This batch has no scan, or it has been deleted.")
    name = f"paper-batch-{batch.pk}{batch.scan.name[batch.scan.name.rfind('.'):]}"
    return private(FileResponse(batch.scan.open("rb"), as_attachment=True, filename=name))
