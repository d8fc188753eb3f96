"""Builders shared by the proposals tests (names kept stable: other test files use them).

- `make_rules(body, threshold=3, share=None, days=56)`: the body takes proposals with these rules.
- `make_proposal(body=None, author=None, supporters=0, **fields)`: a proposal raised through the
  service (so it has its ledger event), by a new service user unless `author` is given, with
  `supporters` supports from new service users. A body "SUC" with rules is made when none is given.
- `service_user(**fields)`: a new person in the Service users group.
"""

from governance.models import Body
from portal.accounts import roles
from proposals import services
from proposals.models import Proposal, ProposalRules
from tests.factories import UserFactory
from tests.governance.factories import make_body


def service_user(**fields):
    return UserFactory(roles=[roles.SERVICE_USERS], **fields)


def make_rules(body: Body, threshold: int | None = 3, share: int | None = None, days: int = 56) -> ProposalRules:
    rules, _ = ProposalRules.objects.update_or_create(
        body=body,
        defaults={"takes_proposals": True, "support_threshold": threshold, "support_share_percent": share,
                  "response_days": days},
    )
    return rules


def council(code: str = "SUC", **rules) -> Body:
    """A body that takes proposals (3 voting members), with `rules` for make_rules."""
    body = Body.objects.filter(code=code).first() or make_body(code=code, members=3, lived=3)
    make_rules(body, **rules)
    return body


def make_proposal(body: Body | None = None, author=None, supporters: int = 0, **fields) -> Proposal:
    body = body or council()
    author = author or service_user()
    values = {
        "title": "Open the drop-in on Sundays",
        "change": "Open the drop-in from 10am to 2pm on Sundays.",
        "reason": "Weekends are the loneliest days.",
        **fields,
    }
    proposal = services.proposal_raise(body=body, user=author, **values)
    for _ in range(supporters):
        services.support_add(proposal=proposal, user=service_user())
    proposal.refresh_from_db()
    return proposal
