"""Proposals' part in hearing back: when a proposal is decided, its proposer and everyone still
supporting it (not withdrawn) hear what came of it, once.

Found by the hear-back app when it starts (`autodiscover_modules("hear_back")`), which connects the
receiver below to `proposal_decided` (sent after the decision commits). The topic is the decision, so
someone who also answered a consultation the same decision cites hears once.
"""

from django.db import transaction
from django.dispatch import receiver
from django.urls import reverse

from portal.hear_back.models import HearBackEvent
from portal.hear_back.registry import PROPOSAL, register_audience
from portal.hear_back.services import hear_back_announce

from .models import Proposal, Support
from .signals import proposal_decided


def proposal_people(proposal_id: int) -> set[int]:
    """The proposer (if they have an account) and every supporter who has not withdrawn (two queries)."""
    supporters = Support.objects.filter(proposal_id=proposal_id, withdrawn_at__isnull=True)
    people = set(supporters.values_list("person_id", flat=True))
    author = Proposal.objects.filter(pk=proposal_id).values_list("author_id", flat=True).first()
    return people | ({author} if author is not None else set())


def proposal_hear_back(proposal: Proposal) -> None:
    """Announce the decision on `proposal` to its people (once: announcing again changes nothing)."""
    topic = f"decision-{proposal.decision_id}" if proposal.decision_id else f"proposal-{proposal.pk}"
    with transaction.atomic():
        hear_back_announce(
            topic=topic,
            kind=HearBackEvent.Kind.PROPOSAL,
            title=f"A proposal you backed has a decision: {proposal.title}",
            url=reverse("proposals:detail", kwargs={"pk": proposal.pk}),
            audience=PROPOSAL,
            subject_id=proposal.pk,
        )


@receiver(proposal_decided, dispatch_uid="proposals.hear_back")
def _on_decided(sender, proposal: Proposal, **kwargs) -> None:
    proposal_hear_back(proposal)


register_audience(PROPOSAL, proposal_people)
