"""Staff pages for involvement opportunities (secretaries and finance): the list, adding and changing
one, the people who said they are interested (select, confirm, not this time, took part), closing or
cancelling it, and recording event or other work as something a person can claim for.

Confirming someone emails them when and where, what to bring and how to claim (the service queues it);
marking them as having taken part makes the participation record they claim from, once.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from portal.responses import add_service_errors, private

from . import forms, permissions, selectors, services
from .models import Interest, Opportunity
from .views import error_list

# What each button on a person's row does, and what the page then says.
INTEREST_ACTIONS = {
    "select": (services.interest_select, "{name} is selected. Confirm them when they have said yes."),
    "confirm": (services.interest_confirm, "{name} is confirmed. We have emailed them the details."),
    "not_selected": (services.interest_not_selected, "{name} is not selected this time."),
    "attended": (lambda *, user, interest: services.opportunity_attended(user=user, interest=interest),
                 "{name} took part. They can now claim for it."),
}
STATUS_ACTIONS = {
    "close": (Opportunity.Status.CLOSED, "The opportunity is closed. Nobody new can say they are interested."),
    "cancel": (Opportunity.Status.CANCELLED, "The opportunity is cancelled."),
    "open": (Opportunity.Status.OPEN, "The opportunity is open again."),
}


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return private(TemplateResponse(request, f"involvement/staff/{template}", context, status=status))


def _staff(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.can_manage_opportunities(request.user):
        raise PermissionDenied("Only secretaries and finance staff can manage opportunities.")
    return None


@require_GET
def opportunities(request):
    """Every opportunity, soonest first, with how many people are interested and confirmed."""
    if gate := _staff(request):
        return gate
    context = {"opportunities": list(selectors.opportunities_for_staff()), "now": timezone.now(),
               "can_record_event": permissions.can_record_event(request.user)}
    return _page(request, "opportunities.html", context)


@require_http_methods(["GET", "POST"])
def opportunity_new(request):
    """Add an opportunity: it is open for members at once."""
    if gate := _staff(request):
        return gate
    form = forms.OpportunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_publish(user=request.user, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The opportunity is up. Members can now say they are interested.")
            return redirect("involvement:staff-opportunity", pk=opportunity.pk)
    context = {"form": form, "errors": error_list(form), "opportunity": None}
    return _page(request, "opportunity_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def opportunity_change(request, pk: int):
    """Change an opportunity's details (people who are confirmed are not emailed again)."""
    if gate := _staff(request):
        return gate
    opportunity = get_object_or_404(Opportunity, pk=pk)
    local = timezone.localtime(opportunity.starts_at)
    initial = {name: getattr(opportunity, name) for name in (
        "title", "purpose", "kind", "duration_minutes", "place", "rate_band", "places", "support_offered",
        "what_to_bring")}
    initial.update(day=local.date(), start_hour=local.hour, start_minute=local.minute)
    form = forms.OpportunityForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.opportunity_update(user=request.user, opportunity=opportunity, **form.service_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The opportunity is changed.")
            return redirect("involvement:staff-opportunity", pk=opportunity.pk)
    context = {"form": form, "errors": error_list(form), "opportunity": opportunity}
    return _page(request, "opportunity_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def opportunity_people(request, pk: int):
    """The opportunity and everyone interested, with a button for each next step."""
    if gate := _staff(request):
        return gate
    opportunity = get_object_or_404(Opportunity.objects.select_related("rate_band"), pk=pk)
    if request.method == "POST":
        _act(request, opportunity)
        return redirect("involvement:staff-opportunity", pk=opportunity.pk)
    interests = list(selectors.interests_for(opportunity))
    counts = {status: sum(1 for i in interests if i.status == status) for status in Interest.Status.values}
    context = {"opportunity": opportunity, "interests": interests, "counts": counts,
               "started": opportunity.starts_at <= timezone.now()}
    return _page(request, "opportunity_people.html", context)


def _act(request, opportunity: Opportunity) -> None:
    """Run the button pressed: a step for one person, or opening, closing or cancelling the opportunity."""
    action = request.POST.get("action", "")
    try:
        if action in STATUS_ACTIONS:
            status, done = STATUS_ACTIONS[action]
            services.opportunity_set_status(user=request.user, opportunity=opportunity, status=status)
            messages.success(request, done)
            return
        interest = opportunity.interests.select_related("person").filter(pk=_number(request.POST.get("interest"))).first()
        if action not in INTEREST_ACTIONS or interest is None:
            messages.error(request, "Nothing was changed. Choose a button beside a person's name.")
            return
        run, done = INTEREST_ACTIONS[action]
        run(user=request.user, interest=interest)
        name = interest.person.display_name if interest.person_id else "The person"
        messages.success(request, done.format(name=name))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))


def _number(text) -> int:
    return int(text) if isinstance(text, str) and text.isdigit() and len(text) < 12 else 0


@require_http_methods(["GET", "POST"])
def event_work(request):
    """Record event or other work a person did, so they can claim for it."""
    if gate := _staff(request):
        return gate
    form = forms.EventWorkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.event_participation_record(user=request.user, person=form.person, day=data["day"],
                                                minutes=data["minutes"], activity=data["activity"],
                                                rate_band=data["rate_band"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "The work is recorded. The person can now claim for it.")
            return redirect("involvement:staff")
    context = {"form": form, "errors": error_list(form)}
    return _page(request, "event_work.html", context, status=400 if form.errors else 200)
