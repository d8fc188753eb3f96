"""Minutes sign-off in the Wagtail admin: circulate, approve (as the chair, or by a later meeting's
decision), lock. Reached from the minutes page's editor ("Sign off minutes") and from the page listing.

Every step goes through the services in minutes.py (permission first, one transaction, one ledger event);
this module only shows who may do what next and turns refusals into plain messages.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from . import minutes as services
from . import minutes_permissions as perms
from .jobs import current_members
from .models import Decision, MinutesLocked, MinutesPage

Status = MinutesPage.Status


def approving_decisions(page: MinutesPage):
    """Carried decisions of later meetings of the same body: the ones that may approve these minutes."""
    meeting = page.meeting
    return (Decision.objects.filter(body_id=meeting.body_id, outcome=Decision.Outcome.CARRIED,
                                    meeting__starts_at__gt=meeting.starts_at)
            .select_related("meeting").order_by("-meeting__starts_at", "-pk"))


def _steps(user, page: MinutesPage) -> dict:
    return {
        "circulate": page.status == Status.DRAFT and perms.can_edit_minutes(user, page),
        "approve_chair": page.status == Status.CIRCULATED and perms.can_approve_as_chair(user, page),
        "approve_decision": page.status == Status.CIRCULATED and perms.can_approve_by_decision(user, page),
        "lock": page.status == Status.APPROVED and perms.can_lock(user, page),
    }


def _act(request, page: MinutesPage, step: str) -> str:
    user = request.user
    if step == "circulate":
        services.minutes_circulate(minutes=page, user=user)
        return "The minutes are circulated. The group's members have been emailed a link to read them."
    if step == "approve_chair":
        services.minutes_approve(minutes=page, by_chair=user, user=user)
        return "You approved the minutes. They are published and locked."
    if step == "approve_decision":
        decision = approving_decisions(page).filter(pk=request.POST.get("decision") or 0).first()
        if decision is None:
            raise services.MinutesRefused("Choose the decision of a later meeting that approved these minutes.")
        services.minutes_approve(minutes=page, by_decision=decision, user=user)
        return f"The minutes are approved by decision {decision.reference}. They are published and locked."
    if step == "lock":
        services.minutes_lock(minutes=page, user=user)
        return "The minutes are locked."
    raise services.MinutesRefused("Choose one of the steps on this page.")


def sign_off(request, pk: int):
    """Where the minutes are in their life, and the next step for whoever may take it."""
    page = get_object_or_404(MinutesPage.objects.select_related("meeting__body"), pk=pk)
    steps = _steps(request.user, page)
    if not (perms.can_edit_minutes(request.user, page) or perms.can_lock(request.user, page) or any(steps.values())):
        raise PermissionDenied("You cannot sign off these minutes.")
    if request.method == "POST":
        try:
            messages.success(request, _act(request, page, request.POST.get("step", "")))
        except services.MinutesRefused as refused:
            messages.error(request, refused.message)
        except PermissionDenied as refused:
            messages.error(request, str(refused) or "You cannot take that step.")
        except MinutesLocked as refused:
            messages.error(request, str(refused))
        return redirect(reverse("governance_minutes_sign_off", args=[page.pk]))
    context = {
        "page": page, "meeting": page.meeting, "body": page.meeting.body, "steps": steps,
        "decisions": approving_decisions(page) if steps["approve_decision"] else [],
        "members_emailed": current_members(page.meeting).count() if steps["circulate"] else 0,
        "chair_may_approve": page.meeting.body.chair_may_approve_minutes,
        "edit_url": reverse("wagtailadmin_pages:edit", args=[page.pk]),
        "circulated_url": reverse("governance:minutes-circulated", args=[page.pk]),
        "page_title": "Sign off minutes",
        "header_title": f"Sign off minutes: {page.title}",
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": "Home"},
            {"url": reverse("wagtailadmin_pages:edit", args=[page.pk]), "label": page.title},
            {"url": "", "label": "Sign off"},
        ],
    }
    return TemplateResponse(request, "governance/admin/minutes_sign_off.html", context)
