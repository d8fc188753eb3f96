"""Who may do what with involvement payments. Small predicates used by views and services alike.

- Members (the Service users group) express interest in open opportunities; anyone with a
  participation record claims for it, once, as themselves.
- A claim, its expenses and receipts are seen by the claimant and by Finance, no one else.
- Finance (a role group) manages rates, queries and approves claims (never their own), and makes,
  pays and exports payment batches.
- Staff who run opportunities (Secretaries and Finance) publish them, select and confirm people,
  record who took part and enter event work.
"""

from portal.accounts import roles

from .models import Claim, Expense, Interest, Opportunity, Participation

OPEN_CLAIM = (Claim.Status.SUBMITTED, Claim.Status.QUERIED)


def _group_names(user) -> set[str]:
    """The person's role groups, read once per request (kept on the user object the request holds)."""
    names = getattr(user, "_involvement_group_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._involvement_group_names = names
    return names


def _in_group(user, *names: str) -> bool:
    return bool(user.is_authenticated) and (user.is_superuser or not _group_names(user).isdisjoint(names))


def is_finance(user) -> bool:
    """Finance staff (and superusers): rates, claims, batches."""
    return _in_group(user, roles.FINANCE)


def is_service_user(user) -> bool:
    """Service-user members (and superusers) express interest in opportunities."""
    return _in_group(user, roles.SERVICE_USERS)


def can_manage_opportunities(user) -> bool:
    """Secretaries and Finance publish opportunities, select and confirm people, and record who took part."""
    return _in_group(user, roles.SECRETARIES, roles.FINANCE)


def can_record_event(user) -> bool:
    """The same staff enter event or other work as participation."""
    return can_manage_opportunities(user)


def can_view_opportunity(user, opportunity: Opportunity) -> bool:
    """Open ones are for any signed-in person; closed and cancelled ones for staff and those who showed interest."""
    if not user.is_authenticated:
        return False
    if opportunity.status == Opportunity.Status.OPEN or can_manage_opportunities(user):
        return True
    return opportunity.interests.filter(person=user).exists()


def can_express_interest(user, opportunity: Opportunity) -> bool:
    """A service-user member, while the opportunity is open."""
    return is_service_user(user) and opportunity.status == Opportunity.Status.OPEN


def can_withdraw_interest(user, interest: Interest) -> bool:
    """The person themselves, until they have taken part."""
    return (
        user.is_authenticated
        and interest.person_id == user.pk
        and interest.status not in (Interest.Status.ATTENDED, Interest.Status.WITHDRAWN)
    )


def can_claim(user, participation: Participation) -> bool:
    """The person who took part, as themselves (a claim is never made for someone else)."""
    return user.is_authenticated and participation.person_id is not None and participation.person_id == user.pk


def _claimant(user, claim: Claim) -> bool:
    person_id = claim.payee.person_id if claim.payee_id else None
    return user.is_authenticated and person_id is not None and person_id == user.pk


def can_view_claim(user, claim: Claim) -> bool:
    """The claimant and Finance; no one else."""
    return _claimant(user, claim) or is_finance(user)


def can_view_receipt(user, expense: Expense) -> bool:
    """As the claim: the claimant and Finance."""
    return can_view_claim(user, expense.claim)


def can_withdraw_claim(user, claim: Claim) -> bool:
    """The claimant, until it is approved."""
    return _claimant(user, claim) and claim.status in OPEN_CLAIM


def can_answer_claim(user, claim: Claim) -> bool:
    """The claimant answers Finance's question while the claim is queried."""
    return _claimant(user, claim) and claim.status == Claim.Status.QUERIED


def can_query_claim(user, claim: Claim) -> bool:
    """Finance asks about a claim waiting to be checked (not their own)."""
    return is_finance(user) and claim.status == Claim.Status.SUBMITTED and not _claimant(user, claim)


def can_approve_claim(user, claim: Claim) -> bool:
    """Finance approves a claim waiting to be checked, never their own."""
    return is_finance(user) and claim.status == Claim.Status.SUBMITTED and not _claimant(user, claim)


def can_manage_batches(user) -> bool:
    """Finance makes payment batches, marks them paid and exports them."""
    return is_finance(user)


def can_manage_rates(user) -> bool:
    """Finance sets rate bands, their rates by date, and the band a group's meetings pay."""
    return is_finance(user)
