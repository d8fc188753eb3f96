"""Returning officers' actions on a ballot: upload the electorate list, open (freezing the roll), close."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from . import services
from .models import Ballot, ListedVoter, RollEntry


def _ballot_for(request, pk: int) -> Ballot:
    if not request.user.has_perm("voting.change_ballot"):
        raise PermissionDenied
    return get_object_or_404(Ballot, pk=pk)


def _edit_url(ballot: Ballot) -> str:
    return reverse("voting_admin_ballots:edit", args=[ballot.pk])


def _render(request, template: str, ballot: Ballot, title: str, **context):
    context.update(
        ballot=ballot,
        page_title=title,
        header_title=f"{title}: {ballot.title}",
        edit_url=_edit_url(ballot),
        breadcrumbs_items=[
            {"url": reverse("wagtailadmin_home"), "label": "Home"},
            {"url": reverse("voting_admin_ballots:index"), "label": "Ballots"},
            {"url": _edit_url(ballot), "label": ballot.title},
            {"url": "", "label": title},
        ],
    )
    return TemplateResponse(request, template, context, status=context.pop("status", 200))


def electorate(request, pk: int):
    """Upload the list of people who can vote (CSV with an 'email' column). All rows or none."""
    ballot = _ballot_for(request, pk)
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("list")
        if not ballot.is_draft:
            errors = [services.FROZEN_ELECTORATE]
        elif upload is None:
            errors = ["Choose a CSV file to upload."]
        else:
            try:
                count = services.electorate_import(ballot=ballot, user=request.user, raw=upload.read(services.MAX_LIST_BYTES + 1))
            except services.ElectorateFileError as refused:
                errors = refused.errors
            else:
                messages.success(request, f"{count} people are now on the list for this ballot.")
                return redirect(reverse("voting_admin_ballot_electorate", args=[ballot.pk]))
    listed = ListedVoter.objects.filter(ballot=ballot).select_related("voter").order_by("voter__email")
    return _render(
        request, "voting/admin/electorate.html", ballot, "Electorate list",
        errors=errors, listed=listed[:200], listed_count=listed.count(), status=400 if errors else 200,
    )


def open_ballot(request, pk: int):
    """Check, then open: the roll is frozen and nothing voters see can change afterwards."""
    ballot = _ballot_for(request, pk)
    problems = services.ballot_open_problems(ballot) if ballot.is_draft else []
    if request.method == "POST" and ballot.is_draft and not problems:
        try:
            services.ballot_open(ballot=ballot, user=request.user)
        except services.VotingRefused as refused:
            problems = [str(refused)]
        else:
            roll = RollEntry.objects.filter(ballot=ballot).count()
            messages.success(request, f"The ballot is open. {roll} people are on the roll; it can no longer change.")
            return redirect(_edit_url(ballot))
    return _render(
        request, "voting/admin/open.html", ballot, "Open the ballot",
        problems=problems, preview=services.electorate_preview(ballot) if ballot.is_draft else None,
        options=ballot.options.all(), status=400 if request.method == "POST" else 200,
    )


def close_ballot(request, pk: int):
    """Close now (before the scheduled time if need be) and count."""
    ballot = _ballot_for(request, pk)
    if request.method == "POST" and ballot.status == Ballot.Status.OPEN:
        try:
            services.ballot_close(ballot=ballot, user=request.user)
        except services.VotingRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, "The ballot is closed and counted. The results are now public.")
        return redirect(_edit_url(ballot))
    voted = RollEntry.objects.filter(ballot=ballot, has_voted=True).count()
    roll = RollEntry.objects.filter(ballot=ballot).count()
    return _render(request, "voting/admin/close.html", ballot, "Close the ballot", voted=voted, roll=roll,
                   paper=services.paper_counts(ballot), counting_ends=services.paper_counting_ends(ballot))
