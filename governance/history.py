"""Trustees' decision history: every version of a decision and of its evidence, actions and outcomes,
each action update and each ledger event about it, with who did it and what changed, in words.

Fields go by their verbose names, codes by their choices' labels, and related objects as the ledger
names them (a group by name, a decision by reference, a consultation by title, a person by name or "a
former member"): the page never shows `body: 2` or `outcome: carried`. The words come from
portal.audit (history.py and words.py), the same as the audit explorer's, so the two always agree.
"""

import datetime
from dataclasses import dataclass, field

from django.utils.text import Truncator

from portal.audit.history import Change, related_names, version_changes
from portal.audit.models import AuditEvent
from portal.audit.selectors import actor_names
from portal.audit.words import action_words, event_details, person_names

from .models import Action, ActionUpdate, Decision, EvidenceLink, Outcome

SYSTEM = "The system"
REMOVED = "Someone (account removed)"
_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# Every record here belongs to the decision the page is about: its own id and link to it say nothing.
_HIDDEN = frozenset({"id", "decision"})
_SHORT = 60
_CITES = ("recommendation", "statement", "theme", "consultation")


@dataclass
class HistoryRow:
    """One version of one record (the decision, an evidence link, an action, an outcome), an action
    update, or a ledger event, with who did it (display name, for staff only) and what changed."""

    when: datetime.datetime
    who: str
    what: str
    kind: str
    changes: list[Change] = field(default_factory=list)


def decision_history(decision: Decision) -> list[HistoryRow]:
    """Everything that happened to `decision` and what hangs off it, oldest first, field by field.

    Queries grow with the kinds of record, not with their number: one per history table, one per kind
    of related object named, one for the people, one each for updates and ledger events.
    """
    groups = [
        (Decision, decision.history.all(), lambda record, names: f"Decision {decision.reference}"),
        (EvidenceLink, EvidenceLink.history.filter(decision_id=decision.pk), _evidence_what),
        (Action, Action.history.filter(decision_id=decision.pk), lambda record, names: f"Action “{record.title}”"),
        (Outcome, Outcome.history.filter(decision_id=decision.pk),
         lambda record, names: f"Outcome “{Truncator(record.what_changed).chars(_SHORT)}”"),
    ]
    versions = [(model, list(records.order_by("id", "history_date", "history_id")), what)
                for model, records, what in groups]
    updates = list(ActionUpdate.objects.filter(action__decision=decision).select_related("action"))
    people = person_names([r.history_user_id for _model, records, _what in versions for r in records]
                          + [u.author_id for u in updates])
    rows = [row for model, records, what in versions for row in _versions(model, records, what, people)]
    rows += [_update_row(update, people) for update in updates] + _ledger_rows(decision)
    return sorted(rows, key=lambda r: r.when)


def _versions(model, records: list, what, people: dict[str, str]) -> list[HistoryRow]:
    """Each version against the one before it of the same record; a record's first version lists the
    fields it was made with (when it was made then: history may start after the record did)."""
    names = related_names(model, records)
    rows, previous = [], {}
    for record in records:
        before = previous.get(record.id)
        changes = []
        if before is not None or record.history_type == "+":
            changes = version_changes(model, record, before, names, hidden=_HIDDEN)
        previous[record.id] = record
        who = people.get(str(record.history_user_id), SYSTEM)
        rows.append(HistoryRow(record.history_date, who, what(record, names),
                               _KINDS.get(record.history_type, record.history_type), changes))
    return rows


def _evidence_what(record, names: dict) -> str:
    """"Evidence: Theme “Opening at weekends”", from whichever of the link's targets is set."""
    for name in _CITES:
        value = getattr(record, f"{name}_id")
        if value is not None:
            return f"Evidence: {names.get(name, {}).get(str(value), 'a deleted record')}"
    return "Evidence"


def _update_row(update: ActionUpdate, people: dict[str, str]) -> HistoryRow:
    who = people.get(str(update.author_id), SYSTEM)
    return HistoryRow(update.created_at, who, f"Action “{update.action.title}”", "Update", [Change("Note", "", update.text)])


def _ledger_rows(decision: Decision) -> list[HistoryRow]:
    events = list(AuditEvent.objects.filter(target_type=Decision._meta.label_lower, target_id=str(decision.pk)))
    actors = actor_names(e.actor_key for e in events)
    details = event_details(events)
    return [
        HistoryRow(e.occurred_at, actors.get(e.actor_key, REMOVED if e.actor_key else SYSTEM),
                   f"Ledger event #{e.pk}", action_words(e.action),
                   [Change(label, "", value) for label, value in details[e.pk]])
        for e in events
    ]
