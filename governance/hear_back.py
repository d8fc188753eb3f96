"""Governance's part in hearing back: a decision that cites a consultation (directly, through one of
its themes or through a "we did" statement) tells the people who answered that consultation.

Called by `services.decision_record` in its transaction. The topic is the decision, so a person who
answered two cited consultations, or who also backed a proposal the same decision answers, hears once.
"""

from django.urls import reverse

from portal.hear_back.models import HearBackEvent
from portal.hear_back.registry import CONSULTATION
from portal.hear_back.services import hear_back_announce

from .models import Decision, EvidenceLink


def decision_topic(decision: Decision) -> str:
    return f"decision-{decision.pk}"


def cited_consultations(decision: Decision) -> list[int]:
    """Ids of the consultations the decision's evidence points at, in any of the three ways (one query)."""
    rows = EvidenceLink.objects.filter(decision=decision).values_list(
        "consultation_id", "theme__consultation_id", "statement__theme__consultation_id"
    )
    return sorted({pk for row in rows for pk in row if pk is not None})


def decision_hear_back(decision: Decision) -> None:
    """Announce the decision to the people who answered each consultation it cites."""
    url = reverse("governance:decision-detail", kwargs={"reference": decision.reference})
    for consultation_id in cited_consultations(decision):
        hear_back_announce(
            topic=decision_topic(decision),
            kind=HearBackEvent.Kind.DECISION,
            title=f"A decision used what people said: {decision.reference} {decision.title}",
            url=url,
            audience=CONSULTATION,
            subject_id=consultation_id,
        )
