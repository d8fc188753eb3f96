"""Results and the CSV export agree with the answers as stored, on a varied data set.

The results are SQL aggregates over every answer with the drafts' and withdrawn responses' answers
taken away, and the CSV is built straight from database rows a chunk at a time. These tests recount
everything the slow, obvious way (one stored answer at a time, submitted responses only) and compare:
several questions of one kind, answers from drafts, withdrawn responses and another consultation
mixed in, blank text, answers with no picks, and chunks that split the responses.
"""

import csv
import io
import json
from collections import Counter, defaultdict

import pytest
from django.test import RequestFactory

from consultations import exports, results_views
from consultations.models import Answer, AnswerChoice, Question, Response
from consultations.results import consultation_results
from portal.accounts import roles
from tests.factories import UserFactory

from .factories import bulk_responses, make_consultation, make_index, make_question, make_response

Kind = Question.Kind
KINDS = [Kind.SHORT_TEXT, Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE, Kind.SCALE, Kind.RANKING, Kind.YES_NO,
         Kind.LONG_TEXT, Kind.SCALE, Kind.RANKING, Kind.MULTIPLE_CHOICE, Kind.SINGLE_CHOICE]


@pytest.fixture
def page(home_page):
    return make_consultation(parent=make_index(home_page), results_visibility="live",
                             questions=[make_question(kind, i) for i, kind in enumerate(KINDS)])


@pytest.fixture
def analyst(db):
    return UserFactory(roles=[roles.ANALYSTS])


def fill(page, home_page):
    """Submitted, draft and withdrawn responses (all with answers), another consultation's answers sent
    in between, blank text, a choose-any answer with no picks, and a response with no answers."""
    other = make_consultation(parent=make_index(home_page), results_visibility="live")
    bulk_responses(page, 120, seed=11, batch_size=50)
    bulk_responses(other, 30, seed=12)
    bulk_responses(page, 25, seed=13, status=Response.Status.WITHDRAWN, skip_rate=0.3)
    bulk_responses(page, 15, seed=14, status=Response.Status.DRAFT)
    bulk_responses(page, 40, seed=15, skip_rate=0.6)
    questions = list(page.questions.order_by("sort_order"))
    short_text, long_text, multiple = questions[0], questions[6], questions[2]
    for status in (Response.Status.SUBMITTED, Response.Status.WITHDRAWN):
        response = make_response(page, {short_text: "", long_text: "=1+1"}, status=status)
        Answer.objects.create(response=response, question=multiple)  # answered, but nothing picked
    make_response(page, {})


def recount(page) -> dict:
    """{question id: what the results should say}, counted one stored answer at a time."""
    submitted = set(Response.objects.filter(consultation=page, status=Response.Status.SUBMITTED)
                    .values_list("pk", flat=True))
    counted = {}
    for question in page.questions.all():
        answers = [a for a in Answer.objects.filter(question=question) if a.response_id in submitted]
        if question.kind in Question.TEXT_KINDS:
            answers = [a for a in answers if a.text != ""]
        picks = [p for p in AnswerChoice.objects.filter(question=question).select_related("answer")
                 if p.answer.response_id in submitted]
        expected = {"answered": len(answers)}
        if question.kind == Kind.SCALE:
            values = Counter(a.scale for a in answers)
            expected["counts"] = [values[n] for n in range(1, 6)]
            expected["average"] = round(sum(a.scale for a in answers) / len(answers), 2)
        elif question.kind in (Kind.SINGLE_CHOICE, Kind.YES_NO):
            chosen = Counter(a.choice for a in answers)
            expected["counts"] = [chosen[n] for n in range(len(question.choice_list))]
        elif question.kind == Kind.MULTIPLE_CHOICE:
            ticked = Counter(p.choice for p in picks)
            expected["counts"] = [ticked[n] for n in range(len(question.choice_list))]
        elif question.kind == Kind.RANKING:
            n = len(question.choice_list)
            expected["scores"] = {c: sum(n + 1 - p.rank for p in picks if p.choice == c) for c in range(n)}
            expected["firsts"] = {c: sum(1 for p in picks if p.choice == c and p.rank == 1) for c in range(n)}
        counted[question.pk] = expected
    return counted


def test_results_equal_a_recount_of_the_submitted_answers(page, home_page):
    fill(page, home_page)
    expected = recount(page)

    found = consultation_results(page=page, suppress=False)

    assert found.total == 162
    assert len(found.questions) == len(KINDS)
    for result in found.questions:
        question, want = result.question, expected[result.question.pk]
        assert result.answered == want["answered"], question.kind
        if "counts" in want:
            assert [row.count for row in result.rows] == want["counts"], question.kind
            assert [row.percent for row in result.rows] == [round(100 * c / want["answered"], 1)
                                                            for c in want["counts"]]
        if "average" in want:
            assert result.average == want["average"]
        if "scores" in want:
            labels = question.choice_list
            assert sorted((row.label, row.score, row.first_places) for row in result.rows) == sorted(
                (labels[c], want["scores"][c], want["firsts"][c]) for c in range(len(labels)))
            scores = [row.score for row in result.rows]
            assert scores == sorted(scores, reverse=True)


def test_results_count_blank_text_and_unpicked_answers_as_the_rules_say(page):
    questions = list(page.questions.order_by("sort_order"))
    short_text, multiple = questions[0], questions[2]
    for status in (Response.Status.SUBMITTED, Response.Status.WITHDRAWN):
        response = make_response(page, {short_text: ""}, status=status)
        Answer.objects.create(response=response, question=multiple)
    make_response(page, {short_text: "Tea", multiple: [1, 3]})

    found = {r.question.pk: r for r in consultation_results(page=page, suppress=False).questions}

    assert found[short_text.pk].answered == 1  # blank text is no answer
    assert found[multiple.pk].answered == 2  # an answer with nothing ticked still says they answered
    assert [row.count for row in found[multiple.pk].rows] == [0, 1, 0, 1]


def expected_cell(question, answer, picks) -> str:
    labels = question.choice_list
    if answer is None:
        return ""
    if question.kind in Question.TEXT_KINDS:
        return exports.neutralise(answer.text)
    if question.kind == Kind.SCALE:
        return "" if answer.scale is None else str(answer.scale)
    if question.kind in (Kind.SINGLE_CHOICE, Kind.YES_NO):
        return "" if answer.choice is None else exports.neutralise(labels[answer.choice])
    ordered = sorted(picks, key=lambda p: (p.rank or 0, p.choice))
    joiner = " > " if question.kind == Kind.RANKING else "; "
    return exports.neutralise(joiner.join(labels[p.choice] for p in ordered))


def expected_csv(page) -> list[list[str]]:
    """The export, one response at a time: submitted responses in the order their answers were written
    (responses with no answers last), every question's cell from its stored answer and picks."""
    questions = list(page.questions.order_by("sort_order", "pk"))
    responses = list(Response.objects.filter(consultation=page, status=Response.Status.SUBMITTED))
    answers = defaultdict(dict)
    for answer in Answer.objects.filter(response__in=responses):
        answers[answer.response_id][answer.question_id] = answer
    picks = defaultdict(list)
    for pick in AnswerChoice.objects.filter(answer__response__in=responses):
        picks[pick.answer_id].append(pick)
    first = {r.pk: min((a.pk for a in answers[r.pk].values()), default=None) for r in responses}
    responses.sort(key=lambda r: (first[r.pk] is None, first[r.pk] or 0, r.pk))
    header = exports.RESPONSE_FIELDS + [f"Q{n}: {q.prompt}" for n, q in enumerate(questions, 1)]
    rows = [header]
    for response in responses:
        row = [response.reference, response.submitted_at.isoformat(), response.origin,
               response.lived_experience]
        for question in questions:
            answer = answers[response.pk].get(question.pk)
            row.append(expected_cell(question, answer, picks[answer.pk] if answer else []))
        rows.append(row)
    return rows


def download(page, user, fmt: str) -> str:
    """The export view's whole body, called as the page's route calls it."""
    request = RequestFactory().get(page.url + page.reverse_subpage(f"export-{fmt}"))
    request.user = user
    view = results_views.export_csv if fmt == "csv" else results_views.export_json
    return b"".join(view(request, page).streaming_content).decode("utf-8-sig")


@pytest.mark.parametrize("chunk_size", [7, 2000])
def test_csv_equals_the_stored_answers_row_by_row_across_chunks(page, home_page, analyst, monkeypatch,
                                                                chunk_size):
    fill(page, home_page)
    monkeypatch.setattr(exports, "CHUNK_SIZE", chunk_size)

    table = list(csv.reader(io.StringIO(download(page, analyst, "csv"))))

    expected = expected_csv(page)
    assert len(table) == 163
    assert table[0] == expected[0]
    for got, want in zip(table[1:], expected[1:]):
        assert got == want
    assert "'=1+1" in {cell for row in table for cell in row}


def test_json_holds_the_same_answers_as_the_csv(page, home_page, analyst, monkeypatch):
    fill(page, home_page)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 7)

    document = json.loads(download(page, analyst, "json"))
    table = list(csv.reader(io.StringIO(download(page, analyst, "csv"))))

    questions = document["questions"]
    assert [record["reference"] for record in document["responses"]] == [row[0] for row in table[1:]]
    for record, row in zip(document["responses"], table[1:]):
        for number, question in enumerate(questions):
            value = record["answers"].get(str(question["id"]))
            if isinstance(value, list):
                value = (" > " if question["kind"] == Kind.RANKING else "; ").join(value)
            assert exports.neutralise("" if value is None else str(value)) == row[4 + number]
