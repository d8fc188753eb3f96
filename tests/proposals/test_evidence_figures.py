"""Proposals' figures in the evidence report, against a count by hand of a small known world:

| proposal | author       | made public   | status    | answer due | decided    | threshold reached |
| P1       | service user | 10 days ago   | on agenda | 3 days ago | -          | 12 days ago       |
| P2       | service user | 20 days ago   | decided   | 2 days ago | 5 days ago | 15 days ago       |
| P3       | service user | 25 days ago   | decided   | 4 days ago | yesterday  | 21 days ago       |
| P4       | service user | 5 days ago    | open      | -          | -          | -                 |
| P5       | staff, not a service user | 5 days ago | open | -      | -          | -                 |
| P6       | service user | 90 days ago   | open      | -          | -          | -                 |
The period is the last 30 days. Raised by service users: P1-P4 (4); reached an agenda: P1-P3 (3 of 4,
75%). Answer due in the period: P1, P2, P3; answered by the date: P2 only (1 of 3, 33%); P1 is overdue
now. Days from threshold to decision: P2 10, P3 20, median 15. Hear-back messages sent in the period:
one alone, one in a weekly list, one to a left address (3); one sent 40 days ago and one never sent
do not count.
"""

import datetime

import pytest
from django.utils import timezone

from governance.evidence import Period, evidence_report
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record
from portal.hear_back.models import HearBackEvent, HearBackMessage
from proposals.evidence import proposal_figures
from proposals.models import Proposal
from tests.factories import UserFactory
from tests.governance.factories import make_decision

from .factories import council, service_user

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def day(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


def proposal(body, author, published: int, status=Proposal.Status.OPEN, **fields) -> Proposal:
    return Proposal.objects.create(body=body, title="A change", change="Change it.", reason="Because.", author=author,
                                   status=status, published_at=ago(published), **fields)


@pytest.fixture
def world(home_page):
    body = council()
    member = service_user()
    on_agenda, decided = Proposal.Status.ON_AGENDA, Proposal.Status.DECIDED
    proposal(body, member, 10, on_agenda, respond_by=day(3), threshold_reached_at=ago(12))
    proposal(body, member, 20, decided, respond_by=day(2), threshold_reached_at=ago(15),
             decision=make_decision(body, decided_on=day(5)))
    proposal(body, member, 25, decided, respond_by=day(4), threshold_reached_at=ago(21),
             decision=make_decision(body, decided_on=day(1)))
    proposal(body, member, 5)
    proposal(body, UserFactory(), 5)
    proposal(body, member, 90)
    event = HearBackEvent.objects.create(topic="decision-1", kind="decision", audience="proposal", subject_id=1,
                                         title="News", url="/")
    people = [UserFactory() for _ in range(4)]
    HearBackMessage.objects.create(person=people[0], event=event, topic="t", emailed_at=ago(2))
    HearBackMessage.objects.create(person=people[1], event=event, topic="t", digested_at=ago(3))
    HearBackMessage.objects.create(person=people[2], event=event, topic="t")
    HearBackMessage.objects.create(person=people[3], event=event, topic="t", emailed_at=ago(40))
    audit_record(actor=None, action="hear_back.address_used", target=("consultations.consultationpage", 1),
                 data={"consultation": 1, "event": event.pk})
    return body


def period(body=None) -> Period:
    return Period(day(29), TODAY, body=body, today=TODAY)


def test_every_proposal_figure_matches_the_hand_count(world):
    report = evidence_report(period=period(), public=False)
    found = {f.key: (f.value, f.numerator, f.denominator) for f in report.figures if "proposals" in f.key or "hear_back" in f.key}

    assert found == {
        "process.proposals": (4, None, None),
        "process.proposals.agenda": (75, 3, 4),
        "impact.proposals.in_time": (33, 1, 3),
        "impact.proposals.overdue": (1, None, None),
        "impact.proposals.days": (15, None, None),
        "impact.hear_back": (3, None, None),
    }
    assert [f.key for f in report.headline("process") if "proposals" in f.key] == [
        "process.proposals", "process.proposals.agenda"]


def test_the_public_version_hides_a_small_number_of_messages_but_not_proposal_counts(world):
    report = evidence_report(period=period(), public=True)

    assert report.figure("impact.hear_back").text == "fewer than 5"
    assert report.figure("process.proposals").text == "4"


def test_a_decision_late_or_still_waiting_counts_against_answering_in_time(world):
    late = Proposal.objects.get(decision__decided_on=day(1))
    late.respond_by = day(0)  # now answered by its date
    late.save()

    assert evidence_report(period=period(), public=False).figure("impact.proposals.in_time").numerator == 2


def test_another_bodys_report_counts_none_of_these_proposals(world):
    other = council(code="TB")

    figures = {f.key: f.value for f in proposal_figures(period(other))}

    assert figures["process.proposals"] == 0 and figures["impact.proposals.overdue"] == 0
    assert figures["impact.proposals.days"] is None
    assert AuditEvent.objects.filter(action="hear_back.address_used").count() == 1
