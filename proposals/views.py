"""Pages for proposals: the public list (and its CSV), raising one (yourself or for someone), a
proposal's page with its public timeline, supporting, and the secretary's buttons and decision form.

Public pages run a fixed number of queries whatever the number of supports. A held or hidden proposal
is answered with 404 to anyone but its author, who entered it, and moderators. Every write goes
through proposals.services; a refused write says why, in plain words, and loses nothing typed.
"""

import csv

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance.models import Meeting
from portal.csv_safety import formula_safe
from portal.home.pagination import page_links
from portal.responses import add_service_errors as _service_errors
from portal.responses import private as _private

from . import forms, permissions, selectors, services
from .models import Proposal
from .screening import may_be_at_risk

PER_PAGE = 20




def _visible(request, pk: int) -> Proposal:
    proposal = selectors.proposal_detail(pk)
    if proposal is None or not permissions.can_view_proposal(request.user, proposal):
        raise Http404("No proposal has that number.")
    return proposal


# --- public -------------------------------------------------------------------------------------------
def _filtered(request):
    bodies = list(selectors.bodies_taking_proposals())
    form = forms.ListFilterForm(request.GET or None, bodies=bodies)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    body = next((b for b in bodies if b.slug == filters.get("body")), None)
    return form, filters, selectors.public_proposals(body=body, status=filters.get("status", ""))


@require_GET
def proposal_list(request):
    """Proposals members raised, by group and by where they are: open, on the agenda, decided."""
    form, filters, proposals = _filtered(request)
    page_obj = Paginator(proposals, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page_obj,
        "proposals": list(page_obj),
        "pagination": page_links(request, page_obj),
        "filtered": any(filters.values()) if filters else False,
        "can_raise": permissions.is_service_user(request.user),
        "can_raise_for_someone": permissions.is_peer_worker(request.user),
    }
    return TemplateResponse(request, "proposals/proposal_list.html", context)


@require_GET
def proposal_list_csv(request):
    """The same list as a CSV file (the filters apply). Authors appear only when they chose to be named."""
    _form, _filters, proposals = _filtered(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="proposals.csv"'
    writer = csv.writer(response)
    writer.writerow(["number", "group", "title", "raised by", "raised on", "status", "supports", "answer due by",
                     "overdue", "decision"])
    for p in proposals.iterator(chunk_size=500):
        writer.writerow([formula_safe(v) for v in (
            p.pk, p.body.name, p.title, selectors.author_words(p),
            timezone.localdate(p.published_at).isoformat() if p.published_at else "", p.get_status_display(),
            p.support_count, p.respond_by.isoformat() if p.respond_by else "", "yes" if p.overdue else "no",
            p.decision.reference if p.decision_id else "",
        )])
    return response


@require_GET
def proposal_detail(request, pk: int):
    """A proposal and its public timeline: raised, support, the agenda, the decision and what followed."""
    proposal = _visible(request, pk)
    user = request.user
    rules = getattr(proposal.body, "proposal_rules", None)
    needed = selectors.support_needed(rules)
    mine = user.is_authenticated and user.pk in (proposal.author_id, proposal.entered_by_id)
    supported = selectors.has_supported(user, proposal)
    context = {
        "proposal": proposal,
        "author": selectors.author_words(proposal),
        "needed": needed,
        "timeline": selectors.timeline(proposal, needed),
        "is_mine": mine,
        "supported": supported,
        "can_support": not supported and permissions.can_support_proposal(user, proposal),
        "can_withdraw": supported and permissions.can_withdraw_support(user, proposal),
        "can_take_forward": permissions.can_take_forward(user, proposal),
        "can_decide": permissions.can_record_decision(user, proposal),
        "can_place": permissions.can_place_on_agenda(user, proposal),
        "show_crisis": mine and proposal.status == Proposal.Status.HELD
        and may_be_at_risk(proposal.title, proposal.change, proposal.reason, proposal.easy_read),
    }
    response = TemplateResponse(request, "proposals/proposal_detail.html", context)
    return response if proposal.status in permissions.PUBLIC_STATUSES else _private(response)


# --- raising ------------------------------------------------------------------------------------------
def _raise_page(request, form, assisted: bool, status: int = 200) -> HttpResponse:
    context = {"form": form, "assisted": assisted}
    return _private(TemplateResponse(request, "proposals/proposal_form.html", context, status=status))


@require_http_methods(["GET", "POST"])
def proposal_new(request):
    """A service user raises a proposal to a group that takes them."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.is_service_user(request.user):
        raise PermissionDenied("Only service-user members can raise a proposal.")
    return _raise(request, forms.RaiseForm, assisted=False)


@require_http_methods(["GET", "POST"])
def proposal_new_assisted(request):
    """A peer worker raises a proposal for a service user who asked them to, with their consent."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.is_peer_worker(request.user):
        raise PermissionDenied("Only peer workers can raise a proposal for someone else.")
    return _raise(request, forms.AssistedRaiseForm, assisted=True)


def _raise(request, form_class, assisted: bool) -> HttpResponse:
    bodies = selectors.bodies_taking_proposals()
    form = form_class(request.POST or None, bodies=bodies)
    if not bodies:
        return _raise_page(request, form, assisted)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        extra = {"author": form.author, "consent_statement": data["consent_statement"]} if assisted else {}
        try:
            proposal = services.proposal_raise(
                body=data["body"], title=data["title"], change=data["change"], reason=data["reason"],
                easy_read=data["easy_read"], show_name=data["show_name"], user=request.user, **extra,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            if proposal.status == Proposal.Status.OPEN:
                messages.success(request, "Your proposal is up. Other members can support it now.")
            return redirect("proposals:detail", pk=proposal.pk)
    return _raise_page(request, form, assisted, status=400 if form.errors else 200)


# --- supporting ---------------------------------------------------------------------------------------
def _post_action(request, pk: int, action, done: str):
    """Run `action(proposal)` for a signed-in person and go back to the proposal, saying what happened."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("proposals:detail", args=[pk]))
    proposal = _visible(request, pk)
    try:
        action(proposal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("proposals:detail", pk=proposal.pk)


@require_POST
def proposal_support(request, pk: int):
    return _post_action(request, pk, lambda p: services.support_add(proposal=p, user=request.user),
                        "Thank you. You support this proposal.")


@require_POST
def proposal_support_withdraw(request, pk: int):
    return _post_action(request, pk, lambda p: services.support_withdraw(proposal=p, user=request.user),
                        "You no longer support this proposal.")


@require_POST
def proposal_take_forward(request, pk: int):
    return _post_action(request, pk, lambda p: services.proposal_take_forward(proposal=p, user=request.user),
                        "The proposal is on the agenda. It needs an answer by the date shown.")


@require_POST
def proposal_place(request, pk: int):
    def place(proposal):
        if not permissions.can_place_on_agenda(request.user, proposal):
            raise PermissionDenied("Only the group's secretaries can do this.")
        if not services.agenda_place_waiting(body=proposal.body, user=request.user):
            raise ValidationError("The group has no meeting set yet. Set one up, then try again.")

    return _post_action(request, pk, place, "The proposal is on the agenda of the next meeting.")


# --- the decision -------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def proposal_decide(request, pk: int):
    """A secretary records the group's answer to a proposal on its agenda."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    proposal = _visible(request, pk)
    if not permissions.can_record_decision(request.user, proposal):
        raise PermissionDenied("Only the group's secretaries can record a decision on a proposal on its agenda.")
    meetings = Meeting.objects.filter(body=proposal.body).exclude(status=Meeting.Status.CANCELLED).order_by("-starts_at")
    agenda_meeting = proposal.agenda_item.meeting if proposal.agenda_item_id else None
    initial = {"meeting": agenda_meeting.pk} if agenda_meeting and agenda_meeting.starts_at <= timezone.now() else {}
    form = forms.DecisionForm(request.POST or None, meetings=meetings, themes=forms.theme_choices(), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.proposal_decide(proposal=proposal, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, f"Decision {decision.reference} is recorded. The proposal's timeline shows it.")
            return redirect("proposals:detail", pk=proposal.pk)
    context = {"proposal": proposal, "form": form}
    status = 400 if form.errors else 200
    return _private(TemplateResponse(request, "proposals/decision_form.html", context, status=status))
