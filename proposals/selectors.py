"""Reads for proposals: the public list, one proposal's timeline, thresholds, deadlines and overdue ones.

Every public read runs a fixed number of queries however many supports, proposals or comments exist:
the support count is a column kept with each change (never a COUNT over supports), lists are
`select_related`, and the decision's actions, outcomes and "we did" statements are one query each.
The author is named only when they chose it (`author_words`); everywhere else they are "a member".
"""

import datetime
import math
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils import timezone

from consultations.models import ResponseStatement
from governance.labels import outcome_words
from governance.models import Action, Body, Meeting, Membership, Outcome
from governance.selectors import InputLine

from .models import Proposal, ProposalRules, Support
from .permissions import PUBLIC_STATUSES

A_MEMBER = "a member"


def author_words(proposal: Proposal) -> str:
    """Who raised it, as anyone else may read it: their name only if they chose to show it."""
    if proposal.show_name and proposal.author is not None and proposal.author.display_name:
        return proposal.author.display_name
    return A_MEMBER


# --- thresholds and meetings ----------------------------------------------------------------------
def rules_for(body: Body) -> ProposalRules | None:
    return ProposalRules.objects.filter(body=body).first()


def electorate_size(body: Body, on: datetime.date | None = None) -> int:
    """People who can vote for the body: its current members in a voting role (chair, vice chair,
    trustee, member, co-opted). For the Service User Council that is its members; observers and the
    secretary are not counted."""
    on = on or timezone.localdate()
    return (
        Membership.objects.filter(body=body, role__in=Membership.VOTING_ROLES, starts_on__lte=on)
        .exclude(ends_on__lt=on)
        .count()
    )


def support_needed(rules: ProposalRules | None) -> int | None:
    """Supports that put a proposal on the agenda: the larger of the number and the share of the
    electorate (rounded up), at least 1; None when the body set neither (only it can take one forward)."""
    if rules is None or (rules.support_threshold is None and rules.support_share_percent is None):
        return None
    by_number = rules.support_threshold or 0
    by_share = 0
    if rules.support_share_percent:
        by_share = math.ceil(rules.support_share_percent * electorate_size(rules.body) / 100)
    return max(by_number, by_share, 1)


def next_meeting(body: Body, now: datetime.datetime | None = None) -> Meeting | None:
    """The body's soonest scheduled meeting that has not started yet."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(body=body, status=Meeting.Status.SCHEDULED, starts_at__gt=now)
        .order_by("starts_at", "pk")
        .first()
    )


# --- lists ------------------------------------------------------------------------------------------
def with_overdue(proposals: QuerySet, today: datetime.date | None = None) -> QuerySet:
    """Each proposal with `overdue`: on the agenda, past its answer date, and no decision yet."""
    today = today or timezone.localdate()
    late = Q(status=Proposal.Status.ON_AGENDA, respond_by__lt=today, decision__isnull=True)
    return proposals.annotate(overdue=Case(When(late, then=Value(True)), default=Value(False), output_field=BooleanField()))


def public_proposals(*, body: Body | None = None, status: str = "") -> QuerySet:
    """Published proposals (open, on the agenda, decided), newest first, with what the list shows in
    one query a page."""
    proposals = Proposal.objects.filter(status__in=PUBLIC_STATUSES)
    if body is not None:
        proposals = proposals.filter(body=body)
    if status in PUBLIC_STATUSES:
        proposals = proposals.filter(status=status)
    proposals = proposals.select_related("body", "author", "agenda_item__meeting", "decision")
    return with_overdue(proposals).order_by("-published_at", "-pk")


def overdue_proposals(today: datetime.date | None = None) -> QuerySet:
    """On the agenda, past `respond_by`, with no decision recorded: late answers (the evidence report
    counts them)."""
    today = today or timezone.localdate()
    return Proposal.objects.filter(status=Proposal.Status.ON_AGENDA, respond_by__lt=today, decision__isnull=True)


def bodies_taking_proposals() -> QuerySet:
    """Bodies whose rules let members raise proposals to them, by name."""
    return Body.objects.filter(proposal_rules__takes_proposals=True).order_by("name")


def proposals_by(user) -> list[Proposal]:
    """A person's own proposals, any status (held and hidden ones too: they are theirs)."""
    return list(
        with_overdue(Proposal.objects.filter(author=user).select_related("body", "decision")).order_by("-created_at")
    )


def proposals_supported_by(user) -> list[Proposal]:
    """Public proposals the person supports now (withdrawn supports are not listed)."""
    live = Support.objects.filter(person=user, withdrawn_at__isnull=True).values("proposal_id")
    return list(
        with_overdue(
            Proposal.objects.filter(pk__in=live, status__in=PUBLIC_STATUSES).select_related("body", "decision")
        ).order_by("-published_at")
    )


def has_supported(user, proposal: Proposal) -> bool:
    if not user.is_authenticated:
        return False
    return Support.objects.filter(proposal=proposal, person=user, withdrawn_at__isnull=True).exists()


# --- one proposal -------------------------------------------------------------------------------------
def proposal_detail(pk: int) -> Proposal | None:
    """The proposal with its body and rules, author, agenda meeting and decision, in one query."""
    proposals = Proposal.objects.select_related(
        "body__proposal_rules", "author", "agenda_item__meeting", "decision"
    ).filter(pk=pk)
    return with_overdue(proposals).first()


@dataclass
class Step:
    """One line of the public timeline. `on` may be None for a step still to come with no date."""

    label: str
    on: datetime.date | None = None
    url: str = ""
    done: bool = True
    overdue: bool = False


@dataclass
class Timeline:
    steps: list[Step]
    actions: list
    outcomes: list
    statements: list


def timeline(proposal: Proposal, needed: int | None) -> Timeline:
    """Raised -> supported -> on the agenda of <meeting> -> decided (<reference>) -> actions and
    outcomes -> "we did". At most three queries (only for a decided proposal)."""
    steps = [Step(f"Raised by {author_words(proposal)}", _day(proposal.published_at or proposal.created_at))]
    count = proposal.support_count
    people = f"{count} {'person supports' if count == 1 else 'people support'} it"
    steps.append(Step(people + (f" ({needed} needed to go on the agenda)" if needed else ""), None))
    if proposal.threshold_reached_at:
        steps.append(Step("It had enough support to go on the agenda", _day(proposal.threshold_reached_at)))
    if proposal.taken_forward_at:
        steps.append(Step(f"{proposal.body.name} chose to take it forward", _day(proposal.taken_forward_at)))
    if proposal.agenda_item_id:
        meeting = proposal.agenda_item.meeting
        steps.append(Step(f"On the agenda of “{meeting.title}”", _day(meeting.starts_at),
                          done=meeting.starts_at <= timezone.now()))
    elif proposal.status == Proposal.Status.ON_AGENDA:
        steps.append(Step(f"Waiting for the next meeting of {proposal.body.name} to be set", None, done=False))
    if proposal.respond_by and proposal.decision_id is None:
        late = bool(getattr(proposal, "overdue", False))
        label = "An answer was due by" if late else "An answer is due by"
        steps.append(Step(label, proposal.respond_by, done=False, overdue=late))
    actions, outcomes, statements = [], [], []
    if proposal.decision_id:
        steps.append(_decided(proposal))
        actions, outcomes, statements = decision_follow_up(proposal.decision)
    return Timeline(steps, actions, outcomes, statements)


def _decided(proposal: Proposal) -> Step:
    decision = proposal.decision
    words = outcome_words(decision.outcome)
    label = f"Decided ({decision.reference}): {words[:1].lower()}{words[1:]}"
    if proposal.deferred_to:
        label += f", to come back to by {proposal.deferred_to.day} {proposal.deferred_to:%B %Y}"
    return Step(label, decision.decided_on, url=reverse("governance:decision-detail", args=[decision.reference]))


def decision_follow_up(decision) -> tuple[list, list, list]:
    """The decision's actions and outcomes, and the published "we did" statements it cites (directly,
    or through a theme it cites): three queries."""
    actions = list(Action.objects.filter(decision=decision).order_by("due_on", "pk"))
    outcomes = list(Outcome.objects.filter(decision=decision).order_by("recorded_at", "pk"))
    statements = list(
        ResponseStatement.objects.filter(published=True)
        .filter(Q(decision_links__decision=decision) | Q(theme__decision_links__decision=decision))
        .select_related("theme")
        .distinct()
        .order_by("pk")
    )
    return actions, outcomes, statements


def _day(moment) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def decision_input_lines(decision) -> list[InputLine]:
    """For the decision page (governance.selectors.decision_story): the public proposals it answers."""
    return [
        InputLine("A proposal that members raised and supported", p.title,
                  reverse("proposals:detail", args=[p.pk]), p.change)
        for p in Proposal.objects.filter(decision=decision, status__in=PUBLIC_STATUSES).order_by("pk")
    ]
