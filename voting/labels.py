"""How the ledger and the history views name ballots: "Ballot “Trustee election 2026”", never
`voting.ballot 1`. Registered in VotingConfig.ready with portal.audit.words; one query per kind."""

from portal.audit.words import label_rows

from .models import Ballot, BallotOption


def ballot_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Ballot “{title}”" for pk, title in label_rows(Ballot, ids, "title")}


def option_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(BallotOption, ids, "label", "ballot__title")
    return {str(pk): f"Option “{label}” on the ballot “{ballot}”" for pk, label, ballot in rows}


LABELS = {"voting.ballot": ballot_labels, "voting.ballotoption": option_labels}
