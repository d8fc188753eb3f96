"""Governance writes: references, the service-user-input rule, quorum, snapshots and the ledger."""

import threading
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from governance import services
from governance.models import Attendance, Decision, EvidenceLink, Meeting, Membership
from governance.selectors import meeting_quorum
from portal.audit.models import AuditEvent
from portal.audit.selectors import audit_verify

from .factories import make_body, make_decision, make_meeting, make_theme, recorder


def test_references_are_sequential_per_body_and_year(home_page):
    board, council = make_body("TB"), make_body("SUC")
    meeting = make_meeting(board)

    made = [make_decision(board, meeting).reference for _ in range(3)]
    other = make_decision(council).reference
    next_year = make_decision(board, decided_on=date(2031, 1, 5)).reference

    year = timezone.localdate(meeting.starts_at).year
    assert made == [f"TB-{year}-001", f"TB-{year}-002", f"TB-{year}-003"]
    assert other == f"SUC-{timezone.localdate().year}-001"
    assert next_year == "TB-2031-001"


def test_reference_numbers_grow_past_999_without_repeating(home_page):
    board = make_body("TB")
    Decision.objects.create(body=board, reference="TB-2030-999", title="x", text="x", decided_on=date(2030, 1, 1))

    assert make_decision(board, decided_on=date(2030, 2, 1)).reference == "TB-2030-1000"
    assert make_decision(board, decided_on=date(2030, 2, 2)).reference == "TB-2030-1001"


def test_a_decision_with_no_evidence_and_no_reason_is_refused_with_a_plain_message(home_page):
    board = make_body()

    with pytest.raises(ValidationError) as refused:
        make_decision(board, make_meeting(board), evidence=[], no_input_reason="  ")

    assert refused.value.message_dict == {"no_input_reason": ["Say why no service-user input shaped this decision"]}
    assert not Decision.objects.exists()


def test_a_decision_at_a_meeting_that_is_not_quorate_is_refused(home_page):
    board = make_body(members=5, quorum=4)
    meeting = make_meeting(board, present=3)

    with pytest.raises(ValidationError) as refused:
        make_decision(board, meeting, themes=[make_theme()])

    assert "not quorate" in refused.value.messages[0] and "3 of 4 needed" in refused.value.messages[0]
    assert not Decision.objects.exists()


def test_lived_experience_quorum_counts_too(home_page):
    board = make_body(members=6, lived=2, quorum=3, lived_experience_quorum=2)
    only_general = [m.person for m in board.memberships.filter(seat=Membership.Seat.GENERAL)]

    quorum = meeting_quorum(make_meeting(board, present=only_general))

    assert not quorum.quorate
    assert quorum.sentence == "Not quorate: 4 of 3 needed; 0 with lived experience of 2 needed"


def test_decision_snapshots_lived_experience_present_and_history_keeps_it(home_page):
    board = make_body(members=5, lived=3)
    decision = make_decision(board, make_meeting(board), themes=[make_theme()])
    # Later, every seat becomes general: the past decision and meeting must not change.
    for membership in board.memberships.all():
        services.membership_change(
            body=board, person=membership.person, membership=membership, role=membership.role,
            seat=Membership.Seat.GENERAL, user=recorder(),
        )

    decision.refresh_from_db()
    meeting = Meeting.objects.get(pk=decision.meeting_id)
    assert (decision.members_present, decision.lived_experience_present) == (5, 3)
    assert (meeting.members_present, meeting.lived_experience_present, meeting.quorate) == (5, 3, True)
    assert meeting_quorum(meeting).lived_present == 3  # from the seats copied onto attendance


def test_attendance_copies_role_and_seat_and_refuses_non_members(home_page, user_factory):
    board = make_body(members=3, lived=1)
    meeting = make_meeting(board, held=False, present=0)
    first = board.memberships.get(role=Membership.Role.CHAIR)

    services.meeting_record_attendance(meeting=meeting, entries={first.person: "present"}, user=recorder())
    with pytest.raises(ValidationError):
        services.meeting_record_attendance(meeting=meeting, entries={user_factory(): "present"}, user=recorder())

    row = Attendance.objects.get(meeting=meeting, person=first.person)
    assert (row.status, row.role, row.seat) == ("present", "chair", "lived_experience")


def test_mark_held_snapshots_and_writes_the_ledger(home_page):
    board = make_body(members=5, lived=2, quorum=4)
    meeting = make_meeting(board, held=False, present=4)

    services.meeting_mark_held(meeting=meeting, user=recorder())

    meeting.refresh_from_db()
    event = AuditEvent.objects.filter(action="governance.meeting_held").last()
    assert (meeting.status, meeting.members_present, meeting.lived_experience_present, meeting.quorate) == (
        "held", 4, 2, True
    )
    assert event.data == {
        "meeting": meeting.pk, "body": board.pk, "members_present": 4, "lived_experience_present": 2, "quorate": True
    }


def test_decision_recorded_in_the_ledger_with_ids_only(home_page):
    board = make_body()
    decision = make_decision(board, make_meeting(board), themes=[make_theme()], title="Secret Name Title")

    event = AuditEvent.objects.get(action="governance.decision_recorded")

    assert event.target_type == "governance.decision" and event.target_id == str(decision.pk)
    assert event.data["reference"] == decision.reference and event.data["evidence_links"] == 1
    assert "Secret Name Title" not in str(event.data)
    assert audit_verify().ok


def test_mover_must_be_present(home_page):
    board = make_body(members=5)
    absent = board.memberships.order_by("pk").last().person
    meeting = make_meeting(board, present=4)

    with pytest.raises(ValidationError) as refused:
        make_decision(board, meeting, themes=[make_theme()], mover=absent)

    assert "mover" in refused.value.message_dict


def test_rejected_because_needs_a_note(home_page):
    board = make_body()
    theme = make_theme()

    with pytest.raises(ValidationError):
        make_decision(board, evidence=[{"theme": theme, "relation": EvidenceLink.Relation.REJECTED_BECAUSE}])

    assert not Decision.objects.exists()


def test_only_secretaries_record(home_page, user_factory):
    board = make_body()

    with pytest.raises(PermissionDenied):
        services.decision_record(
            body=board, meeting=None, title="x", text="x", no_input_reason="x", user=user_factory()
        )


def test_actions_updates_and_outcomes_are_recorded_and_audited(home_page):
    board = make_body()
    decision = make_decision(board)
    owner = board.memberships.first().person

    action = services.action_create(
        decision=decision, title="Change the rota", owner=owner, due_on=timezone.localdate(), user=recorder()
    )
    update = services.action_update_status(action=action, status="done", text="Rota changed.", user=owner)
    outcome = services.outcome_record(decision=decision, what_changed="More people came.", user=recorder())

    action.refresh_from_db()
    actions = list(AuditEvent.objects.filter(target_id=str(decision.pk)).values_list("action", flat=True))
    assert action.status == "done" and update.text == "Rota changed." and outcome.decision == decision
    assert actions == [
        "governance.decision_recorded", "governance.action_created", "governance.action_updated",
        "governance.outcome_recorded",
    ]
    assert action.history.count() == 2


def test_membership_change_is_in_the_ledger(home_page, user_factory):
    board = make_body(members=0, lived=0)
    person = user_factory()

    membership = services.membership_change(body=board, person=person, seat="lived_experience", user=recorder())
    services.membership_change(
        body=board, person=person, membership=membership, ends_on=timezone.localdate() + timedelta(days=1),
        user=recorder(),
    )

    changes = [e.data["change"] for e in AuditEvent.objects.filter(action="governance.membership_changed")]
    assert changes == ["started", "ended"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_get_distinct_sequential_references(home_page):
    board = make_body(members=5)
    recorder()
    errors, references, start = [], [], threading.Barrier(8)

    def record():
        try:
            start.wait()
            references.append(make_decision(board).reference)
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    year = timezone.localdate().year
    assert errors == []
    assert sorted(references) == [f"TB-{year}-{n:03d}" for n in range(1, 9)]
