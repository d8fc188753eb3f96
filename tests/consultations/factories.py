"""Consultation factories for tests and the bench: published pages, questions of every kind, responses.

Plain functions rather than factory-boy classes, because a page must be placed in the Wagtail tree
(`add_child`) and published (`save_revision().publish()`), and responses are made by the thousand.

    index = make_index(home_page)
    page = make_consultation(parent=index, results_visibility="live")
    make_response(page, {"single_choice": 0, "multiple_choice": [0, 2], "ranking": [2, 0, 1]})
    bulk_responses(page, 10_000, seed=1)
"""

import itertools
import random
import uuid
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from consultations.models import (
    Answer,
    AnswerChoice,
    ConsultationIndexPage,
    ConsultationPage,
    Question,
    Response,
    new_token,
)

Kind = Question.Kind

SINGLE_CHOICES = ["Weekday evenings", "Weekend mornings", "Weekend afternoons"]
MULTIPLE_CHOICES = ["Peer groups", "One-to-one support", "Online chat", "Walking group"]
RANKING_CHOICES = ["A crisis cafe", "Longer opening hours", "More peer workers"]
ALL_KINDS = [
    Kind.SHORT_TEXT,
    Kind.LONG_TEXT,
    Kind.SINGLE_CHOICE,
    Kind.MULTIPLE_CHOICE,
    Kind.SCALE,
    Kind.RANKING,
    Kind.YES_NO,
]
QUESTION_DEFAULTS = {
    Kind.SHORT_TEXT: {"prompt": "In a few words, what helps you most?"},
    Kind.LONG_TEXT: {"prompt": "Tell us about your last visit."},
    Kind.SINGLE_CHOICE: {"prompt": "When should groups meet?", "choices": "\n".join(SINGLE_CHOICES)},
    Kind.MULTIPLE_CHOICE: {"prompt": "Which would you use?", "choices": "\n".join(MULTIPLE_CHOICES)},
    Kind.SCALE: {
        "prompt": "How welcome did you feel?",
        "scale_low_label": "Not at all",
        "scale_high_label": "Very welcome",
    },
    Kind.RANKING: {"prompt": "Put these in order, most wanted first.", "choices": "\n".join(RANKING_CHOICES)},
    Kind.YES_NO: {"prompt": "Would you recommend us to a friend?"},
}
SAMPLE_TEXTS = [
    "Talking to someone who has been there.",
    "The evening group.",
    "Being listened to without judgement.",
    "Somewhere quiet to sit.",
    "Help with forms and letters.",
]

_numbers = itertools.count(1)


def make_index(home_page, **fields) -> ConsultationIndexPage:
    """The (single) published ConsultationIndexPage under `home_page`, made if there is none yet."""
    existing = ConsultationIndexPage.objects.child_of(home_page).first()
    if existing is not None:
        return existing
    index = ConsultationIndexPage(
        title=fields.pop("title", "Have your say"), slug=fields.pop("slug", "have-your-say"), **fields
    )
    home_page.add_child(instance=index)
    index.save_revision().publish()
    return ConsultationIndexPage.objects.get(pk=index.pk)


def make_question(kind: str, sort_order: int = 0, **fields) -> Question:
    """An unsaved Question of `kind` with sensible prompt and choices; `fields` override them."""
    values = {"kind": kind, "sort_order": sort_order, **QUESTION_DEFAULTS[kind], **fields}
    return Question(**values)


def make_consultation(parent=None, *, kinds=None, questions=None, **fields) -> ConsultationPage:
    """A published ConsultationPage, open now (opened yesterday, closes in a week) unless `fields` say
    otherwise, with one question of every kind in ALL_KINDS order (or `kinds`, or ready `questions`).

    `parent` defaults to the index under the site's HomePage (made if needed).
    """
    if parent is None:
        from portal.home.setup import ensure_home_page

        parent = make_index(ensure_home_page())
    number = next(_numbers)
    now = timezone.now()
    values = {
        "title": f"Consultation {number}",
        "slug": f"consultation-{number}-{uuid.uuid4().hex[:6]}",
        "summary": "We want to hear what would make our groups better.",
        "easy_read_summary": "<p>We want to know what you think.</p>",
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=7),
        **fields,
    }
    page = ConsultationPage(**values)
    if questions is None:
        questions = [make_question(kind, i) for i, kind in enumerate(kinds or ALL_KINDS)]
    page.questions = questions
    parent.add_child(instance=page)
    page.save_revision().publish()
    return ConsultationPage.objects.get(pk=page.pk)


def question_of(page: ConsultationPage, kind: str) -> Question:
    """The first question of `kind` on `page`."""
    return page.questions.filter(kind=kind).order_by("sort_order").first()


def make_response(page: ConsultationPage, answers: dict | None = None, *, status=Response.Status.SUBMITTED,
                  **fields) -> Response:
    """One response with `answers`, keyed by Question or by kind (the page's first question of it).

    Values: text for text kinds; a choice position for single choice and yes/no (0 = Yes); 1-5 for
    scales; a list of positions for multiple choice; a list of positions in ranked order (first = rank 1)
    for ranking. Submitted responses get `submitted_at` now unless given.
    """
    if status == Response.Status.SUBMITTED:
        fields.setdefault("submitted_at", timezone.now())
    response = Response.objects.create(
        consultation=page, status=status, idempotency_key=uuid.uuid4().hex, **fields
    )
    for key, value in (answers or {}).items():
        question = key if isinstance(key, Question) else question_of(page, key)
        fields = _answer_fields(question, value)
        answer = Answer.objects.create(response=response, question=question, **fields)
        AnswerChoice.objects.bulk_create(_picks(answer, question, value))
    return response


def _answer_fields(question: Question, value) -> dict:
    if question.kind in Question.TEXT_KINDS:
        return {"text": value}
    if question.kind == Kind.SCALE:
        return {"scale": value}
    if question.kind in (Kind.SINGLE_CHOICE, Kind.YES_NO):
        return {"choice": value}
    return {}


def _picks(answer: Answer, question: Question, value) -> list[AnswerChoice]:
    if question.kind not in (Kind.MULTIPLE_CHOICE, Kind.RANKING):
        return []
    return [AnswerChoice(answer_id=answer.pk, question_id=question.pk, choice=c, rank=rank)
            for c, rank in _pick_values(question, value)]


def consultation_for_module(module_db, **fields) -> int:
    """A consultation made once for a test module (tests/conftest.py's module_db) instead of once for each
    test; returns its id, so each test reads its own copy and runs in its own savepoint."""
    from portal.home.setup import ensure_home_page

    with module_db.unblock():
        return make_consultation(parent=make_index(ensure_home_page()), **fields).pk


def bulk_responses(page: ConsultationPage, n: int, seed: int = 0, *, batch_size: int = 2000,
                   status=Response.Status.SUBMITTED, skip_rate: float = 0.1) -> int:
    """Create `n` responses to `page` with random (seeded, so repeatable) answers to every question, in
    batches of `batch_size`; return n.

    Each question is left unanswered by about `skip_rate` of people. For tests and the bench only: rows
    are written with one executemany per table and batch (no model instances, no signals), so it
    bypasses the history table on purpose (fixture data, not a business change). The random draws are
    made in the same order whatever the writing, so a seed always builds the same answers.
    """
    rng = random.Random(seed)
    questions = list(page.questions.order_by("sort_order"))
    choice_counts = {q.pk: len(q.choice_list) for q in questions}
    pick_ids = [q.pk for q in questions if q.kind in (Kind.MULTIPLE_CHOICE, Kind.RANKING)]
    origins = [o.value for o in Response.Origin]
    lived = [v.value for v in Response.LivedExperience] + [""]
    now = timezone.now()
    submitted = status == Response.Status.SUBMITTED
    with transaction.atomic():
        for start in range(0, n, batch_size):
            size = min(batch_size, n - start)
            made_at, no_draft = _stored("created_at", timezone.now()), _stored("draft", {})
            responses = [  # in RESPONSE_COLUMNS order
                (page.pk, status, rng.choice(origins), rng.choice(lived), uuid.uuid4().hex,
                 uuid.uuid4().hex[:12].upper(),
                 _stored("submitted_at", now - timedelta(minutes=start + i)) if submitted else None,
                 new_token(), "", no_draft, made_at, made_at)
                for i in range(size)
            ]
            _insert(Response, RESPONSE_COLUMNS, responses)
            ids = _ids_of(Response, "idempotency_key", [row[4] for row in responses])
            answers, asked = [], []
            for row in responses:
                response_id = ids[row[4]]
                for question in questions:
                    if rng.random() < skip_rate:
                        continue
                    value = _random_value(rng, question, choice_counts[question.pk])
                    fields = _answer_fields(question, value)
                    answers.append((response_id, question.pk, fields.get("text", ""), fields.get("choice"),
                                    fields.get("scale")))
                    if question.pk in pick_ids:
                        asked.append((response_id, question, value))
            _insert(Answer, ("response_id", "question_id", "text", "choice", "scale"), answers)
            if asked:
                answer_ids = _answer_ids(list(ids.values()), pick_ids)
                picks = [
                    (answer_ids[(response_id, question.pk)], question.pk, choice, rank)
                    for response_id, question, value in asked
                    for choice, rank in _pick_values(question, value)
                ]
                _insert(AnswerChoice, ("answer_id", "question_id", "choice", "rank"), picks)
    return n


RESPONSE_COLUMNS = ("consultation_id", "status", "origin", "lived_experience", "idempotency_key", "reference",
                    "submitted_at", "resume_token", "consent_statement", "draft", "created_at", "updated_at")
LOOKUP_SLICE = 900  # ids looked up per query, within SQLite's smallest limit on query parameters


def _pick_values(question: Question, value) -> list[tuple[int, int | None]]:
    """(choice, rank) of each pick, as _picks makes them."""
    if question.kind == Kind.RANKING:
        return [(c, rank) for rank, c in enumerate(value, 1)]
    return [(c, None) for c in value]


def _stored(field: str, value):
    """`value` as the database stores Response.<field> (dates and JSON differ between databases)."""
    return Response._meta.get_field(field).get_db_prep_save(value, connection)


def _insert(model, fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Write `rows` (values in `fields` order, as the database stores them): one COPY on PostgreSQL
    (an executemany there is still a statement per row), one executemany elsewhere."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _ids_of(model, key: str, values: list) -> dict:
    """{value of the unique field `key`: id} for rows just written."""
    found = {}
    for at in range(0, len(values), LOOKUP_SLICE):
        rows = model.objects.filter(**{f"{key}__in": values[at:at + LOOKUP_SLICE]}).values_list(key, "pk")
        found.update(rows)
    return found


def _answer_ids(response_ids: list[int], question_ids: list[int]) -> dict[tuple[int, int], int]:
    """{(response id, question id): answer id} for the given responses' answers to `question_ids`."""
    found = {}
    for at in range(0, len(response_ids), LOOKUP_SLICE):
        some = response_ids[at:at + LOOKUP_SLICE]
        rows = Answer.objects.filter(response_id__in=some, question_id__in=question_ids)
        found.update(((r, q), pk) for r, q, pk in rows.values_list("response_id", "question_id", "pk"))
    return found


def _random_value(rng: random.Random, question: Question, count: int):
    if question.kind in Question.TEXT_KINDS:
        return rng.choice(SAMPLE_TEXTS)
    if question.kind == Kind.SCALE:
        return rng.randint(1, 5)
    if question.kind in (Kind.SINGLE_CHOICE, Kind.YES_NO):
        return rng.randrange(count)
    if question.kind == Kind.MULTIPLE_CHOICE:
        return sorted(rng.sample(range(count), rng.randint(1, count)))
    return rng.sample(range(count), count)  # ranking: every choice, in a random order
