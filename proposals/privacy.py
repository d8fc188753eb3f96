"""What proposals holds about a person, for "Your data" and erasure. Found by `portal.privacy` when it
starts.

Erasure keeps proposals, supports and comments (a body may already have decided on them, and their
counts are part of the record) but never with a name: every one the person wrote becomes "a member",
and the account they point to becomes the husk with everything else.
"""

from portal.accounts.data_export import register_section
from portal.privacy.registry import RAISED, register_eraser, register_keeper, register_page_part
from portal.privacy.your_data import Entry, day

from .agenda import agenda_item_refresh
from .models import Comment, Proposal, Support


def _named(show_name: bool) -> str:
    return "Your name is shown with it." if show_name else "It says “a member”, not your name."


def raised_for_page(person) -> list[Entry]:
    """Proposals the person raised, proposals they support, and their comments. Three queries."""
    entries = [
        Entry(p.title, status=f"You raised this proposal to the {p.body.name}. It is: {p.get_status_display().lower()}.",
              rows=[("Raised", day(p.created_at)), ("Supports", str(p.support_count))], note=_named(p.show_name))
        for p in Proposal.objects.filter(author=person).select_related("body").order_by("created_at", "pk")
    ]
    supports = Support.objects.filter(person=person).select_related("proposal").order_by("created_at", "pk")
    entries += [
        Entry(s.proposal.title,
              status="You support this proposal." if s.withdrawn_at is None else "You supported this proposal, then took it back.",
              rows=[("Supported", day(s.created_at))])
        for s in supports
    ]
    comments = Comment.objects.filter(author=person).select_related("proposal").order_by("created_at", "pk")
    entries += [
        Entry(f"Your comment on “{c.proposal.title}”", status=c.text,
              rows=[("Written", day(c.created_at)), ("Where it is", c.get_status_display())], note=_named(c.show_name))
        for c in comments
    ]
    return entries


def data_of(person) -> list[dict]:
    """The same, for the file for computers."""
    return [
        *({"proposal": p.title, "body": p.body.name, "status": p.status, "name_shown": p.show_name,
           "raised_at": p.created_at.isoformat(), "change": p.change, "reason": p.reason}
          for p in Proposal.objects.filter(author=person).select_related("body")),
        *({"supported": s.proposal.title, "at": s.created_at.isoformat(),
           "taken_back_at": s.withdrawn_at.isoformat() if s.withdrawn_at else None}
          for s in Support.objects.filter(person=person).select_related("proposal")),
        *({"comment_on": c.proposal.title, "text": c.text, "status": c.status, "name_shown": c.show_name,
           "at": c.created_at.isoformat()}
          for c in Comment.objects.filter(author=person).select_related("proposal")),
    ]


def erase(ctx) -> dict[str, int]:
    """Names come off everything the person wrote; the rows move to the husk with the rest."""
    named = list(Proposal.objects.filter(author=ctx.person, show_name=True))
    proposals = Proposal.objects.filter(pk__in=[p.pk for p in named]).update(show_name=False)
    for proposal in named:  # the public meeting page said "Raised by <name>": it now says "a member"
        proposal.show_name = False
        agenda_item_refresh(proposal)
    comments = Comment.objects.filter(author=ctx.person, show_name=True).update(show_name=False)
    return {"proposals_made_anonymous": proposals, "comments_made_anonymous": comments}


def kept(person) -> list[str]:
    counts = [
        (Proposal.objects.filter(author=person).count(), "proposal you raised", "proposals you raised"),
        (Support.objects.filter(person=person, withdrawn_at__isnull=True).count(), "support for a proposal",
         "supports for proposals"),
        (Comment.objects.filter(author=person).count(), "comment you wrote", "comments you wrote"),
    ]
    return [f"{n} {one if n == 1 else many}, shown as “a member”" for n, one, many in counts if n]


register_section("proposals", data_of)
register_page_part(RAISED, "proposals", raised_for_page)
register_eraser("proposals", erase)
register_keeper("proposals", kept)
