"""Members' pages for involvement: opportunities and "I'm interested", what you took part in and can
claim for, making a claim (your payment choice, expenses and receipts), a claim's page with finance's
question and your answer, your payments this tax year, your yearly statement (PDF) and your receipts.

Every page here is personal (never cached) and for signed-in people only. A claim, its receipts and its
notes are for the claimant and finance (involvement.permissions); anyone else is told it is not there
(404), so nobody learns whether a claim exists. Every write goes through involvement.services; a refused
write says why, in plain words, and loses nothing typed (files aside: a browser never sends them again).
"""

import datetime

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.pdf import html_to_pdf
from portal.responses import add_service_errors, private

from . import forms, permissions, selectors, services
from .models import Claim, Expense, Opportunity
from .rates import fee_for, rate_on
from .receipts import receipt_response

# The earliest tax year a statement can be asked for (the portal's first).
FIRST_TAX_YEAR = 2020


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return private(TemplateResponse(request, f"involvement/{template}", context, status=status))


def _signed_in(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def error_list(*forms_) -> list[tuple[str, str]]:
    """(anchor, message) for every error of `forms_`, each expense numbered, for the error summary."""
    found = []
    for form in forms_:
        number = getattr(form, "number", None)
        before = f"Expense {number}: " if number else ""
        for message in form.non_field_errors():
            anchor = f"id_{form.add_prefix('amount')}" if number else ""
            found.append((anchor, before + message))
        for field in form:
            found += [(field.id_for_label, before + message) for message in field.errors]
    return found


# --- opportunities ------------------------------------------------------------------------------------
@require_GET
def opportunity_list(request):
    """Open opportunities, soonest first, each with what it pays and whether you said you are interested."""
    if gate := _signed_in(request):
        return gate
    opportunities = list(selectors.open_opportunities())
    mine = {i.opportunity_id: i for i in selectors.interests_of(request.user)}
    rows = [(o, mine.get(o.pk)) for o in opportunities]
    context = {"rows": rows, "can_manage": permissions.can_manage_opportunities(request.user)}
    return _page(request, "opportunity_list.html", context)


def _opportunity(request, pk: int) -> Opportunity:
    opportunity = get_object_or_404(Opportunity.objects.select_related("rate_band"), pk=pk)
    if not permissions.can_view_opportunity(request.user, opportunity):
        raise Http404("No opportunity has that number.")
    return opportunity


@require_http_methods(["GET", "POST"])
def opportunity_detail(request, pk: int):
    """One opportunity in full, and "I'm interested" (with an optional note for staff)."""
    if gate := _signed_in(request):
        return gate
    opportunity = _opportunity(request, pk)
    interest = selectors.interest_of(request.user, opportunity)
    active = interest is not None and interest.status != interest.Status.WITHDRAWN
    can_express = not active and permissions.can_express_interest(request.user, opportunity)
    form = forms.InterestForm(request.POST or None)
    if request.method == "POST":
        if not can_express:
            raise PermissionDenied("Only members can say they are interested, while the opportunity is open.")
        if form.is_valid():
            try:
                services.interest_express(user=request.user, opportunity=opportunity, note=form.cleaned_data["note"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Thank you. We have your name. We will tell you if you are chosen.")
                return redirect("involvement:opportunity", pk=opportunity.pk)
    rate = rate_on(opportunity.rate_band, timezone.localdate(opportunity.starts_at))
    context = {
        "opportunity": opportunity, "interest": interest if active else None, "form": form,
        "can_express": can_express, "rate": rate,
        "can_withdraw": active and permissions.can_withdraw_interest(request.user, interest),
        "errors": error_list(form),
    }
    return _page(request, "opportunity_detail.html", context, status=400 if form.errors else 200)


@require_POST
def interest_withdraw(request, pk: int):
    """Take back your interest (until you have taken part)."""
    if gate := _signed_in(request):
        return gate
    opportunity = _opportunity(request, pk)
    interest = selectors.interest_of(request.user, opportunity)
    if interest is None or not permissions.can_withdraw_interest(request.user, interest):
        messages.error(request, "There is nothing to take back.")
    else:
        try:
            services.interest_withdraw(user=request.user, interest=interest)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "You are no longer down as interested.")
    return redirect("involvement:opportunity", pk=opportunity.pk)


# --- your involvement and payments --------------------------------------------------------------------
@require_GET
def mine(request):
    """What you can claim for, your claims and where each is, what you were paid this tax year, your
    statements and the opportunities you said you are interested in."""
    if gate := _signed_in(request):
        return gate
    user = request.user
    start, end = selectors.tax_year(timezone.localdate())
    context = {
        "claimable": list(selectors.claimable(user)),
        "claims": list(selectors.claims_of(user)),
        "paid": selectors.paid_in_tax_year(user, start),
        "year_start": start, "year_end": end,
        "statement_years": _statement_years(user, start),
        "interests": [i for i in selectors.interests_of(user) if i.status != i.Status.WITHDRAWN],
    }
    return _page(request, "mine.html", context)


def _statement_years(person, this_year: datetime.date) -> list[dict]:
    """This tax year and every earlier one in which the person was paid, newest first."""
    starts = sorted(set(selectors.tax_years_of(person)) | {this_year}, reverse=True)
    return [{"year": start.year, "label": selectors.tax_year_label(start)} for start in starts]


# --- making a claim -----------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def claim_new(request, pk: int):
    """Claim for one thing you took part in: the fee at the rate on that day (your choice how, or none)
    and your costs, each with a receipt if you have one."""
    if gate := _signed_in(request):
        return gate
    participation = selectors.participation_for_claim(request.user, pk)
    if hasattr(participation, "claim"):
        messages.info(request, "You have already claimed for this. Here is your claim.")
        return redirect("involvement:claim", pk=participation.claim.pk)
    rate, fee_pence = fee_for(participation)
    paid = participation.rate_band_id is not None
    choice = forms.PaymentChoiceForm(request.POST or None, paid=paid)
    expenses = forms.expense_forms(request.POST or None, request.FILES or None)
    if request.method == "POST":
        valid = all([choice.is_valid(), *[form.is_valid() for form in expenses]])
        if valid:
            try:
                claim = services.claim_make(
                    user=request.user, participation=participation, choice=choice.cleaned_data["choice"],
                    expenses=[e for e in (form.expense() for form in expenses) if e is not None],
                )
            except ValidationError as error:
                _claim_errors(error, choice, expenses)
            else:
                messages.success(request, f"Thank you. Your claim {claim.reference} is sent. "
                                          "We will check it and tell you when it is paid.")
                return redirect("involvement:claim", pk=claim.pk)
    errors = error_list(choice, *expenses)
    context = {"participation": participation, "rate": rate, "fee_pence": fee_pence, "paid": paid,
               "no_rate": paid and rate is None, "choice": choice, "expenses": expenses, "errors": errors}
    return _page(request, "claim_form.html", context, status=400 if errors else 200)


def _claim_errors(error: ValidationError, choice, expenses: list) -> None:
    """A service's refusal, put beside what it is about: "receipt" (or "receipt_<n>" for the n-th expense
    sent, 0-based), "choice", or the whole form."""
    sent = [form for form in expenses if not form.empty]
    if not hasattr(error, "error_dict"):
        choice.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        if name == "choice":
            choice.add_error("choice", errors)
        elif name.startswith("receipt") and sent:
            index = int(name.rpartition("_")[2]) if name[len("receipt"):].startswith("_") else 0
            sent[min(index, len(sent) - 1)].add_error("receipt", errors)
        elif name in ("pence", "amount", "kind", "description") and sent:
            sent[0].add_error("amount" if name == "pence" else name, errors)
        else:
            choice.add_error(None, errors)


# --- a claim ------------------------------------------------------------------------------------------
def _own_claim(request, pk: int) -> Claim:
    """The signed-in person's own claim `pk`; 404 for anyone else's (finance reads claims on its own pages)."""
    claim = selectors.claim_for_view(pk)
    if not permissions.can_view_claim(request.user, claim) or claim.payee.person_id != request.user.pk:
        raise Http404("You have no claim with that number.")
    return claim


@require_http_methods(["GET", "POST"])
def claim_detail(request, pk: int):
    """Your claim: what it is for, the amounts, where it is, finance's question and your answer."""
    if gate := _signed_in(request):
        return gate
    claim = _own_claim(request, pk)
    can_answer = permissions.can_answer_claim(request.user, claim)
    answer = forms.AnswerForm(request.POST or None)
    extra = forms.ExpenseForm(request.POST or None, request.FILES or None, prefix="expense-0", number=1)
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied("This claim has no question to answer.")
        if all([answer.is_valid(), extra.is_valid()]):
            added = extra.expense()
            try:
                services.claim_answer(user=request.user, claim=claim, text=answer.cleaned_data["text"],
                                      expenses=[added] if added else [])
            except ValidationError as error:
                _claim_errors(error, answer, [extra])
            else:
                messages.success(request, "Thank you. Your answer is sent. We will look at your claim again.")
                return redirect("involvement:claim", pk=claim.pk)
    errors = error_list(answer, extra)
    context = {"claim": claim, "expenses": list(claim.expenses.all()), "notes": _notes_for_claimant(claim),
               "can_answer": can_answer, "answer": answer, "extra": extra, "errors": errors,
               "can_withdraw": permissions.can_withdraw_claim(request.user, claim)}
    return _page(request, "claim_detail.html", context, status=400 if errors else 200)


def _notes_for_claimant(claim: Claim) -> list:
    """Finance's questions and the claimant's answers (approval notes are finance's own)."""
    return [note for note in claim.notes.all() if note.kind != note.Kind.APPROVE]


@require_POST
def claim_withdraw(request, pk: int):
    """Take back a claim that is not approved yet (you can claim for the same thing again)."""
    if gate := _signed_in(request):
        return gate
    claim = _own_claim(request, pk)
    try:
        services.claim_withdraw(user=request.user, claim=claim)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, f"Your claim {claim.reference} is withdrawn.")
    return redirect("involvement:mine")


@require_GET
def receipt(request, pk: int):
    """A receipt, for the person who claimed and for finance only, as a download nobody may cache."""
    if gate := _signed_in(request):
        return gate
    expense = get_object_or_404(Expense.objects.select_related("claim__payee"), pk=pk)
    if not expense.receipt or not permissions.can_view_receipt(request.user, expense):
        raise Http404("There is no receipt with that number.")
    return receipt_response(expense)


# --- the yearly statement -----------------------------------------------------------------------------
@require_GET
def statement_pdf(request, year: int):
    """Your statement for the tax year starting 6 April `year`: every payment, to keep (a PDF)."""
    if gate := _signed_in(request):
        return gate
    this_year = selectors.tax_year(timezone.localdate())[0].year
    if not FIRST_TAX_YEAR <= year <= this_year:
        raise Http404("There is no statement for that year.")
    start = _tax_year_start(year)
    context = {"statement": selectors.statement(request.user, start), "person": request.user,
               "made_on": timezone.localdate()}
    html = render_to_string("involvement/statement_pdf.html", context, request=request)
    response = HttpResponse(html_to_pdf(html, base_url=request.build_absolute_uri("/")), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="involvement-statement-{year}-to-{year + 1}.pdf"'
    return private(response)


def _tax_year_start(year: int) -> datetime.date:
    """6 April `year`: the first day of the tax year people call "`year` to `year + 1`"."""
    return selectors.tax_year(datetime.date(year, 4, 6))[0]
