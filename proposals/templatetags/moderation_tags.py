"""Template tags for moderation: the comments under a proposal, the kind words to an author, and the
author's own held or hidden posts on their account page.

The comments list never reads a commenter's name unless they chose to show it: the tag hands the
template a name already decided ("a member" otherwise), never the author.
"""

import functools
import re
from dataclasses import dataclass

from django import template
from django.core.paginator import Paginator
from django.db.models import Q
from django.urls import reverse

from portal.home.pagination import page_links

from .. import moderation, words
from ..models import Comment, Proposal
from ..moderation_forms import CommentForm

register = template.Library()

COMMENTS_PER_PAGE = 20
A_MEMBER = "a member"


@dataclass
class CommentEntry:
    pk: int
    text: str
    name: str
    created_at: object
    public: bool
    notice: dict | None


def _name(comment: Comment) -> str:
    if comment.show_name and comment.author is not None and comment.author.display_name:
        return comment.author.display_name
    return A_MEMBER


def _notice(item, user) -> dict | None:
    """Why the item is not up, for its author (who may change it) and for moderators; None for others."""
    sentence = words.author_sentence(item)
    mine = getattr(user, "is_authenticated", False) and item.author_id == user.pk
    if not sentence or not (mine or moderation.can_moderate(user)):
        return None
    thing = "proposal" if isinstance(item, Proposal) else "comment"
    change_url = reverse(f"proposals:{thing}-resubmit", kwargs={"pk": item.pk})
    return {"sentence": sentence, "note": item.moderation_note, "thing": thing, "can_change": mine,
            "change_url": change_url}


def _comment_page_links(request, page_obj) -> dict:
    """The shared pagination links, with the page number in `comments=` so the proposal page's own
    `page=` (if it has one) is left alone."""
    links = page_links(request, page_obj, anchor="comments")
    rename = functools.partial(re.sub, r"(?<=[?&])page=", "comments=")
    for item in links["items"]:
        if "url" in item:
            item["url"] = rename(item["url"])
    links["previous"], links["next"] = rename(links["previous"]), rename(links["next"])
    return links


@register.simple_tag(takes_context=True)
def comments_for(context, proposal: Proposal) -> dict:
    """One page of the proposal's comments, oldest first (newest last): the published ones, and the
    viewer's own that wait for a moderator or were taken down (with the kind words saying why).
    Three queries a page however many comments there are (the count, the page, and the viewer's roles)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    visible = Q(status=Comment.Status.PUBLISHED)
    if user is not None and user.is_authenticated:
        visible |= Q(author=user)
    comments = (Comment.objects.filter(visible, proposal=proposal).select_related("author")
                .order_by("created_at", "pk"))
    page_obj = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("comments") if request else None)
    entries = [
        CommentEntry(c.pk, c.text, _name(c), c.created_at, c.status == Comment.Status.PUBLISHED,
                     None if c.status == Comment.Status.PUBLISHED else _notice(c, user))
        for c in page_obj
    ]
    pagination = _comment_page_links(request, page_obj) if request else {}
    signed_in = bool(user is not None and user.is_authenticated)
    return {"entries": entries, "page_obj": page_obj, "pagination": pagination, "signed_in": signed_in,
            "can_comment": signed_in and moderation.can_comment(user) and moderation.is_public(proposal)}


@register.simple_tag(takes_context=True)
def author_notice(context, item) -> dict | None:
    """The kind words on a held or hidden proposal or comment, for its author and moderators only."""
    request = context.get("request")
    return _notice(item, getattr(request, "user", None))


@register.inclusion_tag("proposals/moderation/mine.html")
def my_moderated(user) -> dict:
    """A person's own proposals and comments that are not up, each with the kind words and the way to
    change it, for their account page."""
    proposals = Proposal.objects.filter(author=user, status__in=moderation.NOT_PUBLIC[Proposal]).order_by("-created_at")
    comments = (Comment.objects.filter(author=user, status__in=moderation.NOT_PUBLIC[Comment])
                .select_related("proposal").order_by("-created_at"))
    items = [(p.title, _notice(p, user)) for p in proposals]
    items += [(f"Your comment on “{c.proposal.title}”", _notice(c, user)) for c in comments]
    return {"items": items}


@register.simple_tag
def comment_form():
    """An empty comment form, for the proposal page (the comment page itself handles what was typed)."""
    return CommentForm()
