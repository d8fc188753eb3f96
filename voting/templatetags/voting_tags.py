"""Ballots shown where governance shows a decision (its page and the minutes), without governance importing
voting: templates load this library, so the layers still point downward."""

from django import template

from voting.models import Ballot, NamedVote

register = template.Library()

VOTE_WORDS = {"for": "For", "against": "Against", "abstain": "Abstained"}


def ballots_by_decision(decision_ids) -> dict[int, list[dict]]:
    """The opened ballots settling each decision, with results and named votes: two queries in all,
    however many decisions (the minutes of a long meeting list every decision)."""
    ballots = list(
        Ballot.objects.filter(decision_id__in=list(decision_ids)).exclude(status=Ballot.Status.DRAFT).order_by("opens_at")
    )
    named: dict[int, list] = {}
    shown = [b.pk for b in ballots if b.status == Ballot.Status.CLOSED and not b.secret]
    if shown:
        votes = NamedVote.objects.filter(ballot_id__in=shown).select_related("voter", "paper").order_by("voter__display_name")
        for vote in votes:
            named.setdefault(vote.ballot_id, []).append(
                (vote.voter.display_name or "A member", VOTE_WORDS.get(vote.paper.choices[0], ""))
            )
    grouped: dict[int, list[dict]] = {}
    for ballot in ballots:
        tally = ballot.tally or {}
        grouped.setdefault(ballot.decision_id, []).append(
            {"ballot": ballot, "tally": tally, "named": named.get(ballot.pk, []), "passed": tally.get("carried", tally.get("passed"))}
        )
    return grouped


@register.inclusion_tag("voting/includes/decision_ballots.html")
def decision_ballots(decision, heading_level=3):
    """The ballots that settle a decision: an open one says so; a closed one gives its result and, for a
    named ballot, who voted how (named ballots only: secret ballots keep no such link)."""
    return {"ballots": ballots_by_decision([decision.pk]).get(decision.pk, []), "heading_level": heading_level}


@register.simple_tag
def meeting_decisions_with_ballots(meeting, limit=None):
    """[(decision, [ballot items])] for a meeting's decisions (the first `limit` when given), in a fixed
    number of queries."""
    decisions = list(meeting.decisions.all()[:limit])
    grouped = ballots_by_decision(d.pk for d in decisions)
    return [(decision, grouped.get(decision.pk, [])) for decision in decisions]
