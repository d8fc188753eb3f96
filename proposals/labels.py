"""How the ledger and the history views name proposals and read their events' payloads, in words.

A proposal is named by its title only (never its author: "a member" must stay "a member" there too).
Registered in ProposalsConfig.ready with portal.audit.words.
"""

from governance.models import Decision, Meeting
from portal.audit.words import label_rows

from .models import Comment, Proposal


def proposal_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Proposal “{title}”" for pk, title in label_rows(Proposal, ids, "title")}


def comment_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(Comment, ids, "proposal__title")
    return {str(pk): f"A comment on “{title}”" for pk, title in rows}


LABELS = {
    "proposals.proposal": (proposal_labels, ""),
    "proposals.comment": (comment_labels, ""),
}

# (payload key, what it holds, the action whose events carry it)
EVENT_KEYS = [
    ("proposal", Proposal, ""),
    ("meeting", Meeting, "proposals.placed_on_agenda"),
    ("meeting", Meeting, "proposals.on_agenda"),
    ("decision", Decision, "proposals.decided"),
    ("outcome", Decision._meta.get_field("outcome"), "proposals.decided"),
]
