"""What voting holds about a person, for "My data" and erasure.

Found by `portal.privacy` when it starts. Secret ballot papers have no voter, so no one (the person
included) can find their secret votes: "My data" says which ballots they could vote in and whether
they did, and their named (open) votes.
"""

from portal.accounts.data_export import register_section
from portal.privacy.registry import register_eraser, register_keeper

from .models import Ballot, BallotOption, ListedVoter, NamedVote, RollEntry

MOTION_WORDS = {"for": "For", "against": "Against", "abstain": "Abstain"}


def ballots_of(user) -> list[dict]:
    rows = RollEntry.objects.filter(voter=user).select_related("ballot").order_by("ballot__opens_at")
    return [
        {"ballot": r.ballot.title, "secret": r.ballot.secret, "voted": r.has_voted,
         "opens_at": r.ballot.opens_at.isoformat()}
        for r in rows
    ]


def named_votes_of(user) -> list[dict]:
    rows = NamedVote.objects.filter(voter=user).select_related("ballot", "paper").order_by("ballot__opens_at")
    labels = dict(BallotOption.objects.filter(ballot__named_votes__voter=user).values_list("pk", "label"))
    return [
        {"ballot": v.ballot.title,
         "choices": [MOTION_WORDS.get(c, labels.get(c, str(c))) for c in v.paper.choices]}
        for v in rows
    ]


def erase(ctx) -> dict[str, int]:
    """Electorate lists of ballots that have opened are frozen: the person's place moves to the husk
    instead of being deleted with the account (lists of ballots not yet open simply lose them)."""
    opened = ListedVoter.objects.filter(voter=ctx.person).exclude(ballot__status=Ballot.Status.DRAFT)
    if not opened.exists():
        return {}
    return {"electorate_listings_kept": opened.update(voter=ctx.husk())}


def kept(person) -> list[str]:
    """Rolls and named votes stay, so turnout and results never change."""
    rolls, named = RollEntry.objects.filter(voter=person).count(), NamedVote.objects.filter(voter=person).count()
    lines = [f"your place on {rolls} electoral roll{'s' if rolls != 1 else ''}"] if rolls else []
    return lines + ([f"{named} named vote{'s' if named != 1 else ''} in open ballots"] if named else [])


register_section("ballots", ballots_of)
register_section("named_votes", named_votes_of)
register_eraser("voting", erase)
register_keeper("voting", kept)
