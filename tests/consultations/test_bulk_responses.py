"""bulk_responses, the fixture maker behind the results, export and bench figures: what it writes.

It writes rows without model instances, so these pin that what it writes is what the services would
write: each answer with its own response and question, picks under their answer, rankings complete,
and the same answers for the same seed.
"""

from collections import defaultdict

from django.db.models import F

from consultations.models import Answer, AnswerChoice, Question, Response

from .factories import bulk_responses, make_consultation, make_index

Kind = Question.Kind


def stored(page) -> list[tuple]:
    """Each response's status, origin and answers (by question position, with picks in order)."""
    position = {q.pk: i for i, q in enumerate(page.questions.order_by("sort_order"))}
    picks = defaultdict(list)
    for answer_id, choice, rank in AnswerChoice.objects.filter(answer__response__consultation=page).order_by(
            "answer_id", "rank", "choice").values_list("answer_id", "choice", "rank"):
        picks[answer_id].append((choice, rank))
    answers = defaultdict(list)
    for pk, response_id, question_id, text, choice, scale in Answer.objects.filter(
            response__consultation=page).order_by("pk").values_list(
            "pk", "response_id", "question_id", "text", "choice", "scale"):
        answers[response_id].append((position[question_id], text, choice, scale, picks.get(pk, [])))
    return [(status, origin, lived, answers[pk]) for pk, status, origin, lived in Response.objects.filter(
        consultation=page).order_by("pk").values_list("pk", "status", "origin", "lived_experience")]


def test_bulk_responses_writes_complete_answers_and_the_same_ones_for_the_same_seed(home_page):
    index = make_index(home_page)
    first, second = make_consultation(parent=index), make_consultation(parent=index)

    bulk_responses(first, 45, seed=3, batch_size=20)
    bulk_responses(second, 45, seed=3, batch_size=20)
    bulk_responses(first, 5, seed=4, status=Response.Status.WITHDRAWN)

    made = stored(first)
    assert made[:45] == stored(second)
    assert [status for status, *_ in made] == ["submitted"] * 45 + ["withdrawn"] * 5
    submitted = Response.objects.filter(consultation=first, status="submitted")
    assert not submitted.filter(submitted_at__isnull=True).exists()
    withdrawn = Response.objects.filter(consultation=first, status="withdrawn")
    assert not withdrawn.filter(submitted_at__isnull=False).exists()
    kinds = [q.kind for q in first.questions.order_by("sort_order")]
    answered = 0
    for _status, _origin, _lived, answers in made:
        for position, text, choice, scale, picks in answers:
            answered += 1
            kind = kinds[position]
            assert bool(text) == (kind in Question.TEXT_KINDS)
            assert (choice is not None) == (kind in (Kind.SINGLE_CHOICE, Kind.YES_NO))
            assert (scale is not None) == (kind == Kind.SCALE)
            if kind == Kind.RANKING:
                assert sorted(rank for _c, rank in picks) == [1, 2, 3]
                assert sorted(c for c, _r in picks) == [0, 1, 2]
            elif kind == Kind.MULTIPLE_CHOICE:
                assert picks and all(rank is None for _c, rank in picks)
            else:
                assert picks == []
    assert 0.8 * 50 * len(kinds) < answered < 50 * len(kinds)  # about one in ten questions skipped
    assert not AnswerChoice.objects.exclude(question_id=F("answer__question_id")).exists()  # same question
