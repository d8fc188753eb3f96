"""Finance pages: the claims queue, one claim to approve or ask about (with its receipts), payment
batches (make one from every approved claim, mark it paid, download its CSV) and rates by date.

For the Finance role only (and superusers); everyone else gets 403, anyone not signed in is sent to
sign in. Money is shown from whole pence (involvement.money); nothing here does arithmetic on floats.
Every write goes through involvement.services and is a ledger event there.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_GET, require_http_methods

from portal.home.pagination import page_links
from portal.responses import add_service_errors, private

from . import export, forms, permissions, selectors, services
from .models import Claim, MeetingRate, PaymentBatch
from .views import error_list

PER_PAGE = 50
# The queue's tabs: (status or "" for all, label).
QUEUE_TABS = [
    (Claim.Status.SUBMITTED, "To check"),
    (Claim.Status.QUERIED, "Asked a question"),
    (Claim.Status.APPROVED, "Approved"),
    (Claim.Status.PAID, "Paid"),
    ("", "All"),
]


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return private(TemplateResponse(request, f"involvement/finance/{template}", context, status=status))


def _finance(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.is_finance(request.user):
        raise PermissionDenied("Only the finance team can see this page.")
    return None


@require_GET
def queue(request):
    """Claims by where they are, the longest waiting first; approved ones not yet in a batch counted."""
    if gate := _finance(request):
        return gate
    wanted = request.GET.get("status", Claim.Status.SUBMITTED)
    if wanted not in {value for value, _label in QUEUE_TABS}:
        wanted = Claim.Status.SUBMITTED
    claims = selectors.claims_for_finance(wanted or None)
    page_obj = Paginator(claims, PER_PAGE).get_page(request.GET.get("page"))
    counts = selectors.claim_counts()
    tabs = [{"status": value, "label": label, "current": value == wanted,
             "count": counts[value] if value else sum(counts.values())} for value, label in QUEUE_TABS]
    context = {
        "tabs": tabs, "tab": next(tab for tab in tabs if tab["current"]), "claims": list(page_obj),
        "page_obj": page_obj, "pagination": page_links(request, page_obj),
    }
    return _page(request, "queue.html", context)


@require_http_methods(["GET", "POST"])
def claim_review(request, pk: int):
    """One claim in full, with its receipts: approve it, or ask the claimant a question."""
    if gate := _finance(request):
        return gate
    claim = selectors.claim_for_view(pk)
    can_review = permissions.can_approve_claim(request.user, claim) or permissions.can_query_claim(request.user, claim)
    form = forms.ReviewForm(request.POST or None)
    if request.method == "POST":
        if not can_review:
            raise PermissionDenied("This claim is not waiting to be checked, or it is your own.")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == "approve":
                    services.claim_approve(user=request.user, claim=claim, note=data["reason"])
                    done = f"{claim.reference} is approved. It will go in the next payment batch."
                else:
                    services.claim_query(user=request.user, claim=claim, reason=data["reason"])
                    done = f"Your question about {claim.reference} is sent. The person has been told."
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("involvement:finance")
    context = {"claim": claim, "expenses": list(claim.expenses.all()), "notes": list(claim.notes.all()),
               "form": form, "can_review": can_review, "errors": error_list(form),
               "own": claim.payee.person_id == request.user.pk}
    return _page(request, "claim.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def batches(request):
    """Payment batches, newest first, and a button to make one from every approved claim."""
    if gate := _finance(request):
        return gate
    if request.method == "POST":
        try:
            batch = services.batch_make(user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Batch {batch.reference} is made: {batch.count} claim{'s' if batch.count != 1 else ''}.")
            return redirect("involvement:finance-batch", pk=batch.pk)
        return redirect("involvement:finance-batches")
    page_obj = Paginator(selectors.batches(), PER_PAGE).get_page(request.GET.get("page"))
    context = {"batches": list(page_obj), "page_obj": page_obj, "pagination": page_links(request, page_obj),
               "waiting": selectors.waiting_totals()}
    return _page(request, "batches.html", context)


@require_http_methods(["GET", "POST"])
def batch_detail(request, pk: int):
    """A batch: its claims and total, the CSV to download, and "mark as paid"."""
    if gate := _finance(request):
        return gate
    batch = get_object_or_404(PaymentBatch.objects.select_related("created_by", "paid_by"), pk=pk)
    if request.method == "POST":
        try:
            services.batch_mark_paid(user=request.user, batch=batch)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Batch {batch.reference} is marked as paid. Each person can see it.")
        return redirect("involvement:finance-batch", pk=batch.pk)
    claims = batch.claims.select_related("payee", "participation").order_by("pk")
    page_obj = Paginator(claims, PER_PAGE).get_page(request.GET.get("page"))
    context = {"batch": batch, "claims": list(page_obj), "page_obj": page_obj,
               "pagination": page_links(request, page_obj), "totals": selectors.batch_totals(batch)}
    return _page(request, "batch.html", context)


@require_GET
def batch_csv(request, pk: int):
    """The batch as CSV for payroll or the bank (the layout is in involvement/export.py)."""
    if gate := _finance(request):
        return gate
    batch = get_object_or_404(PaymentBatch, pk=pk)
    return private(export.batch_csv_response(user=request.user, batch=batch))


RATE_FORMS = {"band": forms.BandForm, "rate": forms.RateForm, "meeting": forms.MeetingRateForm}


@require_http_methods(["GET", "POST"])
def rates(request):
    """Rate bands and what each pays from which day; adding a band or a rate; the band each group's
    meetings pay. A rate is never changed: a new one is added from a later day, and claims keep theirs."""
    if gate := _finance(request):
        return gate
    sent = request.POST.get("form") if request.method == "POST" else None
    bound = {name: form_class(request.POST if name == sent else None, prefix=name)
             for name, form_class in RATE_FORMS.items()}
    if sent in bound and bound[sent].is_valid():
        form, data = bound[sent], bound[sent].cleaned_data
        try:
            done = _save_rates(request.user, sent, data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return redirect("involvement:finance-rates")
    errors = error_list(*bound.values())
    context = {"bands": selectors.bands_with_rates(), "forms": bound, "errors": errors,
               "meeting_rates": list(MeetingRate.objects.select_related("body", "band").order_by("body__name"))}
    return _page(request, "rates.html", context, status=400 if errors else 200)


def _save_rates(user, sent: str, data: dict) -> str:
    if sent == "band":
        band = services.rate_band_save(user=user, name=data["name"], description=data["description"])
        return f"The band “{band.name}” is added. Now add what it pays."
    if sent == "rate":
        services.rate_add(user=user, band=data["band"], pence=data["amount"], applies_from=data["applies_from"])
        return f"The new rate for “{data['band'].name}” is added."
    services.meeting_rate_set(user=user, body=data["body"], band=data["band"])
    return f"Saved: what meetings of the {data['body'].name} pay."
