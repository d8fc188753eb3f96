"""Ledger targets, payloads and history values in people's words (portal/audit/words.py): registered
labels, the fallback for models nobody registered, deleted objects, and erased people."""

import pytest
from django.utils import timezone

from governance import services
from governance.history import decision_history
from portal.accounts.models import User
from portal.audit import words
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record
from portal.privacy.models import ErasedAccount
from tests.governance.factories import make_body, make_decision, make_meeting, recorder

pytestmark = pytest.mark.django_db


@pytest.fixture
def decision(home_page):
    board = make_body(code="TB", name="Board of Trustees")
    return make_decision(board, make_meeting(board))


def test_ledger_targets_are_named_by_what_they_are_never_by_model_label(decision, user_factory):
    person = user_factory(display_name="Pat")
    targets = [("governance.decision", str(decision.pk)), ("governance.decision", "999999"),
               ("governance.body", str(decision.body_id)), ("accounts.user", str(person.pk)), ("tests.thing", "1")]

    labels = words.target_labels(targets)

    assert [labels[t] for t in targets] == [
        f"Decision {decision.reference}", "a deleted decision", "Board of Trustees", "a person's account",
        words.NO_LONGER_KEPT,
    ]


def test_a_model_nobody_registered_is_named_by_its_verbose_name_and_its_own_words(decision, monkeypatch):
    monkeypatch.delitem(words._LABELS, "governance.body")

    assert words.target_label("governance.body", decision.body_id) == "Body “Board of Trustees”"
    assert words.kind_name("governance.body") == "Group (Governance)"


def test_an_app_can_register_its_own_labels(decision, monkeypatch):
    monkeypatch.setitem(words._LABELS, "governance.decision", lambda ids: {i: f"The decision numbered {i}" for i in ids})

    assert words.target_label("governance.decision", decision.pk) == f"The decision numbered {decision.pk}"


def test_event_payloads_name_ids_as_objects_and_codes_as_labels(decision):
    action = services.action_create(decision=decision, title="Book the room", owner=None,
                                    due_on=timezone.localdate(), user=recorder())
    services.action_update_status(action=action, status="in_progress", user=recorder())
    outcome = services.outcome_record(decision=decision, what_changed="The room is booked.", user=recorder())
    recorded, _created, updated, outcome_event = audit_events_about(decision)

    details = words.event_details([recorded, updated, outcome_event])

    assert ("Outcome", "Carried") in details[recorded.pk] and ("Body", "Board of Trustees") in details[recorded.pk]
    assert details[updated.pk] == [("Action", "Action “Book the room”"), ("Decision", f"Decision {decision.reference}"),
                                   ("From", "Not started"), ("To", "In progress")]
    assert ("Outcome", f"Outcome of {decision.reference}: “{outcome.what_changed}”") in details[outcome_event.pk]


def audit_events_about(decision):
    return list(AuditEvent.objects.filter(target_type="governance.decision", target_id=str(decision.pk)).order_by("pk"))


def test_an_erased_persons_husk_is_a_former_member_in_every_history(decision):
    husk = User.objects.create_user(email="erased-1@erased.invalid", password=None, display_name="Former member")
    ErasedAccount.objects.create(user=husk)
    decision.mover = husk
    decision._history_user = husk
    decision.save()

    changed = next(row for row in decision_history(decision) if row.kind == "Changed")

    assert words.person_names([husk.pk]) == {str(husk.pk): words.FORMER_MEMBER}
    assert changed.who == words.FORMER_MEMBER
    assert [(c.field, c.old, c.new) for c in changed.changes] == [("Mover", "", words.FORMER_MEMBER)]


@pytest.mark.parametrize("action, expected", [
    ("governance.decision_recorded", "Decision recorded"),
    ("account.erased", "Account erased"),
    ("audit.checkpoint", "Audit checkpoint"),
    ("privacy.consent_given", "Consent given"),
])
def test_ledger_actions_read_as_words(action, expected):
    assert words.action_words(action) == expected


def test_an_event_with_no_target_still_reads(home_page):
    event = audit_record(actor=None, action="audit.checkpoint_refused", data={"period": "2026-03", "first_bad_id": 99})

    assert words.event_details([event])[event.pk] == [("First bad id", "a deleted audit event"), ("Period", "2026-03")]
