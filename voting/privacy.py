"""What voting holds about a person, for "My data" and erasure.

Found by `portal.privacy` when it starts. Secret ballot papers have no voter, so no one (the person
included) can find their secret votes: "My data" says which ballots they could vote in and whether
they did, and their named (open) votes.
"""

from portal.accounts.data_export import register_section
from portal.privacy.registry import VOTES, register_email_subjects, register_eraser, register_keeper, register_page_part
from portal.privacy.your_data import Entry, day

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


SECRET_NOTE = (
    "This was a secret ballot. Nothing links you to your choice, so we cannot see how you voted. "
    "Only you know."
)


def votes_for_page(person) -> list[Entry]:
    """Each ballot the person could vote in. Secret ballots say only whether they voted: the page
    never loads a secret ballot's options, so nothing on it can hint at a choice. Open (named)
    ballots show the choice, which everyone at the meeting could see. Three queries."""
    entries = list(RollEntry.objects.filter(voter=person).select_related("ballot").order_by("ballot__opens_at", "pk"))
    named = {v.ballot_id: v.paper.choices for v in NamedVote.objects.filter(voter=person).select_related("paper")}
    open_ids = [e.ballot_id for e in entries if not e.ballot.secret]
    labels = dict(BallotOption.objects.filter(ballot_id__in=open_ids).values_list("pk", "label")) if open_ids else {}
    rows = []
    for entry in entries:
        ballot = entry.ballot
        if not entry.has_voted:
            rows.append(Entry(ballot.title, status=f"You could vote in “{ballot.title}”. You did not vote.",
                              rows=[("Voting opened", day(ballot.opens_at))]))
        elif ballot.secret:
            rows.append(Entry(ballot.title, status=f"You voted in “{ballot.title}”.", note=SECRET_NOTE))
        else:
            choices = [MOTION_WORDS.get(c, labels.get(c, str(c))) for c in named.get(ballot.pk, [])]
            if ballot.kind in (Ballot.Kind.IRV, Ballot.Kind.STV):
                choice = ", then ".join(choices)
            else:
                choice = ", ".join(choices) or "No choice recorded"
            rows.append(Entry(ballot.title, status=f"You voted in “{ballot.title}”. This was an open (named) ballot.",
                              rows=[("Your vote", choice), ("Voting opened", day(ballot.opens_at))]))
    return rows


def erase(ctx) -> dict[str, int]:
    """Electorate lists of ballots that have opened are frozen: the person's place moves to the husk
    instead of being deleted with the account (lists of ballots not yet open simply lose them)."""
    opened = ListedVoter.objects.filter(voter=ctx.person).exclude(ballot__status=Ballot.Status.DRAFT)
    if not opened.exists():
        return {}
    return {"electorate_listings_kept": opened.update(voter=ctx.husk())}


def _open_subjects(payloads: list[dict]) -> list[str]:
    titles = dict(Ballot.objects.filter(pk__in={p.get("ballot_id") for p in payloads}).values_list("pk", "title"))
    return [f"Voting is open: {titles.get(p.get('ballot_id'), 'a ballot')}" for p in payloads]


def kept(person) -> list[str]:
    """Rolls and named votes stay, so turnout and results never change."""
    rolls, named = RollEntry.objects.filter(voter=person).count(), NamedVote.objects.filter(voter=person).count()
    lines = [f"your place on {rolls} electoral roll{'s' if rolls != 1 else ''}"] if rolls else []
    return lines + ([f"{named} named vote{'s' if named != 1 else ''} in open ballots"] if named else [])


register_section("ballots", ballots_of)
register_section("named_votes", named_votes_of)
register_page_part(VOTES, "ballots", votes_for_page)
register_email_subjects("voting.send_open_email", _open_subjects)
register_eraser("voting", erase)
register_keeper("voting", kept)
