"""Where the audit ledger links governance objects: their public pages, which every reader of the
ledger may open (the admin's edit screens are only for those who may edit).

Registered in GovernanceConfig.ready with portal.audit.links.register_object_link; one query per kind.
"""

from django.urls import reverse

from .models import Body, Decision, Meeting


def _ints(ids: list[str]) -> list[int]:
    return [int(i) for i in ids if str(i).isdigit()]


def decision_urls(ids: list[str]) -> dict[str, str]:
    rows = Decision.objects.filter(pk__in=_ints(ids)).values_list("pk", "reference")
    return {str(pk): reverse("governance:decision-detail", args=[reference]) for pk, reference in rows}


def meeting_urls(ids: list[str]) -> dict[str, str]:
    """A meeting links to its group's page: the meeting's own page is the secretaries' recording screen."""
    rows = Meeting.objects.filter(pk__in=_ints(ids)).values_list("pk", "body__slug")
    return {str(pk): reverse("governance:body-detail", args=[slug]) for pk, slug in rows}


def body_urls(ids: list[str]) -> dict[str, str]:
    rows = Body.objects.filter(pk__in=_ints(ids)).values_list("pk", "slug")
    return {str(pk): reverse("governance:body-detail", args=[slug]) for pk, slug in rows}


LINKS = {"governance.decision": decision_urls, "governance.meeting": meeting_urls, "governance.body": body_urls}
