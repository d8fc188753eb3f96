"""How the ledger and the history views name consultation objects: "Consultation “Making our drop-in
more welcoming”", "Theme “Somewhere quiet”", never `consultations.theme 3`.

An answer or a response is named only by the consultation it belongs to: never by its words or by who
gave it. Registered in ConsultationsConfig.ready with portal.audit.words; one query per kind.
"""

from portal.audit.words import label_rows

from .models import Answer, ConsultationPage, PaperBatch, Response, ResponseStatement, Theme


def consultation_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Consultation “{title}”" for pk, title in label_rows(ConsultationPage, ids, "title")}


def theme_labels(ids: list[str]) -> dict[str, str]:
    return {str(pk): f"Theme “{name}”" for pk, name in label_rows(Theme, ids, "name")}


def statement_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(ResponseStatement, ids, "theme__name")
    return {str(pk): f"“We did” statement on “{theme}”" for pk, theme in rows}


def answer_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(Answer, ids, "response__consultation__title")
    return {str(pk): f"An answer to “{title}”" for pk, title in rows}


def response_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(Response, ids, "consultation__title")
    return {str(pk): f"A response to “{title}”" for pk, title in rows}


def batch_labels(ids: list[str]) -> dict[str, str]:
    rows = label_rows(PaperBatch, ids, "consultation__title")
    return {str(pk): f"A batch of paper or event forms for “{title}”" for pk, title in rows}


LABELS = {
    "consultations.paperbatch": (batch_labels, "Batch of forms"),
    "consultations.consultationpage": (consultation_labels, ""),
    "consultations.theme": (theme_labels, ""),
    "consultations.responsestatement": (statement_labels, "“We did” statement"),
    "consultations.answer": (answer_labels, ""),
    "consultations.response": (response_labels, ""),
}

# Consultation events carry the consultation's id as "consultation" whatever their target.
EVENT_KEYS = {"consultation": ConsultationPage, "batch": PaperBatch}
