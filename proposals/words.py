"""Kind words for the author of a held or hidden proposal or comment: one short sentence per reason.

Read by someone who may be having a hard time: short sentences, no blame, and always what they can do
next. `author_sentence(item)` is what the email, the item and the account page say.
"""

from .models import Comment, ModerationReason, Proposal  # noqa: F401 - Comment in the type hints

# "{thing}" is "proposal" or "comment".
WHY = {
    ModerationReason.PERSONAL: "it names someone who could be recognised",
    ModerationReason.UNKIND: "some of the words could hurt or upset someone",
    ModerationReason.SAFETY: "we want to check that you are safe first",
    ModerationReason.OFF_TOPIC: "it is not something this group can decide",
    ModerationReason.REPEATED: "the same idea has already been raised",
    ModerationReason.OTHER: "of something we explain below",
}
NEXT_STEP = "You can change it and send it again."
WAITING = "A person will read your {thing} soon. It is not up yet."


def _thing(item) -> str:
    return "proposal" if isinstance(item, Proposal) else "comment"


def author_sentence(item: Proposal | Comment) -> str:
    """Why the author's item is not up, kindly, and what they can do; "" when it is up."""
    thing = _thing(item)
    if item.status not in (item.Status.HELD, item.Status.HIDDEN):
        return ""
    if not item.moderation_reason:
        return WAITING.format(thing=thing)
    done = "have not put your {thing} up yet" if item.status == item.Status.HELD else "have taken your {thing} down"
    why = WHY[ModerationReason(item.moderation_reason)]
    return f"We {done.format(thing=thing)}, because {why}. {NEXT_STEP}"


def moderator_label(reason: str) -> str:
    """The reason as moderators choose it from the list."""
    return ModerationReason(reason).label if reason else ""

