"""Demo proposals for `manage.py seed_demo` (found by name, after governance and voting).

The Service User Council takes proposals: 3 supports put one on the agenda, and it must answer within
56 days. Three proposals from the demo members (member01... from voting.demo), each through the real
services, so the ledger, the agenda and the outbox hold what real use would leave:

- "A quiet room on Friday afternoons": open, with one support;
- "Peer buddies for your first visit": three supports put it on the agenda of the council's next
  meeting (its author chose to show their name);
- "Free hot drinks at every group": on the agenda and decided (carried, citing the drop-in theme "A
  friendly welcome at the door" where the consultations demo made it), with an action.

Idempotent: rules are found by body, proposals by title; only what is missing is made.
"""

from datetime import timedelta

from django.utils import timezone

from consultations.models import Theme
from governance import services as governance_services
from governance.models import Body, Decision, Meeting
from portal.accounts.models import User

from . import services
from .models import Proposal, ProposalRules

COUNCIL_SLUG = "service-user-council"
SECRETARY = "secretary@example.org"
MEMBER = "member{:02d}@members.example.org"
WELCOME = "A friendly welcome at the door"

STORIES = [
    # (title, change, reason, easy read, author, show name, supporters)
    (
        "A quiet room on Friday afternoons",
        "Keep the small room free and quiet on Friday afternoons, with soft light and no phones.",
        "The drop-in gets busy and loud on Fridays. Some of us need a calm place to sit for a while.",
        "We want a quiet room on Fridays.",
        3, False, [4],
    ),
    (
        "Peer buddies for your first visit",
        "Offer everyone who comes for the first time a peer buddy who meets them at the door.",
        "Walking in alone the first time is hard. A friendly face would help people come back.",
        "We want a buddy to meet new people at the door.",
        5, True, [6, 7, 8],
    ),
    (
        "Free hot drinks at every group",
        "Have tea, coffee and hot chocolate at every group, free of charge.",
        "A hot drink helps people settle and talk. Some members cannot pay for one.",
        "",
        9, False, [10, 11, 12],
    ),
]


def seed() -> None:
    """Make whatever part of the proposals demo is missing (see the module docstring)."""
    council = Body.objects.filter(slug=COUNCIL_SLUG).first()
    secretary = User.objects.filter(email=SECRETARY).first()
    if council is None or secretary is None:
        return
    ProposalRules.objects.get_or_create(
        body=council, defaults={"takes_proposals": True, "support_threshold": 3, "response_days": 56}
    )
    for title, change, reason, easy_read, author, show_name, supporters in STORIES:
        proposal = Proposal.objects.filter(body=council, title=title).first() or _raise(
            council, title, change, reason, easy_read, author, show_name
        )
        if proposal is None:
            continue
        for number in supporters:
            person = _member(number)
            if person is not None and not proposal.supports.filter(person=person).exists():
                services.support_add(proposal=proposal, user=person)
    decided = Proposal.objects.filter(body=council, title=STORIES[2][0]).first()
    if decided is not None and decided.status == Proposal.Status.ON_AGENDA:
        _decide(decided, secretary)


def _member(number: int) -> User | None:
    return User.objects.filter(email=MEMBER.format(number)).first()


def _raise(council, title, change, reason, easy_read, author, show_name) -> Proposal | None:
    person = _member(author)
    if person is None:
        return None
    return services.proposal_raise(
        body=council, title=title, change=change, reason=reason, easy_read=easy_read, show_name=show_name, user=person
    )


def _decide(proposal: Proposal, secretary: User) -> None:
    theme = Theme.objects.filter(name=WELCOME).first()
    # The story: it was on the agenda of the council's last meeting, which has been held, and decided there.
    held = Meeting.objects.filter(body=proposal.body, starts_at__lt=timezone.now()).order_by("-starts_at").first()
    if held is not None and proposal.agenda_item is not None:
        proposal.agenda_item.meeting = held
        proposal.agenda_item.save()
    decision = services.proposal_decide(
        proposal=proposal,
        meeting=held,
        outcome=Decision.Outcome.CARRIED,
        text="Every group will have free tea, coffee and hot chocolate from next month.",
        rationale="It costs little, and members told us it helps people settle.",
        theme=theme,
        user=secretary,
    )
    governance_services.action_create(
        decision=decision, title="Buy a second hot water urn", owner=secretary,
        due_on=timezone.localdate() + timedelta(days=30), user=secretary,
    )
