"""Voting's part of the evidence report (Process): ballots held in the period and their turnout.

Governance may not import voting, so this module registers itself with governance's evidence report
(`register_process_source`) from `VotingConfig.ready()`. One query for the figures, one for the list:
turnout is summed in SQL from each closed ballot's kept tally (`tally["turnout"]["roll"]`, `["papers"]`).
"""

from django.db.models import Count, IntegerField, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from governance.evidence import Figure, Period, register_involvement_source, register_process_source, share
from governance.evidence_records import Cell, RecordTable

from .models import Ballot, RollEntry


def ballots_closed(period: Period):
    """Ballots closed in the period (for the period's body, if it has one)."""
    ballots = Ballot.objects.filter(
        status=Ballot.Status.CLOSED, closed_at__gte=period.start_at, closed_at__lt=period.end_at
    )
    return ballots.filter(body=period.body) if period.body is not None else ballots


def _turnout(part: str):
    return Cast(KT(f"tally__turnout__{part}"), IntegerField())


def ballot_figures(period: Period) -> list[Figure]:
    """Ballots held, and turnout: papers cast of people on the rolls, across all of them."""
    found = ballots_closed(period).aggregate(held=Count("pk"), roll=Sum(_turnout("roll")), papers=Sum(_turnout("papers")))
    url = period.records_url("ballots")
    return [
        Figure("process.ballots", "process", "Ballots held (votes and elections)", found["held"], url=url),
        share("process.ballots.turnout", "process", "Turnout: people on the rolls who voted",
              found["papers"] or 0, found["roll"] or 0, people=True, url=url),
    ]


def voters(period: Period) -> dict[str, tuple[str, set, int]]:
    """For "People who took part": everyone who voted in a ballot closed in the period, once each (the
    roll records that they voted, never how)."""
    ids = RollEntry.objects.filter(ballot__in=ballots_closed(period), has_voted=True).values_list("voter_id", flat=True)
    return {"ballots": ("in votes and elections", set(ids.distinct()), 0)}


def ballot_records(period: Period, *, public: bool) -> RecordTable:
    """Each ballot closed in the period, linked to its published result; the trustees' version adds
    each roll and the papers cast (the public result page of each ballot shows its own turnout)."""
    ballots = ballots_closed(period).select_related("body").order_by("closed_at", "pk")
    columns = ["Ballot", "Group", "Closed", "Kind"] + ([] if public else ["On the roll", "Voted"])
    table = RecordTable("Ballots held", "Votes and elections that closed in this period.", columns,
                        numeric=set() if public else {4, 5})
    for ballot in ballots.annotate(on_roll=_turnout("roll"), voted=_turnout("papers")):
        cells = [
            Cell(ballot.title, reverse("voting:results", args=[ballot.pk])),
            Cell(ballot.body.name if ballot.body else ballot.get_electorate_display()),
            Cell(_day(ballot.closed_at)), Cell(ballot.get_kind_display()),
        ]
        if not public:
            cells += [Cell(str(ballot.on_roll)), Cell(str(ballot.voted))]
        table.rows.append(cells)
    return table


def register() -> None:
    register_process_source(ballot_figures, records={"ballots": ballot_records})
    register_involvement_source(voters)


def _day(moment) -> str:
    day = timezone.localdate(moment)
    return f"{day.day} {day:%b %Y}"
