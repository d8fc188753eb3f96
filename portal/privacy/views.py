"""A person's data rights: download everything, see and withdraw consents, declare lived experience,
and erase their account. Views call services; they never write models themselves."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.pdf import html_to_pdf

from . import erasure, forms, selectors, services
from .your_data import withdrawn_days, your_data
from .consent import Kind
from .models import ConsentRecord, LivedExperienceDeclaration


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


def _page(request, template: str, context: dict | None = None, status: int = 200):
    return _private(TemplateResponse(request, f"privacy/{template}", context or {}, status=status))


@login_required
def overview(request):
    return _page(request, "overview.html")


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request):
    """"Your data": everything we hold about the signed-in person, in plain words, made on request.

    A POST starts the machine-readable file (JSON) as a background job, since it can be large (every
    ledger event), and shows its progress. Only ever the signed-in person's own data.
    """
    if request.method == "POST":
        job = services.my_data_request(person=request.user)
        return redirect("jobs:status", pk=job.pk)
    return _page(request, "my_data.html", _your_data_context(request.user))


@login_required
@require_GET
def my_data_pdf(request):
    """The same page as a PDF to keep or print, made on request (no links, no buttons)."""
    context = {**_your_data_context(request.user), "made_at": timezone.now()}
    html = render_to_string("privacy/my_data_pdf.html", context, request=request)
    response = HttpResponse(html_to_pdf(html, base_url=request.build_absolute_uri("/")), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="your-data-{timezone.localdate():%Y-%m-%d}.pdf"'
    return _private(response)


def _your_data_context(person) -> dict:
    return {"person": person, "groups": your_data(person), "withdrawn_days": withdrawn_days()}


@login_required
def consents(request):
    return _page(request, "consents.html", {"consents": selectors.consents_for_page(person=request.user)})


@login_required
@require_POST
def consent_withdraw(request, pk: int):
    record = get_object_or_404(ConsentRecord, pk=pk, person=request.user)
    services.consent_withdraw(record=record, user=request.user)
    if record.kind == Kind.CONTACT:
        messages.success(request, "You have withdrawn your consent. We will not email you any more.")
    elif record.kind == Kind.LIVED_EXPERIENCE:
        messages.success(request, "You have withdrawn your consent. We have deleted your answer about lived experience.")
    else:
        messages.success(request, "You have withdrawn your consent.")
    return redirect("privacy:consents")


@login_required
@require_http_methods(["GET", "POST"])
def lived_experience(request):
    """An optional self-declaration, kept apart from everything else and used only in counts."""
    current = LivedExperienceDeclaration.objects.filter(person=request.user).first()
    form = forms.LivedExperienceForm(request.POST or None, initial={"answer": current.answer if current else None})
    if request.method == "POST" and form.is_valid():
        services.lived_experience_declare(person=request.user, answer=form.cleaned_data["answer"])
        messages.success(request, "Your answer is saved. Only you can see it next to your name.")
        return redirect("privacy:lived-experience")
    context = {"form": form, "current": current}
    return _page(request, "lived_experience.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def erase(request):
    """Say what erasure removes and what it keeps (and why), then erase once the password is typed."""
    blockers = erasure.erasure_blockers(person=request.user)
    form = forms.EraseForm(request.POST or None, user=request.user)
    if request.method == "POST" and not blockers and form.is_valid():
        try:
            erasure.person_erase(person=request.user, channel=erasure.SELF)
        except erasure.ErasureRefused as refused:
            blockers = refused.reasons
        else:
            logout(request)
            return redirect("privacy:erased")
    context = {"form": form, "blockers": blockers, "kept": selectors.kept_after_erasure(person=request.user)}
    return _page(request, "erase.html", context, status=400 if form.errors or (blockers and request.method == "POST") else 200)


def erased(request):
    """The goodbye page, shown once the account is gone and the person is signed out."""
    return _page(request, "erased.html")
