"""Analyst exports of submitted responses: rows generated a chunk at a time, so memory stays flat.

Invariant: no list of all responses is ever built. Responses are read with `.iterator()`; their
answers and picks are fetched per chunk of CHUNK_SIZE responses (two range queries per chunk),
turned into rows and dropped; the CSV is sent a chunk of rows at a time. Exports carry a response's
reference, never the respondent, so lived experience is never beside a name. Every export writes one
`consultation.export_made` ledger event (page id and format only, never content).
"""

import csv
import io
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
    """
    labels = {q.pk: q.choice_list for q in questions}
    for chunk in _response_chunks(page):
        answers = _chunk_answers(chunk, questions, labels)
        for pk, _first, _last, *fields in chunk:
            yield {**dict(zip(RESPONSE_FIELDS, fields)), "answers": answers.get(pk, {})}


def _response_chunks(page: ConsultationPage) -> Iterator[list[tuple]]:
    """The submitted responses in the order they were sent, CHUNK_SIZE at a time, as tuples of
    (id, first answer id, last answer id, *RESPONSE_FIELDS).

    A response's answers are written together when it is sent, so ordering responses by their first
    answer's id puts each chunk's answers (and their picks) in one narrow id range: each chunk costs
    two range scans, however many responses came before it. Grouped by the selected columns only.
    """
    rows = (
        Response.objects.filter(consultation=page, status=Response.Status.SUBMITTED)
        .values("pk", *RESPONSE_FIELDS)
        .annotate(first_answer=Min("answers__id"), last_answer=Max("answers__id"))
        .order_by(F("first_answer").asc(nulls_last=True), "pk")
        .values_list("pk", "first_answer", "last_answer", *RESPONSE_FIELDS)
        .iterator(chunk_size=CHUNK_SIZE)
    )
    return _chunks(rows, CHUNK_SIZE)


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _answer_rows(chunk: list[tuple], question_ids: list[int]) -> Iterable[tuple]:
    """(id, response id, question id, text, choice, scale) of the answers in the id range of the
    chunk's answers, to this page's questions: other consultations' answers sent in between are never
    loaded, but a withdrawn response's answers in the range are (the callers skip them)."""
    spans = [(first, last) for _pk, first, last, *_ in chunk if first is not None]
    if not spans:
        return []
    first, last = min(first for first, _ in spans), max(last for _, last in spans)
    return Answer.objects.filter(pk__gte=first, pk__lte=last, question_id__in=question_ids).values_list(
        "pk", "response_id", "question_id", "text", "choice", "scale"
    )


def _pick_rows(owners: dict[int, int], question_ids: list[int]) -> Iterable[tuple]:
    """(answer id, question id, choice) of the picks of the answers in `owners`' id range, in the
    order of each answer's picks: by rank, then by position (callers skip answers not in `owners`)."""
    if not owners:
        return []
    return (
        AnswerChoice.objects.filter(
            answer_id__gte=min(owners), answer_id__lte=max(owners), question_id__in=question_ids
        )
        .order_by("answer_id", "rank", "choice")
        .values_list("answer_id", "question_id", "choice")
    )


def _chunk_answers(chunk: list[tuple], questions: list[Question], labels: dict[int, list[str]]) -> dict:
    """{response id: {question id: value}} for one chunk of responses (two queries, none if no answers)."""
    in_chunk = {row[0] for row in chunk}
    kinds = {q.pk: q.kind for q in questions}
    answers, pick_owners = defaultdict(dict), {}
    for pk, response_id, question_id, text, choice, scale in _answer_rows(chunk, list(kinds)):
        if response_id not in in_chunk:
            continue
        if kinds[question_id] in PICK_KINDS:
            pick_owners[pk] = response_id
            continue
        value = _held_value(kinds[question_id], labels[question_id], text, choice, scale)
        if value not in (None, ""):
            answers[response_id][question_id] = value
    pick_ids = [pk for pk, kind in kinds.items() if kind in PICK_KINDS]
    for answer_id, question_id, choice in _pick_rows(pick_owners, pick_ids):
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
    for rows in _csv_row_chunks(page):
        yield from rows


def _csv_row_chunks(page: ConsultationPage) -> Iterator[list[list[str]]]:
    """csv_rows a chunk of responses at a time (the header is the first chunk's first row).

    Each row is made straight from the database rows, with no record in between: a list of blank
    cells per response, filled in by column as its answers and picks arrive. Choice labels are
    neutralised once per question, not once per cell; every cell that holds what someone typed (or
    joined labels) is neutralised as it is filled. Dates are ISO 8601 and start with a digit.
    """
    questions = export_questions(page)
    header = RESPONSE_FIELDS + [f"Q{n}: {q.prompt}" for n, q in enumerate(questions, 1)]
    yield [[neutralise(h) for h in header]]
    column = {q.pk: i for i, q in enumerate(questions, len(RESPONSE_FIELDS))}
    kinds = {q.pk: q.kind for q in questions}
    labels = {q.pk: q.choice_list for q in questions}
    safe_labels = {pk: [neutralise(label) for label in choices] for pk, choices in labels.items()}
    pick_ids = [pk for pk, kind in kinds.items() if kind in PICK_KINDS]
    blank = [""] * len(questions)
    few = _Neutralised()  # origin, lived experience and scale values: a handful of values, each done once
    for chunk in _response_chunks(page):
        rows = {}
        for pk, _first, _last, reference, submitted_at, origin, lived in chunk:
            rows[pk] = [neutralise(reference), _iso(submitted_at), few[origin], few[lived], *blank]
        pick_owners = {}
        for pk, response_id, question_id, text, choice, scale in _answer_rows(chunk, list(kinds)):
            row = rows.get(response_id)
            if row is None:
                continue
            kind = kinds[question_id]
            if kind in PICK_KINDS:
                pick_owners[pk] = response_id
            elif kind in Question.TEXT_KINDS:
                row[column[question_id]] = neutralise(text)
            elif kind == Kind.SCALE:
                if scale is not None:
                    row[column[question_id]] = few[scale]
            elif choice is not None:
                safe = safe_labels[question_id]
                if 0 <= choice < len(safe):
                    row[column[question_id]] = safe[choice]
                else:
                    row[column[question_id]] = neutralise(_label(labels[question_id], choice))
        picked = defaultdict(list)
        for answer_id, question_id, choice in _pick_rows(pick_owners, pick_ids):
            owner = pick_owners.get(answer_id)
            if owner is not None:
                picked[(owner, question_id)].append(_label(labels[question_id], choice))
        for (owner, question_id), chosen in picked.items():
            joiner = " > " if kinds[question_id] == Kind.RANKING else "; "
            rows[owner][column[question_id]] = neutralise(joiner.join(chosen))
        yield list(rows.values())


class _Neutralised(dict):
    """{value: the value as a neutralised cell}, filled as values are first met."""

    def __missing__(self, value) -> str:
        cell = self[value] = neutralise(str(value))
        return cell


def _iso(moment) -> str:
    return moment.isoformat() if moment else ""


def csv_lines(page: ConsultationPage) -> Iterator[str]:
    """The CSV file in pieces of text (a chunk of responses each), starting with a UTF-8 byte order
    mark so spreadsheets read it right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff"
    for rows in _csv_row_chunks(page):
        writer.writerows(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


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
