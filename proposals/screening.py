"""Words that suggest someone may be at risk. A proposal or comment that has them is not published by
itself: it waits for a moderator, the author sees the crisis support box at once, and the moderators are
alerted. The list is a prompt for a person, never a safety net on its own: pages that use it say so.

Phrases, not single words, where a single word would catch ordinary talk ("a killer timetable", "my
phone died"). Apostrophes may be straight or curly (phones type "don’t"), and "meself" is as common
here as "myself". A phrase missed costs nothing that a person reading the post would not catch; a phrase
caught wrongly costs a short wait for a moderator.
"""

import re

_Q = "['’]?"  # an apostrophe, straight or curly, or none: "don't", "don’t", "dont"
_SELF = r"m[ey] ?self"  # myself, my self, meself

AT_RISK_PATTERNS = [
    r"\bsuicid\w*",
    rf"\bkill(ing)? {_SELF}\b",
    rf"\bhang(ing)? {_SELF}\b",
    r"\bkms\b",
    r"\bunaliv\w*",
    r"\bend(ing)? (it all|my (own )?life)\b",
    r"\btak(e|ing) my (own )?life\b",
    r"\bwant(ed|ing)? to die\b",
    r"\bwish (i|i['’]?d) (was|were|had) (dead|died)\b",
    r"\bbetter off dead\b",
    rf"\b(don{_Q}t|do not) want to (be here|live|be alive|wake up|go on)( any ?more)?\b",
    rf"\b(hope|wish) i (never|don{_Q}t) wake up\b",
    r"\bno (reason|point) (to|in) (live|living|going on|being here)\b",
    r"\bself[- ]?harm\w*",
    rf"\b(hurt|hurting|harm|harming|cut|cutting|burn|burning|starve|starving) {_SELF}\b",
    r"\boverdos\w*",
    r"\bbetter off without me\b",
    r"\b(nobody|no one|no-one) would (miss me|care if i)\b",
    # "I can't go on (like this)." but not "we cannot go on with the old rota"
    rf"\b(can{_Q}t|cannot|can not) go on( like this| any ?more)?(?=\s*($|[.!?,;]))",
    rf"\b(can{_Q}t|cannot|can not) (cope|take (it|this)) any ?more\b",
    r"\b(jump|jumping|throw myself|step) in front of (a|the) (train|bus|car|lorry)\b",
    r"\bjump(ing)? (off|from) (a|the) (bridge|building|roof|cliff|car park)\b",
]
_AT_RISK = re.compile("|".join(AT_RISK_PATTERNS), re.IGNORECASE | re.MULTILINE)


def may_be_at_risk(*texts: str) -> bool:
    """Whether any of `texts` has words that suggest its writer may be at risk."""
    return any(_AT_RISK.search(text or "") for text in texts)
