"""Pages for moderation, comments and reports. Every write goes through proposals/moderation.py.

- The moderators' queue (/proposals/moderation/): held items first, those the word list flagged first of
  all with the crisis routes at hand, then reports not yet resolved. One item per page to decide on.
- A comment form under each proposal; a comment the word list flags is not put up and its author sees
  the crisis routes at once.
- "Report this" on a proposal or a comment: a small form with an optional reason.
- The author's own held or hidden proposal or comment: the kind words saying why, and a form to change it
  and send it again.

Anyone else asking for a held or hidden item gets 404, as if it were not there.
"""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from portal.home.pagination import page_links
from portal.responses import add_service_errors as _service_errors
from portal.responses import private as _private

from . import moderation, words
from .models import Comment, Proposal, Report
from .moderation_forms import CommentForm, DecideForm, ProposalChangeForm, ReportForm

PER_PAGE = 20


# --- helpers --------------------------------------------------------------------------------------

def _page(request, template: str, context: dict, form=None) -> HttpResponse:
    status = 400 if form is not None and form.errors else 200
    return _private(TemplateResponse(request, f"proposals/moderation/{template}", context, status=status))


def _signed_in(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None



def proposal_url(proposal: Proposal) -> str:
    return reverse("proposals:detail", kwargs={"pk": proposal.pk})


def _public_proposal(pk: int) -> Proposal:
    proposal = get_object_or_404(Proposal.objects.select_related("body"), pk=pk)
    if not moderation.is_public(proposal):
        raise Http404("No such proposal.")
    return proposal


def _public_comment(pk: int) -> Comment:
    comment = get_object_or_404(Comment.objects.select_related("proposal"), pk=pk)
    if not moderation.is_public(comment):
        raise Http404("No such comment.")
    return comment


# --- comments -------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def comment_new(request, pk: int):
    """Add a comment. A flagged one is kept back, and its author sees the crisis routes at once."""
    if gate := _signed_in(request):
        return gate
    proposal = _public_proposal(pk)
    if not moderation.can_comment(request.user):
        raise PermissionDenied("Only service users can comment on proposals.")
    form = CommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            comment = moderation.comment_post(proposal=proposal, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            if comment.status == Comment.Status.HELD:
                return _page(request, "held.html", {"proposal": proposal, "thing": "comment"})
            messages.success(request, "Your comment is up.")
            return redirect(proposal_url(proposal) + f"#comment-{comment.pk}")
    return _page(request, "comment_form.html", {"proposal": proposal, "form": form}, form)


@require_http_methods(["GET", "POST"])
def comment_resubmit(request, pk: int):
    """The author of a held or hidden comment reads why, changes it and sends it again."""
    if gate := _signed_in(request):
        return gate
    comment = get_object_or_404(Comment.objects.select_related("proposal"), pk=pk, author=request.user)
    if comment.status == Comment.Status.PUBLISHED:
        return redirect(proposal_url(comment.proposal) + f"#comment-{comment.pk}")
    form = CommentForm(request.POST or None, initial={"text": comment.text}, with_name=False)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.comment_resubmit(comment=comment, text=form.cleaned_data["text"], user=request.user)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, "Thank you. A moderator will read your comment again soon.")
            return redirect(proposal_url(comment.proposal) + f"#comment-{comment.pk}")
    context = {"item": comment, "proposal": comment.proposal, "form": form, "thing": "comment",
               "sentence": words.author_sentence(comment)}
    return _page(request, "resubmit.html", context, form)


# --- the author's proposal ------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def proposal_resubmit(request, pk: int):
    """The author of a held or hidden proposal reads why, changes it and sends it again."""
    if gate := _signed_in(request):
        return gate
    proposal = get_object_or_404(Proposal.objects.select_related("body"), pk=pk, author=request.user)
    if moderation.is_public(proposal):
        return redirect(proposal_url(proposal))
    fields = {name: getattr(proposal, name) for name in ("title", "change", "reason", "easy_read")}
    form = ProposalChangeForm(request.POST or None, initial=fields)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.proposal_resubmit(proposal=proposal, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, "Thank you. A moderator will read your proposal again soon.")
            return redirect(proposal_url(proposal))
    context = {"item": proposal, "proposal": proposal, "form": form, "thing": "proposal",
               "sentence": words.author_sentence(proposal)}
    return _page(request, "resubmit.html", context, form)


# --- reports --------------------------------------------------------------------------------------
def _report(request, item, proposal: Proposal, thing: str):
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.report_make(item=item, reason=form.cleaned_data["reason"], user=request.user)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            messages.success(request, "Thank you for telling us. A moderator will look at it soon.")
            anchor = f"#comment-{item.pk}" if isinstance(item, Comment) else ""
            return redirect(proposal_url(proposal) + anchor)
    return _page(request, "report_form.html", {"proposal": proposal, "form": form, "thing": thing, "item": item}, form)


@require_http_methods(["GET", "POST"])
def proposal_report(request, pk: int):
    """Ask a moderator to look at a proposal."""
    if gate := _signed_in(request):
        return gate
    proposal = _public_proposal(pk)
    return _report(request, proposal, proposal, "proposal")


@require_http_methods(["GET", "POST"])
def comment_report(request, pk: int):
    """Ask a moderator to look at a comment."""
    if gate := _signed_in(request):
        return gate
    comment = _public_comment(pk)
    return _report(request, comment, comment.proposal, "comment")


# --- the moderators' queue ------------------------------------------------------------------------
def _moderator(request):
    if gate := _signed_in(request):
        return gate
    if not moderation.can_moderate(request.user):
        raise PermissionDenied("Only moderators can see this page.")
    return None


def _held_entries() -> list[dict]:
    """Held proposals and comments, flagged by the word list first, then the longest waiting first."""
    entries = [{"kind": "proposal", "item": p, "proposal": p, "flagged": moderation.flagged(p)}
               for p in Proposal.objects.filter(status=Proposal.Status.HELD).select_related("body")]
    entries += [{"kind": "comment", "item": c, "proposal": c.proposal, "flagged": moderation.flagged(c)}
                for c in Comment.objects.filter(status=Comment.Status.HELD).select_related("proposal")]
    return sorted(entries, key=lambda e: (not e["flagged"], e["item"].created_at))


@require_http_methods(["GET"])
def queue(request):
    """What waits for a moderator: held items (flagged ones first), then reports not yet resolved."""
    if gate := _moderator(request):
        return gate
    reports = (Report.objects.filter(resolved_at__isnull=True)
               .select_related("proposal", "comment__proposal").order_by("created_at", "pk"))
    page_obj = Paginator(reports, PER_PAGE).get_page(request.GET.get("page"))
    held = _held_entries()
    context = {"held": held, "flagged_count": sum(1 for e in held if e["flagged"]), "reports": list(page_obj),
               "page_obj": page_obj, "pagination": page_links(request, page_obj, anchor="reports")}
    return _page(request, "queue.html", context)


def _decide_page(request, item, proposal: Proposal, kind: str):
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decide = {"hold": moderation.hold, "hide": moderation.hide, "publish": moderation.publish}
        action = decide[form.cleaned_data["action"]]
        try:
            action(item=item, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"], user=request.user)
        except ValidationError as error:
            _service_errors(form, error)
        else:
            done = {"hold": "kept back", "hide": "taken down", "publish": "up"}[form.cleaned_data["action"]]
            messages.success(request, f"Done: the {kind} is {done}. Its author has been told." if done != "up"
                             else f"Done: the {kind} is up.")
            return redirect("proposals:moderation-queue")
    reports = list(moderation.open_reports(item).order_by("created_at"))
    context = {"item": item, "proposal": proposal, "kind": kind, "form": form, "reports": reports,
               "flagged": moderation.flagged(item)}
    return _page(request, "decide.html", context, form)


@require_http_methods(["GET", "POST"])
def moderate_proposal(request, pk: int):
    """A moderator reads one proposal in full and holds, hides or publishes it, with a reason."""
    if gate := _moderator(request):
        return gate
    proposal = get_object_or_404(Proposal.objects.select_related("body"), pk=pk)
    return _decide_page(request, proposal, proposal, "proposal")


@require_http_methods(["GET", "POST"])
def moderate_comment(request, pk: int):
    """A moderator reads one comment in full and holds, hides or publishes it, with a reason."""
    if gate := _moderator(request):
        return gate
    comment = get_object_or_404(Comment.objects.select_related("proposal__body"), pk=pk)
    return _decide_page(request, comment, comment.proposal, "comment")
