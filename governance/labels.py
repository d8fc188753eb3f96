"""How the ledger and the history views name governance objects: "Decision TB-2026-006", "Board of
Trustees minutes of 4 March 2026", never `governance.decision 17`.

Registered in GovernanceConfig.ready with portal.audit.words; each function takes ids as text and
answers {id: label} in one query, leaving out ids that name nothing (the explorer then says "deleted").
"""

from django.utils.text import Truncator

from portal.audit.links import valid_pks
from portal.dates import gov_date
from portal.audit.words import label_rows, person_names

from .models import (
    Action,
    AgendaItem,
    Attendance,
    Body,
    Decision,
    EvidenceLink,
    Meeting,
    Membership,
    MinutesPage,
    Outcome,
)

_SHORT = 60
_NOBODY = "a deleted account"


def _day(moment) -> str:
    """"4 March 2026", for a date or (in local time) a moment."""
    return gov_date(moment)


def body_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): name for pk, name in label_rows(Body, ids, "name")}


def meeting_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(Meeting, ids, "title", "starts_at")
    return {str(pk): f"Meeting “{title}” on {_day(at)}" for pk, title, at in rows}


def decision_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Decision {reference}" for pk, reference in label_rows(Decision, ids, "reference")}


def minutes_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(MinutesPage, ids, "meeting__body__name", "meeting__starts_at")
    return {str(pk): f"{body} minutes of {_day(at)}" for pk, body, at in rows}


def membership_labels(ids: list[str]) -> dict[str, str]:
    rows = list(label_rows(Membership, ids, "person_id", "role", "body__name"))
    names = person_names(person for _pk, person, _role, _body in rows)
    roles = dict(Membership.Role.choices)
    return {
        str(pk): f"{names.get(str(person), _NOBODY)} as {roles.get(role, role).lower()} of the {body}"
        for pk, person, role, body in rows
    }


def agenda_item_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(AgendaItem, ids, "title", "meeting__starts_at")
    return {str(pk): f"Agenda item “{title}” at the meeting on {_day(at)}" for pk, title, at in rows}


def attendance_labels(ids: list[str]) -> dict[str, str]:
    rows = list(label_rows(Attendance, ids, "person_id", "meeting__starts_at"))
    names = person_names(person for _pk, person, _at in rows)
    return {
        str(pk): f"Attendance of {names.get(str(person), _NOBODY)} at the meeting on {_day(at)}"
        for pk, person, at in rows
    }


def evidence_labels(ids: list[str]) -> dict[str, str]:
    links = EvidenceLink.objects.filter(pk__in=valid_pks(EvidenceLink, ids)).select_related(
        "decision", "consultation", "theme", "statement__theme", "recommendation"
    )
    return {str(link.pk): f"Evidence for {link.decision.reference}: {cited(link)}" for link in links}


def cited(link: EvidenceLink) -> str:
    """What an evidence link points at, in words: "the theme “Opening at weekends”"."""
    if link.recommendation_id:
        return f"the recommendation {link.recommendation.reference}"
    if link.statement_id:
        return f"the “we did” statement on “{link.statement.theme.name}”"
    if link.theme_id:
        return f"the theme “{link.theme.name}”"
    if link.consultation_id:
        return f"the consultation “{link.consultation.title}”"
    return "nothing yet"


def action_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Action “{title}”" for pk, title in label_rows(Action, ids, "title")}


def outcome_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(Outcome, ids, "decision__reference", "what_changed")
    return {str(pk): f"Outcome of {ref}: “{Truncator(what).chars(_SHORT)}”" for pk, ref, what in rows}


LABELS = {
    "governance.body": (body_labels, "Group"),
    "governance.meeting": (meeting_labels, ""),
    "governance.decision": (decision_labels, ""),
    "governance.minutespage": (minutes_labels, "Minutes"),
    "governance.membership": (membership_labels, ""),
    "governance.agendaitem": (agenda_item_labels, ""),
    "governance.attendance": (attendance_labels, ""),
    "governance.evidencelink": (evidence_labels, "Evidence"),
    "governance.action": (action_labels, ""),
    "governance.outcome": (outcome_labels, ""),
}

# Payload keys the ledger's readers cannot guess from the event's target (a decision): the outcome
# recorded is an Outcome's id, not the decision's outcome code; "from" and "to" are an action's statuses.
EVENT_KEYS = [
    ("outcome", Outcome, "governance.outcome_recorded"),
    ("from", Action._meta.get_field("status"), "governance.action_updated"),
    ("to", Action._meta.get_field("status"), "governance.action_updated"),
]


# --- what a decision did with what people said, in plain sentences ------------------------------------
# Never "(informed by, carried)": each evidence link's relation, and the decision's outcome, as a
# sentence someone with a reading age of 9 can follow. One place, used by the decision page, the
# register, group pages, the "you said, we did" sections and the evidence report.
RELATION_SENTENCES = {
    EvidenceLink.Relation.INFORMED_BY: "This decision used what you told us.",
    EvidenceLink.Relation.ADOPTED: "This decision does what you asked for.",
    EvidenceLink.Relation.ADAPTED: "This decision took your idea and changed it.",
    EvidenceLink.Relation.REJECTED_BECAUSE: "This decision does not do what you asked.",
}
OUTCOME_SENTENCES = {
    Decision.Outcome.CARRIED: "It was agreed.",
    Decision.Outcome.NOT_CARRIED: "It was not agreed.",
    Decision.Outcome.DEFERRED: "It was put off to a later meeting.",
    Decision.Outcome.NOTED: "It was noted. There was no vote.",
}
# The short form, for tags and table cells: "Agreed", never "Carried".
OUTCOME_WORDS = {
    Decision.Outcome.CARRIED: "Agreed",
    Decision.Outcome.NOT_CARRIED: "Not agreed",
    Decision.Outcome.DEFERRED: "Put off to a later meeting",
    Decision.Outcome.NOTED: "Noted, no vote",
}


def outcome_words(outcome: str) -> str:
    """"Agreed", "Not agreed", "Put off to a later meeting" or "Noted, no vote"."""
    return OUTCOME_WORDS.get(outcome, "")


def outcome_sentence(outcome: str) -> str:
    """"It was agreed.", "It was not agreed.", "It was put off to a later meeting." ..."""
    return OUTCOME_SENTENCES.get(outcome, "")


def relation_sentence(relation: str, outcome: str = "", note: str = "") -> str:
    """What a decision did with what people said, and what became of it, e.g.
    "This decision used what you told us. It was agreed." or
    "This decision does not do what you asked. The reason: it costs too much. It was agreed."

    `note` is the reason recorded with a "rejected, because" link; for other relations it is shown
    separately (as "How it shaped the decision") and not repeated here.
    """
    first = RELATION_SENTENCES.get(relation, "")
    if relation == EvidenceLink.Relation.REJECTED_BECAUSE and note.strip():
        reason = note.strip()
        first = f"{first} The reason: {reason}{'' if reason[-1] in '.!?' else '.'}"
    return " ".join(part for part in (first, outcome_sentence(outcome)) if part)


def link_sentence(link: EvidenceLink) -> str:
    """relation_sentence for one evidence link, with its decision's outcome."""
    return relation_sentence(link.relation, link.decision.outcome, link.note)
