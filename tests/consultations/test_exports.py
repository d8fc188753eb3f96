"""Analyst exports: CSV and JSON of submitted responses, streamed, neutralised, refused to others, audited."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from consultations import exports, results_views
from consultations.models import ConsultationPage, Response
from portal.accounts import roles
from portal.audit.models import AuditEvent
from tests.factories import UserFactory

from .factories import (
    bulk_responses, consultation_for_module, make_consultation, make_index, make_response, question_of,
)

ANSWERS = {
    "short_text": "Somewhere quiet",
    "long_text": "The evening group, 'with tea'",
    "single_choice": 1,
    "multiple_choice": [0, 2],
    "scale": 4,
    "ranking": [2, 0, 1],
    "yes_no": 0,
}


@pytest.fixture(scope="module")
def built_page(module_db) -> int:
    """The consultation, made once for the module (each test reads its own copy: `page`)."""
    return consultation_for_module(module_db, results_visibility="live")


@pytest.fixture
def page(built_page, home_page):
    return ConsultationPage.objects.get(pk=built_page)


@pytest.fixture
def analyst(db):
    return UserFactory(roles=[roles.ANALYSTS])


def export(page, user, fmt="csv"):
    """Call the export view as the page's route does, returning the (streaming) response."""
    request = RequestFactory().get(page.url + page.reverse_subpage(f"export-{fmt}"))
    request.user = user
    view = results_views.export_csv if fmt == "csv" else results_views.export_json
    return view(request, page)


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def csv_table(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response))))


def test_csv_has_a_header_and_one_row_per_submitted_response(page, analyst):
    response = make_response(page, ANSWERS, origin=Response.Origin.PAPER, lived_experience="yes")
    make_response(page, {"yes_no": 1})
    make_response(page, ANSWERS, status=Response.Status.DRAFT)
    make_response(page, ANSWERS, status=Response.Status.WITHDRAWN)

    reply = export(page, analyst)
    header, *rows = csv_table(reply)

    assert reply.streaming and reply["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="consultation-' in reply["Content-Disposition"]
    assert header[:4] == ["reference", "submitted_at", "origin", "lived_experience"]
    assert header[4:] == [f"Q{n}: {q.prompt}" for n, q in enumerate(page.questions.order_by("sort_order"), 1)]
    assert len(rows) == 2
    assert rows[0] == [
        response.reference, response.submitted_at.isoformat(), "paper", "yes",
        "Somewhere quiet", "The evening group, 'with tea'", "Weekend mornings", "Peer groups; Online chat",
        "4",
        "More peer workers > A crisis cafe > Longer opening hours", "Yes",
    ]
    assert rows[1][4:] == ["", "", "", "", "", "", "No"]


@pytest.mark.parametrize("typed", ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1)",
                                   "\tTAB", "\rCR"])
def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_get_a_leading_apostrophe(page, analyst, typed):
    make_response(page, {"short_text": typed})

    header, row = csv_table(export(page, analyst))

    assert row[header.index(f"Q1: {question_of(page, 'short_text').prompt}")] == "'" + typed


def test_csv_rows_keep_each_answer_with_its_own_response_across_chunks(page, analyst, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 3)
    made = {make_response(page, {"short_text": f"Answer {i}", "multiple_choice": [i % 4]}).reference: i
            for i in range(8)}

    _header, *rows = csv_table(export(page, analyst))

    assert len(rows) == 8
    for row in rows:
        i = made[row[0]]
        assert row[4] == f"Answer {i}"
        assert row[7] == ["Peer groups", "One-to-one support", "Online chat", "Walking group"][i % 4]


def test_export_query_count_does_not_grow_with_responses_within_a_chunk(page, analyst):
    bulk_responses(page, 5, seed=1)
    body(export(page, analyst))  # the first export also gives the analyst an audit pseudonym
    with CaptureQueriesContext(connection) as few:
        body(export(page, analyst))
    bulk_responses(page, 60, seed=2)
    with CaptureQueriesContext(connection) as many:
        body(export(page, analyst))

    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_exports_are_refused_to_anyone_but_analysts(page, service_user, user_factory, fmt):
    from django.contrib.auth.models import AnonymousUser

    make_response(page, ANSWERS)
    editor = user_factory(roles=[roles.EDITORS])

    for person in (AnonymousUser(), service_user, editor):
        reply = export(page, person, fmt)
        reply.render()
        assert reply.status_code == 403
        assert "Only analysts can download answers" in reply.content.decode()
        assert "Somewhere quiet" not in reply.content.decode()
    assert not AuditEvent.objects.filter(action="consultation.export_made").exists()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_each_export_writes_one_audit_event_with_ids_and_format_only(page, analyst, fmt):
    response = make_response(page, ANSWERS)

    body(export(page, analyst, fmt))

    event = AuditEvent.objects.get(action="consultation.export_made")
    assert event.data == {"page_id": page.pk, "format": fmt}
    assert event.target_id == str(page.pk)
    stored = json.dumps([event.data, event.target_type, event.target_id, event.actor_key])
    assert response.reference not in stored and "Somewhere quiet" not in stored
    assert analyst.email not in stored


def test_exports_are_never_cached(page, analyst):
    for fmt in ("csv", "json"):
        assert "no-store" in export(page, analyst, fmt)["Cache-Control"]


def test_json_export_parses_and_holds_each_submitted_response(page, analyst):
    response = make_response(page, ANSWERS, lived_experience="prefer_not")
    make_response(page, ANSWERS, status=Response.Status.WITHDRAWN)

    reply = export(page, analyst, "json")
    data = json.loads(body(reply))

    assert reply.streaming and reply["Content-Type"] == "application/json"
    assert data["consultation"]["id"] == page.pk
    assert [q["kind"] for q in data["questions"]] == [q.kind for q in page.questions.order_by("sort_order")]
    assert len(data["responses"]) == 1
    record = data["responses"][0]
    assert record["reference"] == response.reference and record["lived_experience"] == "prefer_not"
    answers = {q["kind"]: record["answers"].get(str(q["id"])) for q in data["questions"]}
    assert answers == {
        "short_text": "Somewhere quiet", "long_text": "The evening group, 'with tea'",
        "single_choice": "Weekend mornings", "multiple_choice": ["Peer groups", "Online chat"], "scale": 4,
        "ranking": ["More peer workers", "A crisis cafe", "Longer opening hours"], "yes_no": "Yes",
    }


def test_json_export_of_a_consultation_with_no_responses_is_valid(page, analyst):
    assert json.loads(body(export(page, analyst, "json")))["responses"] == []


def test_exports_carry_no_respondent_identity(page, analyst):
    person = UserFactory(display_name="Alex Example")
    make_response(page, ANSWERS, respondent=person)

    text = body(export(page, analyst)) + body(export(page, analyst, "json"))

    assert "Alex Example" not in text and person.email not in text


def test_export_routes_are_reachable_at_the_page_url(client, page, analyst):
    """The page's export routes must be URLs Wagtail can serve (its serve pattern allows only
    letters, digits, '-' and '_' in each path part, ending in '/')."""
    client.force_login(analyst)
    for fmt in ("csv", "json"):
        reply = client.get(page.url + page.reverse_subpage(f"export-{fmt}"))
        assert reply.status_code == 200, (fmt, page.reverse_subpage(f"export-{fmt}"))


def test_csv_keeps_only_this_consultations_answers_when_others_were_sent_in_between(home_page, page, analyst):
    other = make_consultation(parent=make_index(home_page))
    first = make_response(page, {"short_text": "First", "multiple_choice": [0]})
    make_response(other, {"short_text": "Other consultation", "multiple_choice": [1]})
    make_response(page, {"short_text": "Withdrawn", "ranking": [0, 1, 2]}, status=Response.Status.WITHDRAWN)
    last = make_response(page, {"short_text": "Last", "ranking": [1, 2, 0]})

    _header, *rows = csv_table(export(page, analyst))

    assert [(row[0], row[4], row[7], row[9]) for row in rows] == [
        (first.reference, "First", "Peer groups", ""),
        (last.reference, "Last", "", "Longer opening hours > More peer workers > A crisis cafe"),
    ]
