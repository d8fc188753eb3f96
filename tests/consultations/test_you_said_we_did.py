"""The public "you said, we did" section: published statements only, small counts suppressed."""

import pytest
from django.template.loader import render_to_string

from consultations import analysis_services
from consultations.models import AnswerTheme, ConsultationPage, Response, ResponseStatement, Theme
from consultations.you_said_we_did import SUPPRESSED_LABEL, you_said_we_did
from portal.accounts import roles
from portal.home.page_cache import page_cache_generation

from .factories import consultation_for_module, make_consultation, make_index, make_response

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def built_page(module_db) -> int:
    """The consultation, made once for the module (each test reads its own copy: `page`)."""
    return consultation_for_module(module_db)


@pytest.fixture
def page(built_page, home_page):
    return ConsultationPage.objects.get(pk=built_page)


def theme_said_by(page, name: str, people: int, answers_each: int = 1, summary: str = "") -> Theme:
    """A theme tagged on `answers_each` answers of each of `people` submitted responses."""
    theme = Theme.objects.create(consultation=page, name=name, summary=summary or f"People said {name}.")
    for _ in range(people):
        response = make_response(page, {"short_text": "Something", "long_text": "Something longer"})
        for answer in response.answers.all()[:answers_each]:
            AnswerTheme.objects.create(answer=answer, theme=theme)
    return theme


def we_did(theme: Theme, text: str, published: bool = True) -> ResponseStatement:
    return ResponseStatement.objects.create(theme=theme, text=text, published=published)


def test_only_themes_with_a_published_statement_appear_with_only_published_statements(page):
    shown = theme_said_by(page, "Evening opening", 6)
    we_did(shown, "We now open until 8pm.")
    we_did(shown, "A draft we have not agreed yet.", published=False)
    unpublished_only = theme_said_by(page, "Parking", 6)
    we_did(unpublished_only, "Not agreed either.", published=False)
    theme_said_by(page, "Nothing written", 6)

    items = you_said_we_did(page)

    assert [item.name for item in items] == ["Evening opening"]
    assert [s.text for s in items[0].statements] == ["We now open until 8pm."]
    assert items[0].summary == "People said Evening opening."


def test_fewer_than_five_people_is_shown_as_fewer_than_5(page):
    we_did(theme_said_by(page, "Four people", 4, answers_each=2), "We did something.")
    we_did(theme_said_by(page, "Five people", 5), "We did something else.")

    items = {item.name: item for item in you_said_we_did(page)}

    # Four people's eight answers are still four people: the count that is suppressed is of people.
    assert (items["Four people"].answers, items["Four people"].people) == (8, 4)
    assert items["Four people"].people_label == SUPPRESSED_LABEL == "fewer than 5"
    assert items["Five people"].people_label == "5"


def test_withdrawn_responses_stop_counting(page):
    theme = theme_said_by(page, "Evening opening", 5)
    we_did(theme, "We now open until 8pm.")
    Response.objects.filter(pk=Response.objects.filter(consultation=page).first().pk).update(
        status=Response.Status.WITHDRAWN
    )

    assert you_said_we_did(page)[0].people_label == "fewer than 5"


def test_other_consultations_themes_are_not_included(page, home_page):
    other = make_consultation(parent=make_index(home_page))
    we_did(theme_said_by(other, "Elsewhere", 6), "Done elsewhere.")

    assert you_said_we_did(page) == []


def test_two_queries_however_many_themes_and_statements(page, django_assert_num_queries, monkeypatch):
    # Governance adds its own query through its registered decision source; measured in its tests.
    monkeypatch.setattr("consultations.you_said_we_did.DECISION_SOURCES", [])
    for n in range(4):
        theme = theme_said_by(page, f"Theme {n}", n + 1)
        for m in range(n + 1):
            we_did(theme, f"Statement {n}.{m}")

    with django_assert_num_queries(2):
        items = you_said_we_did(page)
        rendered = render_to_string("consultations/includes/you_said_we_did.html", {"you_said_we_did": items})

    assert len(items) == 4 and rendered.count("Statement ") == 10


def test_each_theme_and_statement_has_an_empty_decisions_list_for_governance(page):
    we_did(theme_said_by(page, "Evening opening", 5), "We now open until 8pm.")

    item = you_said_we_did(page)[0]

    assert item.decisions == [] and item.statements[0].decisions == []


def test_the_section_shows_what_people_said_and_what_we_did_escaped(page):
    we_did(theme_said_by(page, f"Theme {SCRIPT}", 3, summary=f"You said {SCRIPT}"), f"We did {SCRIPT}")

    html = render_to_string(
        "consultations/includes/you_said_we_did.html", {"you_said_we_did": you_said_we_did(page)}
    )

    assert "You said, we did" in html and "Said by fewer than 5 people" in html
    assert SCRIPT not in html and html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3


def test_the_section_shows_linked_decisions_once_governance_adds_them(page):
    we_did(theme_said_by(page, "Evening opening", 5), "We now open until 8pm.")
    items = you_said_we_did(page)
    items[0].statements[0].decisions.append(
        {"reference": "TB-2026-014", "title": "Opening hours", "url": "/d/14/"}
    )

    html = render_to_string("consultations/includes/you_said_we_did.html", {"you_said_we_did": items})

    assert '<a class="govuk-link" href="/d/14/">TB-2026-014: Opening hours</a>' in html


def test_nothing_is_rendered_when_no_theme_has_a_published_statement(page):
    theme_said_by(page, "Evening opening", 6)

    html = render_to_string(
        "consultations/includes/you_said_we_did.html", {"you_said_we_did": you_said_we_did(page)}
    )

    assert html.strip() == ""


def test_publishing_a_statement_refreshes_the_cached_public_page_but_drafts_do_not(
    page, user_factory, django_capture_on_commit_callbacks
):
    analyst = user_factory(roles=[roles.ANALYSTS])
    theme = theme_said_by(page, "Evening opening", 5)
    start = page_cache_generation()

    with django_capture_on_commit_callbacks(execute=True):
        draft = analysis_services.statement_save(theme=theme, text="Not agreed yet.", user=analyst)
    after_draft = page_cache_generation()
    with django_capture_on_commit_callbacks(execute=True):
        analysis_services.statement_publish(statement=draft, user=analyst)

    assert after_draft == start and page_cache_generation() > start
    assert [item.name for item in you_said_we_did(page)] == ["Evening opening"]
