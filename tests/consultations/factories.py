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

from django.utils import timezone

from consultations.models import (
    Answer,
    AnswerChoice,
    ConsultationIndexPage,
    ConsultationPage,
    Question,
    Response,
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
    if question.kind == Kind.MULTIPLE_CHOICE:
        return [AnswerChoice(answer_id=answer.pk, question_id=question.pk, choice=c) for c in value]
    if question.kind == Kind.RANKING:
        return [
            AnswerChoice(answer_id=answer.pk, question_id=question.pk, choice=c, rank=rank)
            for rank, c in enumerate(value, 1)
        ]
    return []


def bulk_responses(page: ConsultationPage, n: int, seed: int = 0, *, batch_size: int = 2000,
                   status=Response.Status.SUBMITTED, skip_rate: float = 0.1) -> int:
    """Create `n` responses to `page` with random (seeded, so repeatable) answers to every question, in
    batches of `batch_size` with bulk_create; return n.

    Each question is left unanswered by about `skip_rate` of people. For tests and the bench only: it
    bypasses the history table on purpose (fixture data, not a business change).
    """
    rng = random.Random(seed)
    questions = list(page.questions.order_by("sort_order"))
    choice_counts = {q.pk: len(q.choice_list) for q in questions}
    origins = [o.value for o in Response.Origin]
    lived = [v.value for v in Response.LivedExperience] + [""]
    now = timezone.now()
    submitted = status == Response.Status.SUBMITTED
    for start in range(0, n, batch_size):
        size = min(batch_size, n - start)
        responses = Response.objects.bulk_create(
            [
                Response(
                    consultation=page,
                    status=status,
                    origin=rng.choice(origins),
                    lived_experience=rng.choice(lived),
                    idempotency_key=uuid.uuid4().hex,
                    reference=uuid.uuid4().hex[:12].upper(),
                    submitted_at=now - timedelta(minutes=start + i) if submitted else None,
                )
                for i in range(size)
            ]
        )
        answers, asked = [], []
        for response in responses:
            for question in questions:
                if rng.random() < skip_rate:
                    continue
                value = _random_value(rng, question, choice_counts[question.pk])
                fields = _answer_fields(question, value)
                answers.append(Answer(response_id=response.pk, question_id=question.pk, **fields))
                asked.append((question, value))
        Answer.objects.bulk_create(answers, batch_size=batch_size)
        picks = [pick for answer, (q, value) in zip(answers, asked) for pick in _picks(answer, q, value)]
        AnswerChoice.objects.bulk_create(picks, batch_size=batch_size)
    return n


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
