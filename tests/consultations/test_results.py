"""Results: exact aggregates, what counts, small-number suppression, query counts, who sees what."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultations.models import ConsultationPage, Question, Response
from consultations.results import FEWER_THAN_5, HIDDEN, consultation_results
from portal.accounts import roles
from tests.factories import UserFactory

from .factories import (
    bulk_responses, consultation_for_module, make_consultation, make_index, make_response,
)

Kind = Question.Kind


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


def results_url(page) -> str:
    return page.url + page.reverse_subpage("results")


def by_kind(found, kind):
    return next(q for q in found.questions if q.kind == kind)


def counts(result):
    return [(row.label, row.count) for row in result.rows]


def add_known_responses(page):
    """Four submitted responses with hand-checked results, plus a draft and a withdrawn one."""
    make_response(page, {"single_choice": 0, "yes_no": 0, "multiple_choice": [0, 1], "scale": 5,
                         "ranking": [2, 0, 1], "short_text": "Groups"})
    make_response(page, {"single_choice": 0, "yes_no": 0, "multiple_choice": [0], "scale": 4,
                         "ranking": [0, 2, 1], "short_text": "Staff"})
    make_response(page, {"single_choice": 0, "yes_no": 1, "multiple_choice": [1, 2], "scale": 4,
                         "ranking": [2, 1, 0], "short_text": "Tea"})
    make_response(page, {"single_choice": 1, "yes_no": 1, "scale": 1, "ranking": [2, 0, 1]})
    noise = {"single_choice": 2, "yes_no": 1, "multiple_choice": [3], "scale": 2, "ranking": [1, 0, 2],
             "short_text": "Not counted", "long_text": "Not counted"}
    make_response(page, noise, status=Response.Status.WITHDRAWN)
    make_response(page, noise, status=Response.Status.DRAFT)


def test_counts_percentages_average_and_borda_scores_are_exact(page):
    add_known_responses(page)

    found = consultation_results(page=page, suppress=False)

    assert found.total == 4
    single = by_kind(found, Kind.SINGLE_CHOICE)
    assert single.answered == 4
    assert counts(single) == [("Weekday evenings", 3), ("Weekend mornings", 1), ("Weekend afternoons", 0)]
    assert [row.percent for row in single.rows] == [75.0, 25.0, 0.0]
    yes_no = by_kind(found, Kind.YES_NO)
    assert counts(yes_no) == [("Yes", 2), ("No", 2)]
    assert [row.percent for row in yes_no.rows] == [50.0, 50.0]
    multiple = by_kind(found, Kind.MULTIPLE_CHOICE)
    assert multiple.answered == 3
    assert counts(multiple) == [("Peer groups", 2), ("One-to-one support", 2), ("Online chat", 1),
                                ("Walking group", 0)]
    assert [row.percent for row in multiple.rows] == [66.7, 66.7, 33.3, 0.0]
    scale = by_kind(found, Kind.SCALE)
    assert [row.count for row in scale.rows] == [1, 0, 0, 2, 1]
    assert scale.rows[0].label == "1 - Not at all" and scale.rows[4].label == "5 - Very welcome"
    assert scale.average == 3.5
    ranking = by_kind(found, Kind.RANKING)
    assert [(row.label, row.score, row.first_places) for row in ranking.rows] == [
        ("More peer workers", 11, 3),
        ("A crisis cafe", 8, 1),
        ("Longer opening hours", 5, 0),
    ]
    assert by_kind(found, Kind.SHORT_TEXT).answered == 3
    assert by_kind(found, Kind.LONG_TEXT).answered == 0


def test_draft_and_withdrawn_responses_are_not_counted(page):
    everything = {"single_choice": 0, "yes_no": 0, "multiple_choice": [0], "scale": 3, "ranking": [0, 1, 2],
                  "short_text": "Hello"}
    for _ in range(6):
        make_response(page, everything, status=Response.Status.WITHDRAWN)
        make_response(page, everything, status=Response.Status.DRAFT)

    found = consultation_results(page=page, suppress=False)

    assert found.total == 0
    assert all(q.answered == 0 for q in found.questions)
    assert all(row.count == 0 and not row.score for q in found.questions for row in q.rows)
    assert by_kind(found, Kind.SCALE).average is None


def test_a_response_withdrawn_after_submitting_stops_counting(page):
    for _ in range(5):
        make_response(page, {"yes_no": 0})
    leaving = make_response(page, {"yes_no": 0})
    assert consultation_results(page=page, suppress=False).total == 6

    Response.objects.filter(pk=leaving.pk).update(status=Response.Status.WITHDRAWN)

    found = consultation_results(page=page, suppress=False)
    assert found.total == 5
    assert counts(by_kind(found, Kind.YES_NO)) == [("Yes", 5), ("No", 0)]


def test_counts_under_five_read_fewer_than_5_in_public_and_exact_for_analysts(page):
    for picks in [[0, 1]] * 2 + [[0]] * 5:
        make_response(page, {"multiple_choice": picks})

    public = by_kind(consultation_results(page=page, suppress=True), Kind.MULTIPLE_CHOICE)
    analyst = by_kind(consultation_results(page=page, suppress=False), Kind.MULTIPLE_CHOICE)

    assert [row.count_text for row in public.rows] == ["7", FEWER_THAN_5, "0", "0"]
    assert public.rows[1].percent is None
    assert public.rows[0].percent == 100.0
    assert [row.count for row in analyst.rows] == [7, 2, 0, 0]
    assert analyst.rows[1].percent == pytest.approx(28.6)


def test_a_lone_small_cell_that_others_would_give_away_hides_the_next_smallest_too(page):
    for choice in [0] * 9 + [1] * 3 + [2] * 6:
        make_response(page, {"single_choice": choice})

    single = by_kind(consultation_results(page=page, suppress=True), Kind.SINGLE_CHOICE)

    assert single.answered == 18
    assert [row.count_text for row in single.rows] == ["9", FEWER_THAN_5, HIDDEN]
    assert [row.percent for row in single.rows] == [50.0, None, None]


def test_scale_average_is_hidden_in_public_when_fewer_than_5_answered_or_a_cell_is_hidden(page):
    for value in (4, 4, 5):
        make_response(page, {"scale": value})
    assert by_kind(consultation_results(page=page, suppress=True), Kind.SCALE).average is None
    assert by_kind(consultation_results(page=page, suppress=False), Kind.SCALE).average == 4.33

    for value in (5,) * 7:
        make_response(page, {"scale": value})  # 4 x2 (hidden), 5 x8 (hidden too: it would give the 4s away)
    public = by_kind(consultation_results(page=page, suppress=True), Kind.SCALE)
    assert public.average is None
    assert [row.count_text for row in public.rows] == ["0", "0", "0", FEWER_THAN_5, HIDDEN]

    for value in (4,) * 3:
        make_response(page, {"scale": value})  # 4 x5, 5 x8: nothing small, so the average shows
    assert by_kind(consultation_results(page=page, suppress=True), Kind.SCALE).average == 4.62


def test_total_and_answered_under_five_are_hidden_in_public(page):
    for _ in range(3):
        make_response(page, {"yes_no": 0})

    found = consultation_results(page=page, suppress=True)

    assert found.total is None and found.total_text == FEWER_THAN_5
    assert by_kind(found, Kind.YES_NO).answered_text == FEWER_THAN_5
    assert by_kind(found, Kind.SHORT_TEXT).answered_text == "0"


def test_a_choose_any_count_that_leaves_fewer_than_5_unticked_is_hidden_too(page):
    for picks in [[0]] * 7 + [[1]] * 2:
        make_response(page, {"multiple_choice": picks})

    multiple = by_kind(consultation_results(page=page, suppress=True), Kind.MULTIPLE_CHOICE)

    assert multiple.answered == 9
    assert [row.count_text for row in multiple.rows] == [HIDDEN, FEWER_THAN_5, "0", "0"]
    assert multiple.rows[0].percent is None


def test_ranking_scores_are_hidden_while_fewer_than_5_ranked_or_a_first_place_is_hidden(page):
    make_response(page, {"ranking": [0, 1, 2]})
    public = by_kind(consultation_results(page=page, suppress=True), Kind.RANKING)
    assert all(row.score is None for row in public.rows)
    assert public.rows[0].first_places_text == FEWER_THAN_5

    for _ in range(6):
        make_response(page, {"ranking": [1, 0, 2]})
    public = by_kind(consultation_results(page=page, suppress=True), Kind.RANKING)
    assert [(row.label, row.score, row.first_places_text) for row in public.rows] == [
        ("Longer opening hours", None, HIDDEN),  # 7 ranked, so a shown 6 would give the 1 away
        ("A crisis cafe", None, FEWER_THAN_5),
        ("More peer workers", None, "0"),
    ]

    for _ in range(5):
        make_response(page, {"ranking": [0, 1, 2]})
    public = by_kind(consultation_results(page=page, suppress=True), Kind.RANKING)
    assert [(row.label, row.score, row.first_places_text) for row in public.rows] == [
        ("A crisis cafe", 30, "6"),  # a tie on points keeps the editor's order
        ("Longer opening hours", 30, "6"),
        ("More peer workers", 12, "0"),
    ]


def test_results_query_count_is_the_same_for_10_and_200_responses(page):
    bulk_responses(page, 10, seed=1)
    with CaptureQueriesContext(connection) as few:
        consultation_results(page=page, suppress=True)
    bulk_responses(page, 190, seed=2)
    with CaptureQueriesContext(connection) as many:
        found = consultation_results(page=page, suppress=True)

    assert found.total == 200
    assert len(few.captured_queries) == len(many.captured_queries) <= 2


def test_results_page_query_count_is_flat_and_within_the_public_budget(client, page):
    bulk_responses(page, 10, seed=1)
    client.get(page.url)  # fills site-wide caches; the results are worked out afresh below, both times
    with CaptureQueriesContext(connection) as few:
        assert client.get(results_url(page)).status_code == 200
    bulk_responses(page, 190, seed=2)
    with CaptureQueriesContext(connection) as many:
        assert client.get(results_url(page)).status_code == 200

    assert len(few.captured_queries) == len(many.captured_queries) <= 12


def test_results_page_shows_fewer_than_5_to_the_public_and_exact_numbers_to_analysts(client, page, analyst):
    for choice in [0] * 6 + [1] * 2:
        make_response(page, {"yes_no": choice})

    public = client.get(results_url(page)).content.decode()
    client.force_login(analyst)
    full = client.get(results_url(page)).content.decode()

    cell = '<td class="govuk-table__cell govuk-table__cell--numeric">{}</td>'
    assert cell.format("fewer than 5") in public and cell.format("2") not in public
    assert cell.format("2") in full and cell.format("25%") in full and "fewer than 5" not in full
    assert page.reverse_subpage("export-csv") not in public and page.reverse_subpage("export-csv") in full


def test_every_choice_question_has_a_chart_hidden_from_screen_readers_and_a_table(client, page):
    bulk_responses(page, 20, seed=3)

    html = client.get(results_url(page)).content.decode()

    charted = [q for q in page.questions.all() if q.kind not in Question.TEXT_KINDS]
    assert html.count('<svg class="portal-chart"') == len(charted) == 5
    assert html.count('aria-hidden="true" focusable="false" font-size') == len(charted)
    assert html.count('<table class="govuk-table">') == len(charted)
    assert html.count('<th scope="row"') == 3 + 4 + 5 + 3 + 2


def test_answers_and_prompts_are_escaped_on_the_results_page(client, home_page):
    page = make_consultation(
        parent=make_index(home_page), results_visibility="live",
        kinds=[Kind.SINGLE_CHOICE],
    )
    question = page.questions.get()
    question.prompt, question.choices = "<script>alert(1)</script>", "<b>bold</b>\nplain"
    question.save()

    html = client.get(results_url(page)).content.decode()

    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html


# --- who sees results: visibility x phase x role -------------------------------------------------

RESULTS, NOT_YET, REFUSED = "results", "not yet", "refused"
MARKERS = {
    RESULTS: "sent answers.", NOT_YET: "Results are not ready yet", REFUSED: "You cannot see these results",
}
STATUS = {RESULTS: 200, NOT_YET: 200, REFUSED: 403}


def _when(phase: str) -> dict:
    now = timezone.now()
    if phase == "open":
        return {"opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=1)}
    return {"opens_at": now - timedelta(days=9), "closes_at": now - timedelta(days=1)}


@pytest.mark.parametrize(
    "visibility, phase, expected",
    [
        ("live", "open", {"anonymous": RESULTS, "service_user": RESULTS, "analyst": RESULTS}),
        ("after_close", "open", {"anonymous": NOT_YET, "service_user": NOT_YET, "analyst": RESULTS}),
        ("after_close", "closed", {"anonymous": RESULTS, "service_user": RESULTS, "analyst": RESULTS}),
        ("never", "open", {"anonymous": REFUSED, "service_user": REFUSED, "analyst": RESULTS}),
        ("never", "closed", {"anonymous": REFUSED, "service_user": REFUSED, "analyst": RESULTS}),
    ],
)
def test_who_sees_results_by_visibility_phase_and_role(client, home_page, analyst, service_user, visibility,
                                                       phase, expected):
    page = make_consultation(parent=make_index(home_page), results_visibility=visibility, **_when(phase))
    people = {"anonymous": None, "service_user": service_user, "analyst": analyst}

    for role, person in people.items():
        client.logout()
        if person:
            client.force_login(person)
        response = client.get(results_url(page))
        outcome = expected[role]
        assert (role, response.status_code) == (role, STATUS[outcome])
        assert MARKERS[outcome] in response.content.decode(), role


def test_results_of_a_service_users_only_consultation_are_for_service_users(client, home_page, service_user,
                                                                           user_factory):
    page = make_consultation(
        parent=make_index(home_page), results_visibility="live", audience="service_users"
    )

    anonymous = client.get(results_url(page))
    client.force_login(user_factory())
    member = client.get(results_url(page))
    client.force_login(service_user)
    allowed = client.get(results_url(page))

    assert anonymous.status_code == 403 and "Please sign in" in anonymous.content.decode()
    assert member.status_code == 403 and "service users only" in member.content.decode()
    assert allowed.status_code == 200


def test_the_waiting_page_says_when_results_come_and_is_never_cached(client, home_page):
    closes = timezone.now() + timedelta(days=3)
    page = make_consultation(parent=make_index(home_page), results_visibility="after_close", closes_at=closes)

    response = client.get(results_url(page))

    assert response.status_code == 200
    assert timezone.localtime(closes).strftime("%B %Y") in response.content.decode()
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_analysts_results_page_is_never_cached(client, page, analyst):
    client.force_login(analyst)

    response = client.get(results_url(page))

    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_kept_results_change_at_once_when_a_response_is_sent_or_withdrawn(client, home_page):
    """The results page is kept in the cache (consultations/results_cache.py) until what it counts changes."""
    from consultations.results_cache import kept_results, results_stamp

    page = make_consultation(kinds=[Question.Kind.YES_NO], results_visibility="live")
    bulk_responses(page, 6, seed=4)
    first = results_stamp(page)
    assert kept_results(None, page, suppress=True, work_out=lambda: "six") == "six"
    assert kept_results(None, page, suppress=True, work_out=lambda: "recounted") == "six"  # kept
    bulk_responses(page, 1, seed=5)
    assert results_stamp(page) != first
    assert kept_results(None, page, suppress=True, work_out=lambda: "seven") == "seven"
    response = page.responses.filter(status="submitted").first()
    response.status = "withdrawn"
    response.save()
    assert kept_results(None, page, suppress=True, work_out=lambda: "six again") == "six again"


def test_analysts_full_figures_are_kept_nowhere(client, home_page):
    from django.core.cache import cache

    page = make_consultation(kinds=[Question.Kind.YES_NO], results_visibility="live")
    bulk_responses(page, 3, seed=6)
    client.force_login(UserFactory(roles=[roles.ANALYSTS]))
    assert client.get(page.url + page.reverse_subpage("results")).status_code == 200
    assert not [key for key in cache._cache if ":results:" in key]  # locmem's own store
    client.logout()
    assert client.get(page.url + page.reverse_subpage("results")).status_code == 200
    assert [key for key in cache._cache if ":results:" in key]
