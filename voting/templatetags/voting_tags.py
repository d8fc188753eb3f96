"""Ballots shown where governance shows a decision (its page and the minutes), without governance importing
voting: templates load this library, so the layers still point downward."""

from django import template

from voting.models import Ballot, NamedVote

register = template.Library()

VOTE_WORDS = {"for": "For", "against": "Against", "abstain": "Abstained"}


@register.inclusion_tag("voting/includes/decision_ballots.html")
def decision_ballots(decision, heading_level=3):
    """The ballots that settle a decision: an open one says so; a closed one gives its result and, for a
    named ballot, who voted how (named ballots only: secret ballots keep no such link)."""
    ballots = []
    for ballot in Ballot.objects.filter(decision=decision).exclude(status=Ballot.Status.DRAFT).order_by("opens_at"):
        named = []
        if ballot.status == Ballot.Status.CLOSED and not ballot.secret:
            votes = NamedVote.objects.filter(ballot=ballot).select_related("voter", "paper").order_by("voter__display_name")
            named = [(vote.voter.display_name or "A member", VOTE_WORDS.get(vote.paper.choices[0], "")) for vote in votes]
        tally = ballot.tally or {}
        passed = tally.get("carried", tally.get("passed"))
        ballots.append({"ballot": ballot, "tally": tally, "named": named, "passed": passed})
    return {"ballots": ballots, "heading_level": heading_level}
