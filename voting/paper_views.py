"""Paper votes, for returning officers: while voting is open, mark a voter on the roll as voting on paper;
once it has closed, type in each paper from the mixed box, and have a second returning officer type it in
again, blind, before it counts."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from portal.responses import private

from . import services
from .forms import BallotPaperForm, PaperVoterForm
from .models import Ballot, PaperVote


def _ballot(request, pk: int):
    """(ballot, None) for a returning officer; else (None, a sign-in redirect) or PermissionDenied."""
    if not request.user.is_authenticated:
        return None, redirect_to_login(request.get_full_path())
    if not request.user.has_perm("voting.change_ballot"):
        raise PermissionDenied("Only returning officers record paper votes.")
    return get_object_or_404(Ballot.objects.exclude(status=Ballot.Status.DRAFT), pk=pk), None


def _render(request, template: str, ballot: Ballot, status: int = 200, **context):
    context.update(ballot=ballot, counts=services.paper_counts(ballot), stage=services.paper_stage(ballot),
                   counting_ends=services.paper_counting_ends(ballot))
    return private(TemplateResponse(request, template, context, status=status))


def _attempt(form, step):
    """Run one paper-vote step: (its result, "") or (None, the plain reason it was refused). Choices the
    ballot cannot take go on the form as its error."""
    try:
        return step(), ""
    except services.PaperVoteRefused as no:
        return None, str(no)
    except ValidationError as invalid:
        form.add_error(None, invalid)
        return None, ""


@require_http_methods(["GET", "POST"])
def paper_votes(request, pk: int):
    """Where things stand, and the form that marks a voter on the roll as voting on paper."""
    ballot, refused = _ballot(request, pk)
    if refused:
        return refused
    form = PaperVoterForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.paper_voter_mark(ballot=ballot, email=form.cleaned_data["email"], user=request.user)
            except services.PaperVoteRefused as no:
                form.add_error("email", str(no))
            else:
                messages.success(request, "Marked on the roll as voting on paper. Give them a paper now.")
                return redirect("voting:paper-votes", pk=ballot.pk)
        status = 400
    papers = PaperVote.objects.filter(ballot=ballot).select_related("entered_by", "checked_by")
    return _render(request, "voting/paper/overview.html", ballot, status=status, form=form, papers=papers)


@require_http_methods(["GET", "POST"])
def paper_vote_new(request, pk: int):
    """Type in one paper, as marked."""
    ballot, refused = _ballot(request, pk)
    if refused:
        return refused
    spoilt = request.method == "POST" and "spoilt" in request.POST
    form = BallotPaperForm(ballot, None if spoilt else (request.POST or None), heading="h2")
    problem = ""
    if spoilt or (request.method == "POST" and form.is_valid()):
        paper, problem = _attempt(form, lambda: services.paper_vote_enter(
            ballot=ballot, user=request.user, choices=None if spoilt else form.choices_value(), spoilt=spoilt))
        if paper is not None:
            messages.success(request, f"Paper {paper.label} typed in. Write {paper.label} on the paper and give it "
                                      "to another returning officer to check.")
            return redirect("voting:paper-votes", pk=ballot.pk)
    status = 400 if request.method == "POST" else 200
    return _render(request, "voting/paper/enter.html", ballot, status=status, form=form, problem=problem)


@require_http_methods(["GET", "POST"])
def paper_vote_check(request, pk: int, number: int):
    """The second person types the same paper in again without seeing the first entry."""
    ballot, refused = _ballot(request, pk)
    if refused:
        return refused
    paper = get_object_or_404(PaperVote, ballot=ballot, number=number)
    spoilt = request.method == "POST" and "spoilt" in request.POST
    form = BallotPaperForm(ballot, None if spoilt else (request.POST or None), heading="h2")
    problem = ""
    if request.method == "POST" and "set_aside" in request.POST:
        try:
            services.paper_vote_set_aside(paper=paper, user=request.user)
        except services.PaperVoteRefused as no:
            problem = str(no)
        else:
            messages.success(request, f"Paper {paper.label} is set aside and will not count. Type the paper in again.")
            return redirect("voting:paper-votes", pk=ballot.pk)
    elif spoilt or (request.method == "POST" and form.is_valid()):
        matched, problem = _attempt(form, lambda: services.paper_vote_check(
            paper=paper, user=request.user, choices=None if spoilt else form.choices_value(), spoilt=spoilt))
        if matched:
            counts = "It will not be counted: it is blank or spoilt." if spoilt else "It will be counted when the ballot closes."
            messages.success(request, f"Paper {paper.label} matches. {counts}")
            return redirect("voting:paper-votes", pk=ballot.pk)
        if matched is False:
            messages.warning(request, f"Paper {paper.label} did not match how it was first typed in, so it has been "
                                      f"set aside and will not count. Cross out {paper.label} on the paper and put it "
                                      "with the papers still to type in. Someone will type it in again and a "
                                      "different person will check it.")
            return redirect("voting:paper-votes", pk=ballot.pk)
    if problem:
        paper.refresh_from_db()
    status = 400 if request.method == "POST" else 200
    return _render(request, "voting/paper/check.html", ballot, status=status, form=form, paper=paper, problem=problem,
                   own=paper.entered_by_id == request.user.pk)
