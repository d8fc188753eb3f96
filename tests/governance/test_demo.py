"""`manage.py seed_demo`'s governance: the floor-5 numbers, that it goes through the services, and that
seeding twice adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Page, Revision

from governance.models import (
    Action,
    ActionUpdate,
    Attendance,
    Body,
    Decision,
    EvidenceLink,
    Meeting,
    Membership,
    MinutesIndexPage,
    MinutesPage,
    Outcome,
)
from governance.selectors import meeting_quorum
from portal.audit.models import AuditEvent
from portal.audit.selectors import audit_verify

pytestmark = pytest.mark.django_db

COUNTED = [
    Body,
    Membership,
    Meeting,
    Attendance,
    Decision,
    EvidenceLink,
    Action,
    ActionUpdate,
    Outcome,
    MinutesPage,
    Page,
    Revision,
    AuditEvent,
    Decision.history.model,
    Action.history.model,
]


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def counts():
    return {model._meta.label: model.objects.count() for model in COUNTED}


@pytest.fixture
def seeded(seeded_demo):
    """The demo, seeded once for this module (tests/conftest.py's demo_once), in this test's own savepoint.
    The query budget of a fresh seed needs a database without it: tests/governance/test_demo_budget.py."""


def test_seeding_twice_creates_nothing_the_second_time(seeded):
    first = counts()  # after the module's seed
    seed()
    assert counts() == first


def test_two_bodies_with_their_rules_and_both_kinds_of_seat(seeded):
    tb, suc = Body.objects.get(code="TB"), Body.objects.get(code="SUC")
    assert (tb.name, tb.quorum, tb.lived_experience_quorum, tb.chair_may_approve_minutes) == (
        "Board of Trustees",
        4,
        2,
        False,
    )
    assert (suc.name, suc.quorum, suc.chair_may_approve_minutes) == ("Service User Council", 3, True)
    for body in (tb, suc):
        seats = set(body.memberships.values_list("seat", flat=True))
        assert seats == {Membership.Seat.LIVED_EXPERIENCE, Membership.Seat.GENERAL}, body
        assert body.memberships.get(person__email="secretary@example.org").role == Membership.Role.SECRETARY
    assert tb.memberships.filter(person__email="trustee@example.org", role=Membership.Role.TRUSTEE).exists()


def test_meetings_two_held_and_quorate_with_attendance_and_one_public_meeting_ahead(seeded):
    held = Meeting.objects.filter(status=Meeting.Status.HELD)
    assert Meeting.objects.count() >= 3 and held.count() >= 2
    for meeting in held:
        assert meeting.starts_at < timezone.now() and meeting.quorate is True, meeting
        assert meeting.attendance.filter(status=Attendance.Status.APOLOGIES).exists(), meeting
        assert meeting_quorum(meeting).quorate
    upcoming = Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED, starts_at__gt=timezone.now(), is_public=True
    )
    assert upcoming.count() == 1


def test_first_board_minutes_are_approved_by_the_second_meeting_and_locked_the_second_are_draft(seeded):
    index = MinutesIndexPage.objects.get()
    assert (index.title, index.slug, index.live) == ("Minutes", "minutes", True)
    first, second = Meeting.objects.filter(body__code="TB").order_by("starts_at")
    locked = MinutesPage.objects.get(meeting=first)
    assert locked.status == MinutesPage.Status.LOCKED and locked.live
    assert locked.approved_by_decision.meeting == second
    assert locked.locked_hash == locked.content_hash()
    assert AuditEvent.objects.filter(action="governance.minutes_locked").count() == 1
    assert any(block.value["confidential"] for block in locked.sections)
    draft = MinutesPage.objects.get(meeting=second)
    assert draft.status == MinutesPage.Status.DRAFT and not draft.live
    assert set(MinutesPage.objects.child_of(index).values_list("pk", flat=True)) >= {locked.pk, draft.pk}


def test_at_least_15_decisions_most_citing_service_user_input_with_every_relation(seeded):
    decisions = Decision.objects.all()
    with_evidence = decisions.filter(evidence__isnull=False).distinct()
    assert decisions.count() >= 15
    assert with_evidence.count() > decisions.count() / 2
    assert with_evidence.filter(evidence__theme__isnull=False).distinct().count() >= 8
    assert set(EvidenceLink.objects.values_list("relation", flat=True)) == set(EvidenceLink.Relation.values)
    assert EvidenceLink.objects.filter(statement__isnull=False).exists()
    no_input = decisions.exclude(no_input_reason="")
    assert no_input.count() >= 2 and not no_input.filter(evidence__isnull=False).exists()
    cited = EvidenceLink.objects.filter(recommendation__body__code="SUC", decision__body__code="TB")
    assert cited.exists()
    assert {
        Decision.Outcome.CARRIED,
        Decision.Outcome.NOT_CARRIED,
        Decision.Outcome.DEFERRED,
        Decision.Outcome.NOTED,
    } <= set(decisions.values_list("outcome", flat=True))
    assert set(decisions.values_list("reference", flat=True)) == {
        event.data["reference"] for event in AuditEvent.objects.filter(action="governance.decision_recorded")
    }


def test_actions_in_every_status_some_overdue_with_updates_and_outcomes_with_review_dates(seeded):
    assert set(Action.objects.values_list("status", flat=True)) == set(Action.Status.values)
    overdue = [action for action in Action.objects.all() if action.overdue]
    assert len(overdue) >= 2
    assert ActionUpdate.objects.count() >= 5
    for action in Action.objects.exclude(status=Action.Status.NOT_STARTED):
        assert action.updates.exists(), action
    assert Outcome.objects.count() >= 2
    assert Outcome.objects.filter(review_on__gt=timezone.localdate()).count() >= 2


def test_the_demo_leaves_a_valid_ledger(seeded):
    assert audit_verify().ok
