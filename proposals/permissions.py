"""Who may do what with proposals. Small predicates used by views and services alike.

Roles are Django groups (portal/accounts/roles.py). A body takes proposals only when it has a
`ProposalRules` row saying so: a body with no rules takes none.
"""

from governance import permissions as governance_permissions
from portal.accounts import roles

from .models import Proposal, ProposalRules

# What anyone may read: a proposal a moderator holds or hid is for its author and the moderators only.
PUBLIC_STATUSES = (Proposal.Status.OPEN, Proposal.Status.ON_AGENDA, Proposal.Status.DECIDED)


def _group_names(user) -> set[str]:
    """The person's role groups, read once per request (kept on the user object the request holds)."""
    names = getattr(user, "_proposal_group_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._proposal_group_names = names
    return names


def _in_group(user, *names: str) -> bool:
    return bool(user.is_authenticated) and (user.is_superuser or not _group_names(user).isdisjoint(names))


def _records_for(user, body) -> bool:
    """governance's `can_record` (a secretary, or the body's own secretary), read once per body and request."""
    if not user.is_authenticated:
        return False
    known = user.__dict__.setdefault("_proposal_records", {})
    if body.pk not in known:
        known[body.pk] = _in_group(user, roles.SECRETARIES) or governance_permissions.can_record(user, body)
    return known[body.pk]


def is_service_user(user) -> bool:
    """Service-user members (and superusers) raise and support proposals."""
    return _in_group(user, roles.SERVICE_USERS)


def is_peer_worker(user) -> bool:
    """Peer workers (and superusers) raise a proposal on someone's behalf, with their consent."""
    return _in_group(user, roles.PEER_WORKERS)


def is_moderator(user) -> bool:
    """Moderators (and superusers) see held and hidden proposals."""
    return _in_group(user, roles.MODERATORS)


def takes_proposals(body) -> bool:
    """Whether `body` has rules that let members raise proposals to it (no rules row: no)."""
    return ProposalRules.objects.filter(body=body, takes_proposals=True).exists()


def can_raise_proposal(user, body) -> bool:
    """A signed-in service user, to a body that takes proposals."""
    return is_service_user(user) and takes_proposals(body)


def can_raise_for_someone(user, body) -> bool:
    """A peer worker, for a service user who asked them to, to a body that takes proposals."""
    return is_peer_worker(user) and takes_proposals(body)


def can_view_proposal(user, proposal: Proposal) -> bool:
    """Public once published; a held or hidden one only for its author, who entered it, and moderators."""
    if proposal.status in PUBLIC_STATUSES:
        return True
    if not user.is_authenticated:
        return False
    return user.pk in (proposal.author_id, proposal.entered_by_id) or is_moderator(user)


def can_support_proposal(user, proposal: Proposal) -> bool:
    """Service users other than the author, while it gathers support or waits on the agenda."""
    return (
        is_service_user(user)
        and proposal.status in (Proposal.Status.OPEN, Proposal.Status.ON_AGENDA)
        and user.pk != proposal.author_id
    )


def can_withdraw_support(user, proposal: Proposal) -> bool:
    """Only while it is open: once on the agenda, the body has been asked and it stays asked."""
    return user.is_authenticated and proposal.status == Proposal.Status.OPEN


def can_take_forward(user, proposal: Proposal) -> bool:
    """The body's secretaries may put an open proposal on the agenda before it reaches the threshold."""
    return proposal.status == Proposal.Status.OPEN and _records_for(user, proposal.body)


def can_record_decision(user, proposal: Proposal) -> bool:
    """The body's secretaries record the decision on a proposal that is on the agenda."""
    return proposal.status == Proposal.Status.ON_AGENDA and _records_for(user, proposal.body)


def can_place_on_agenda(user, proposal: Proposal) -> bool:
    """A secretary may put a proposal waiting for a meeting on the next one as soon as it is set."""
    return (
        proposal.status == Proposal.Status.ON_AGENDA
        and proposal.agenda_item_id is None
        and _records_for(user, proposal.body)
    )
