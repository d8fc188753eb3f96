"""Proposals' part in the evidence report: members setting the agenda, and hearing what came of it.

Governance may not import proposals, so `register()` (from `ProposalsConfig.ready()`) adds these with
`register_extra_figures`. What each counts, for the period (and its body, if it has one):
- Process. Proposals raised by service users: made public in the period, by an author in the Service
  users group (one a peer worker entered for someone counts as that person's). Of those, the share
  that reached an agenda (by support, or taken forward by the body).
- Impact. Proposals answered in time: of those whose answer date fell in the period (up to today) or
  that were decided in the period, the share decided on or before their answer date; one still
  waiting past its date (`selectors.overdue_proposals`) counts against it, and "overdue now" says how
  many are waiting past their date today. Median days from reaching the threshold (or being taken
  forward) to the decision, for those decided in the period. Messages sent telling people what came
  of it: hear-back messages emailed alone or in a weekly list, and one-off emails to addresses left by
  people who answered without their name (from every app, not narrowed to a body). That one counts
  people, so the public version hides 1 to 4.
Four queries whatever the number of proposals: one aggregate over proposals, one list of days, two counts.
"""

import statistics

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from governance.evidence import Figure, Period, register_extra_figures, share
from portal.accounts import roles
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.hear_back.models import HearBackMessage

from .models import Proposal
from .selectors import overdue_proposals

ON_AGENDA = Q(agenda_item__isnull=False) | Q(status__in=[Proposal.Status.ON_AGENDA, Proposal.Status.DECIDED])


def _proposals(period: Period):
    proposals = Proposal.objects.all()
    return proposals.filter(body=period.body) if period.body is not None else proposals


def _by_service_user() -> Exists:
    return Exists(User.objects.filter(pk=OuterRef("author_id"), groups__name=roles.SERVICE_USERS))


def proposal_counts(period: Period) -> dict[str, int]:
    """Every proposal count of the report in one SQL aggregate."""
    raised = Q(published_at__gte=period.start_at, published_at__lt=period.end_at, by_service_user=True)
    due = Q(respond_by__gte=period.start, respond_by__lte=period.last_day) | Q(
        respond_by__isnull=False, decision__decided_on__gte=period.start, decision__decided_on__lte=period.end
    )
    overdue = Q(pk__in=overdue_proposals(period.today).values("pk"))
    return _proposals(period).annotate(by_service_user=_by_service_user()).aggregate(
        raised=Count("pk", filter=raised),
        agenda=Count("pk", filter=raised & ON_AGENDA),
        due=Count("pk", filter=due),
        in_time=Count("pk", filter=due & Q(decision__decided_on__lte=F("respond_by"))),
        overdue=Count("pk", filter=overdue),
    )


def days_to_decision(period: Period) -> list[int]:
    """Whole days (local calendar) from reaching the threshold, or being taken forward, to the
    decision, for each proposal decided in the period (one query)."""
    rows = _proposals(period).filter(
        decision__decided_on__gte=period.start, decision__decided_on__lte=period.end
    ).values_list("threshold_reached_at", "taken_forward_at", "decision__decided_on")
    return [
        max(0, (decided_on - timezone.localdate(reached or taken)).days)
        for reached, taken, decided_on in rows
        if (reached or taken) is not None
    ]


def median(values: list[int]) -> int | float | None:
    if not values:
        return None
    middle = statistics.median(values)
    return int(middle) if float(middle).is_integer() else float(middle)


def messages_sent(period: Period) -> int:
    """Hear-back messages sent in the period: emailed alone, in a weekly list, or to a left address."""
    start, end = period.start_at, period.end_at
    sent = HearBackMessage.objects.filter(
        Q(emailed_at__gte=start, emailed_at__lt=end) | Q(digested_at__gte=start, digested_at__lt=end)
    ).count()
    used = AuditEvent.objects.filter(action="hear_back.address_used", occurred_at__gte=start, occurred_at__lt=end)
    return sent + used.count()


def proposal_figures(period: Period) -> list[Figure]:
    """Process: raised and reached an agenda. Impact: answered in time, overdue now, median days, and
    messages telling people what came of it."""
    found = proposal_counts(period)
    url = reverse("proposals:list")
    return [
        Figure("process.proposals", "process", "Proposals raised by service users", found["raised"], url=url),
        share("process.proposals.agenda", "process", "Proposals by service users that reached an agenda",
              found["agenda"], found["raised"], url=url),
        share("impact.proposals.in_time", "impact", "Proposals answered by their answer date",
              found["in_time"], found["due"], url=url),
        Figure("impact.proposals.overdue", "impact", "Proposals overdue now (no decision by their answer date)",
               found["overdue"], url=url),
        Figure("impact.proposals.days", "impact", "Median days from enough support to a decision",
               median(days_to_decision(period)), unit="days"),
        Figure("impact.hear_back", "impact", "Messages sent telling people what came of it",
               messages_sent(period), people=True),
    ]


def register() -> None:
    register_extra_figures(proposal_figures)
