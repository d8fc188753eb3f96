"""What a proposal's agenda item says: the proposal's own words while it is public, a plain line while a
moderator has held or hidden it (meeting pages are public)."""

from governance.models import AgendaItem
from portal.dates import gov_date

from . import selectors
from .models import Proposal

TAKEN_DOWN_TITLE = "Members' proposal (taken down by a moderator for now)"


def agenda_words(proposal: Proposal) -> tuple[str, str]:
    """The agenda item's title and description: the proposal's own words while it is public, and only
    a plain line while a moderator has held or hidden it (the meeting page is public)."""
    if proposal.status in (Proposal.Status.HELD, Proposal.Status.HIDDEN):
        return TAKEN_DOWN_TITLE, "A moderator has taken this proposal down for now."
    return f"Members' proposal: {proposal.title}"[:200], (
        f"{proposal.change}\n\nRaised by {selectors.author_words(proposal)}, supported by "
        f"{proposal.support_count} {'person' if proposal.support_count == 1 else 'people'}. "
        f"It must get an answer by {gov_date(proposal.respond_by)}."
    )


def agenda_item_refresh(proposal: Proposal) -> None:
    """Bring the proposal's agenda item (if any) into line with what may be public about it now. When a
    moderator takes the proposal down, the item's earlier versions in its history (which staff read in the
    record's history and the audit explorer) lose its words too: the ledger keeps who changed what and
    when, and never held the words. (Erasure scrubs the author's name from history tables itself.)"""
    if proposal.agenda_item_id is None:
        return
    item = AgendaItem.objects.get(pk=proposal.agenda_item_id)
    item.title, item.description = agenda_words(proposal)
    item.save()
    if proposal.status in (Proposal.Status.HELD, Proposal.Status.HIDDEN):
        AgendaItem.history.filter(id=item.pk).update(title=item.title, description=item.description)
