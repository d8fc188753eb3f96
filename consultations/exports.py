"""Analyst exports of submitted responses: rows generated a chunk at a time, so memory stays flat.

Invariant: no list of all responses is ever built. Responses are read with `.iterator()`; their
answers and picks are fetched per chunk of CHUNK_SIZE responses (two range queries per chunk),
turned into rows and dropped. Exports carry a response's reference, never the respondent, so lived
experience is never beside a name. Every export writes one `consultation.export_made` ledger event
(page id and format only, never content).
"""

import csv
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import F, Max, Min

from portal.audit.services import audit_record
from portal.csv_safety import formula_safe

from .models import Answer, AnswerChoice, ConsultationPage, Question, Response

CHUNK_SIZE = 2000
RESPONSE_FIELDS = ["reference", "submitted_at", "origin", "lived_experience"]

Kind = Question.Kind
PICK_KINDS = {Kind.MULTIPLE_CHOICE, Kind.RANKING}


def export_record(*, user, page: ConsultationPage, fmt: str) -> None:
    """Write the ledger event for an export of `page` in `fmt` ("csv" or "json"): ids only."""
    audit_record(
        actor=user, action="consultation.export_made", target=page, data={"page_id": page.pk, "format": fmt}
    )


def neutralise(value: str) -> str:
    """Stop a spreadsheet treating a cell as a formula (portal.csv_safety)."""
    return formula_safe(value)


def export_questions(page: ConsultationPage) -> list[Question]:
    return list(page.questions.order_by("sort_order", "pk"))


def response_records(page: ConsultationPage, questions: list[Question]) -> Iterator[dict]:
    """One dict per submitted response, in the order they were sent: the response fields and
    {question id: value}.

    Values: text; a choice's label (choose one, yes/no); the number (scale); a list of labels in
    position order (choose any) or in ranked order (ranking). Unanswered questions are absent.

    A response's answers are written together when it is sent, so ordering responses by their first
    answer's id puts each chunk's answers (and their picks) in one narrow id range: each chunk costs
    two range scans, however many responses came before it.
    """
    labels = {q.pk: q.choice_list for q in questions}
    rows = (
        Response.objects.filter(consultation=page, status=Response.Status.SUBMITTED)
        .annotate(first_answer=Min("answers__id"), last_answer=Max("answers__id"))
        .order_by(F("first_answer").asc(nulls_last=True), "pk")
        .values_list("pk", "first_answer", "last_answer", *RESPONSE_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    for chunk in _chunks(rows, CHUNK_SIZE):
        answers = _chunk_answers(chunk, questions, labels)
        for pk, _first, _last, *fields in chunk:
            yield {**dict(zip(RESPONSE_FIELDS, fields)), "answers": answers.get(pk, {})}


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _chunk_answers(chunk: list[tuple], questions: list[Question], labels: dict[int, list[str]]) -> dict:
    """{response id: {question id: value}} for one chunk of responses (two queries, none if no answers).

    Answers and picks are read by id range and this consultation's questions, so other consultations'
    answers sent in between are never loaded; a withdrawn response's answers in the range are skipped."""
    spans = [(first, last) for _pk, first, last, *_ in chunk if first is not None]
    if not spans:
        return {}
    in_chunk = {row[0] for row in chunk}
    kinds = {q.pk: q.kind for q in questions}
    answers, pick_owners = defaultdict(dict), {}
    first, last = min(first for first, _ in spans), max(last for _, last in spans)
    rows = Answer.objects.filter(pk__gte=first, pk__lte=last, question_id__in=list(kinds)).values_list(
        "pk", "response_id", "question_id", "text", "choice", "scale"
    )
    for pk, response_id, question_id, text, choice, scale in rows:
        if response_id not in in_chunk:
            continue
        if kinds[question_id] in PICK_KINDS:
            pick_owners[pk] = response_id
            continue
        value = _held_value(kinds[question_id], labels[question_id], text, choice, scale)
        if value not in (None, ""):
            answers[response_id][question_id] = value
    if pick_owners:
        picks = (
            AnswerChoice.objects.filter(
                answer_id__gte=min(pick_owners),
                answer_id__lte=max(pick_owners),
                question_id__in=[pk for pk, kind in kinds.items() if kind in PICK_KINDS],
            )
            .order_by("answer_id", "rank", "choice")
            .values_list("answer_id", "question_id", "choice")
        )
        for answer_id, question_id, choice in picks:
            owner = pick_owners.get(answer_id)
            if owner is not None:
                answers[owner].setdefault(question_id, []).append(_label(labels[question_id], choice))
    return answers


def _held_value(kind: str, labels: list[str], text: str, choice: int | None, scale: int | None):
    if kind in Question.TEXT_KINDS:
        return text
    if kind == Kind.SCALE:
        return scale
    return None if choice is None else _label(labels, choice)


def _label(labels: list[str], choice: int) -> str:
    return labels[choice] if 0 <= choice < len(labels) else f"(choice {choice + 1})"


def csv_rows(page: ConsultationPage) -> Iterator[list[str]]:
    """The header, then one row per submitted response, every cell neutralised."""
    questions = export_questions(page)
    yield [neutralise(h) for h in RESPONSE_FIELDS + [f"Q{n}: {q.prompt}" for n, q in enumerate(questions, 1)]]
    for record in response_records(page, questions):
        cells = [_iso(record["submitted_at"]), record["origin"], record["lived_experience"]]
        cells += [_csv_value(q, record["answers"].get(q.pk)) for q in questions]
        yield [neutralise(str(cell)) for cell in [record["reference"], *cells]]


def _csv_value(question: Question, value) -> str:
    if value is None:
        return ""
    if question.kind == Kind.MULTIPLE_CHOICE:
        return "; ".join(value)
    if question.kind == Kind.RANKING:
        return " > ".join(value)
    return str(value)


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


class _Echo:
    """A file-like object whose write() hands back the line, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(page: ConsultationPage) -> Iterator[str]:
    """The CSV file as lines of text, starting with a UTF-8 byte order mark so spreadsheets read it right."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in csv_rows(page):
        yield writer.writerow(row)


def json_chunks(page: ConsultationPage) -> Iterator[str]:
    """The JSON document in pieces: the consultation, its questions, then each response in turn."""
    questions = export_questions(page)
    head = {
        "consultation": {"id": page.pk, "title": page.title, "opens_at": _iso(page.opens_at),
                         "closes_at": _iso(page.closes_at)},
        "questions": [
            {"id": q.pk, "number": n, "kind": q.kind, "prompt": q.prompt, "choices": q.choice_list}
            for n, q in enumerate(questions, 1)
        ],
    }
    yield json.dumps(head)[:-1] + ', "responses": ['
    separator = ""
    for record in response_records(page, questions):
        record["submitted_at"] = _iso(record["submitted_at"])
        record["answers"] = {str(q): v for q, v in record["answers"].items()}
        yield separator + json.dumps(record)
        separator = ", "
    yield "]}"
