"""Analysts' coding screens: tagging answers with themes, themes and "we did", and who may get in."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from consultations import analysis, analysis_services
from consultations.models import AnswerTheme, ConsultationPage, Response, ResponseStatement, Theme
from consultations.results_views import _bar_text
from portal.accounts import roles
from portal.audit.models import AuditEvent

from .factories import (
    consultation_for_module, make_consultation, make_index, make_response, question_of,
)

SCRIPT = '<script>alert("x")</script>'


@pytest.fixture(scope="module")
def built_page(module_db) -> int:
    """The consultation, made once for the module (each test reads its own copy: `page`)."""
    return consultation_for_module(module_db)


@pytest.fixture
def page(built_page, home_page):
    return ConsultationPage.objects.get(pk=built_page)


@pytest.fixture
def analyst(user_factory):
    return user_factory(roles=[roles.ANALYSTS])


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def analysis_url(page) -> str:
    return page.url + page.reverse_subpage("analysis")


def themes_url(page) -> str:
    return page.url + page.reverse_subpage("themes")


def make_theme(page, name="Evening opening", **fields) -> Theme:
    return Theme.objects.create(consultation=page, name=name, **fields)


def text_response(
    page, short="Open later, please", long="The evening group helped me.", **fields
) -> Response:
    return make_response(page, {"short_text": short, "long_text": long, "single_choice": 1}, **fields)


def answer_of(response, kind):
    return response.answers.get(question__kind=kind)


# --- what is listed ------------------------------------------------------------------------------
def test_lists_free_text_answers_of_submitted_responses_only(analyst_client, page):
    text_response(page, short="Sent and counted")
    text_response(page, short="Still a draft", status=Response.Status.DRAFT)
    text_response(page, short="Taken back", status=Response.Status.WITHDRAWN)

    body = analyst_client.get(analysis_url(page)).content.decode()

    assert "Sent and counted" in body and "The evening group helped me." in body
    assert "Still a draft" not in body and "Taken back" not in body
    assert "Weekend mornings" not in body  # the single choice answer (position 1) is not text to code


def test_each_answer_has_one_set_of_theme_boxes_and_one_save_button(analyst_client, page):
    response = text_response(page)
    access, evening = make_theme(page, "Access"), make_theme(page, "Evening opening")
    AnswerTheme.objects.create(answer=answer_of(response, "short_text"), theme=evening)

    body = analyst_client.get(analysis_url(page)).content.decode()

    block = _answer_block(body, answer_of(response, "short_text").pk)
    assert re.search(rf'name="themes" type="checkbox" value="{evening.pk}" checked', block)
    assert f'name="themes" type="checkbox" value="{access.pk}">' in block
    assert block.count("<button") == 1 and "Save themes" in block


def test_saving_an_answers_themes_tags_the_ticked_and_untags_the_cleared(analyst_client, page):
    answer = answer_of(text_response(page), "short_text")
    access, evening, quiet = (make_theme(page, name) for name in ("Access", "Evening opening", "Quiet"))
    AnswerTheme.objects.create(answer=answer, theme=evening)

    saved = analyst_client.post(analysis_url(page), {
        "answer": answer.pk, "themes_shown": "on", "themes": [access.pk, quiet.pk]}, follow=True)

    assert set(answer.themes.all()) == {access, quiet}
    assert "Saved. This answer now has the themes “Access”, “Quiet”." in saved.content.decode()
    actions = list(AuditEvent.objects.filter(action__startswith="consultation.answer_").values_list("action", flat=True))
    assert sorted(actions) == ["consultation.answer_tagged", "consultation.answer_tagged", "consultation.answer_untagged"]
    cleared = analyst_client.post(analysis_url(page), {"answer": answer.pk, "themes_shown": "on"}, follow=True)
    assert not answer.themes.exists() and "The answer has no theme now." in cleared.content.decode()


def test_a_theme_of_another_consultation_cannot_be_ticked(analyst_client, page):
    answer = answer_of(text_response(page), "short_text")
    elsewhere = make_theme(make_consultation(parent=page.get_parent()), "Elsewhere")

    refused = analyst_client.post(analysis_url(page), {
        "answer": answer.pk, "themes_shown": "on", "themes": [elsewhere.pk]}, follow=True)

    assert "the themes were not recognised" in refused.content.decode() and not AnswerTheme.objects.exists()


def test_answers_can_be_shown_by_theme(analyst_client, page):
    first, second = (answer_of(text_response(page, short=text), "short_text") for text in ("Tagged one", "Not this"))
    theme = make_theme(page, "Access")
    AnswerTheme.objects.create(answer=first, theme=theme)

    body = analyst_client.get(f"{analysis_url(page)}?theme={theme.pk}").content.decode()

    assert "Tagged one" in body and "Not this" not in body


def _answer_block(body: str, answer_pk: int) -> str:
    start = body.index(f'id="answer-{answer_pk}"')
    return body[start : body.index("</li>", start)]


def test_script_payloads_in_answers_and_theme_names_are_shown_escaped(analyst_client, page):
    text_response(page, short=SCRIPT, long=f"Line one\n{SCRIPT}")
    make_theme(page, SCRIPT, summary=SCRIPT)

    for url in (analysis_url(page), themes_url(page)):
        body = analyst_client.get(url).content.decode()
        assert SCRIPT not in body
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body


def test_question_filter_and_not_yet_tagged_filter(analyst_client, page):
    first = text_response(page, short="First short", long="First long")
    text_response(page, short="Second short", long="Second long")
    AnswerTheme.objects.create(answer=answer_of(first, "short_text"), theme=make_theme(page))

    short_only = analyst_client.get(analysis_url(page), {"question": question_of(page, "short_text").pk})
    untagged = analyst_client.get(analysis_url(page), {"untagged": "on"})

    assert "First short" in short_only.content.decode() and "First long" not in short_only.content.decode()
    body = untagged.content.decode()
    assert "First short" not in body
    assert all(text in body for text in ("Second short", "First long", "Second long"))


def test_answers_are_paginated_fifty_a_page_in_order(analyst_client, page):
    for n in range(26):
        text_response(page, short=f"Short number {n:02d}", long=f"Long number {n:02d}")

    first = analyst_client.get(analysis_url(page)).content.decode()
    second = analyst_client.get(analysis_url(page), {"page": 2}).content.decode()

    assert first.count('<li id="answer-') == analysis.PER_PAGE and second.count('<li id="answer-') == 2
    assert first.index("Short number 00") < first.index("Short number 25") < first.index("Long number 00")
    assert "Long number 24" in second and "Long number 25" in second and "Long number 23" not in second


def test_the_coding_page_runs_the_same_number_of_queries_for_5_or_60_answers(analyst_client, page):
    make_theme(page, "Access")
    make_theme(page, "Evening opening")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert analyst_client.get(analysis_url(page)).status_code == 200
        return len(captured)

    for _ in range(5):
        text_response(page)
    queries()  # the first request also fills Wagtail's caches (site root paths and the like)
    few = queries()
    for response in Response.objects.filter(consultation=page):
        AnswerTheme.objects.create(answer=answer_of(response, "long_text"), theme=Theme.objects.first())
    for _ in range(55):
        text_response(page)
    assert queries() == few


# --- tagging -------------------------------------------------------------------------------------
def test_analyst_tags_and_untags_an_answer_through_the_page(analyst_client, analyst, page):
    answer = answer_of(text_response(page), "long_text")
    theme = make_theme(page)

    tagged = analyst_client.post(analysis_url(page), {"answer": answer.pk, "tag": theme.pk})

    assert tagged.status_code == 302 and tagged["Location"] == f"{analysis_url(page)}#answer-{answer.pk}"
    assert list(answer.themes.all()) == [theme]
    page_after = analyst_client.get(tagged["Location"]).content.decode()
    assert f'value="{theme.pk}" checked' in _answer_block(page_after, answer.pk)

    untagged = analyst_client.post(analysis_url(page), {"answer": answer.pk, "untag": theme.pk})

    assert untagged.status_code == 302 and not answer.themes.exists()
    events = list(AuditEvent.objects.filter(action__startswith="consultation.answer_").order_by("pk"))
    assert [e.action for e in events] == ["consultation.answer_tagged", "consultation.answer_untagged"]
    assert events[0].target_id == str(answer.pk) and events[0].data == {
        "consultation": page.pk,
        "theme": theme.pk,
    }


def test_tagging_twice_keeps_one_tag_and_one_ledger_event(analyst_client, page):
    answer = answer_of(text_response(page), "short_text")
    theme = make_theme(page)

    for _ in range(2):
        analyst_client.post(analysis_url(page), {"answer": answer.pk, "tag": theme.pk})

    assert AnswerTheme.objects.filter(answer=answer, theme=theme).count() == 1
    assert AuditEvent.objects.filter(action="consultation.answer_tagged").count() == 1


def test_after_tagging_the_redirect_keeps_filters_page_and_place(analyst_client, page):
    responses = [text_response(page, short=f"Short {n}") for n in range(3)]
    theme = make_theme(page)
    question = question_of(page, "short_text").pk
    first, second, third = (answer_of(r, "short_text") for r in responses)
    query = f"?question={question}&page=1"

    kept = analyst_client.post(analysis_url(page) + query, {"answer": first.pk, "tag": theme.pk})
    # In the "no theme yet" list the tagged answer leaves the list, so the page comes back at the next one.
    moved_on = analyst_client.post(
        analysis_url(page) + "?untagged=on",
        {"answer": second.pk, "tag": theme.pk, "anchor": f"answer-{third.pk}"},
    )

    assert kept["Location"] == f"{analysis_url(page)}{query}#answer-{first.pk}"
    assert moved_on["Location"] == f"{analysis_url(page)}?untagged=on#answer-{third.pk}"


def test_the_no_theme_yet_list_points_each_button_at_the_following_answer(analyst_client, page):
    first, second = (answer_of(text_response(page), "short_text") for _ in range(2))
    make_theme(page)

    body = analyst_client.get(
        analysis_url(page), {"untagged": "on", "question": first.question_id}
    ).content.decode()

    assert f'name="anchor" value="answer-{second.pk}"' in _answer_block(body, first.pk)
    assert 'name="anchor" value="answers"' in _answer_block(body, second.pk)


def test_an_answer_or_theme_of_another_consultation_cannot_be_tagged(analyst_client, page, home_page):
    other = make_consultation(parent=make_index(home_page))
    foreign_answer = answer_of(text_response(other), "short_text")
    foreign_theme = make_theme(other)
    answer, theme = answer_of(text_response(page), "short_text"), make_theme(page)

    assert (
        analyst_client.post(analysis_url(page), {"answer": foreign_answer.pk, "tag": theme.pk}).status_code
        == 404
    )
    assert (
        analyst_client.post(analysis_url(page), {"answer": answer.pk, "tag": foreign_theme.pk}).status_code
        == 404
    )
    assert not AnswerTheme.objects.exists()


def test_a_withdrawn_responses_answer_cannot_be_tagged(analyst_client, page):
    answer = answer_of(text_response(page, status=Response.Status.WITHDRAWN), "short_text")

    response = analyst_client.post(analysis_url(page), {"answer": answer.pk, "tag": make_theme(page).pk})

    assert response.status_code == 404 and not AnswerTheme.objects.exists()


def test_a_garbled_tag_post_changes_nothing_and_says_so(analyst_client, page):
    answer = answer_of(text_response(page), "short_text")

    response = analyst_client.post(analysis_url(page), {"answer": answer.pk, "tag": "x"}, follow=True)

    assert "the themes were not recognised" in response.content.decode() and not AnswerTheme.objects.exists()


# --- who may get in ------------------------------------------------------------------------------
REFUSED = [
    "anonymous",
    roles.SERVICE_USERS,
    roles.EDITORS,
    roles.PEER_WORKERS,
    roles.TRUSTEES,
    roles.SECRETARIES,
]


@pytest.mark.parametrize("role", REFUSED)
@pytest.mark.parametrize("route", ["analysis", "themes"])
def test_everyone_but_analysts_gets_the_plain_403_page(client, user_factory, page, role, route):
    if role != "anonymous":
        client.force_login(user_factory(roles=[role]))
    answer, theme = answer_of(text_response(page), "short_text"), make_theme(page)
    url = page.url + page.reverse_subpage(route)

    got = client.get(url)
    posted = client.post(url, {"answer": answer.pk, "tag": theme.pk, "new-name": "Sneaky"})

    assert got.status_code == 403 and posted.status_code == 403
    assert "You cannot see this page" in got.content.decode()
    assert SCRIPT not in got.content.decode() and "Open later, please" not in got.content.decode()
    assert not AnswerTheme.objects.exists() and Theme.objects.count() == 1


def test_the_services_refuse_non_analysts_too(user_factory, page):
    editor = user_factory(roles=[roles.EDITORS])
    answer, theme = answer_of(text_response(page), "short_text"), make_theme(page)

    with pytest.raises(PermissionDenied):
        analysis_services.theme_create(page=page, name="Mine", user=editor)
    with pytest.raises(PermissionDenied):
        analysis_services.answer_tag(answer=answer, theme=theme, user=editor)
    with pytest.raises(PermissionDenied):
        analysis_services.statement_save(theme=theme, text="We did it", user=editor, publish=True)
    assert (
        Theme.objects.count() == 1
        and not AnswerTheme.objects.exists()
        and not ResponseStatement.objects.exists()
    )


def test_a_superuser_may_code_answers(client, user_factory, page):
    client.force_login(user_factory(is_superuser=True, is_staff=True))

    assert client.get(analysis_url(page)).status_code == 200


def test_analyst_pages_are_never_cached(analyst_client, page):
    for url in (analysis_url(page), themes_url(page)):
        cache_control = analyst_client.get(url)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control


# --- themes, summaries and "we did" ---------------------------------------------------------------
def test_analyst_adds_a_theme_and_is_taken_to_it(analyst_client, analyst, page):
    response = analyst_client.post(
        themes_url(page), {"new-name": "  Evening   opening ", "new-summary": "Later hours."}
    )

    theme = Theme.objects.get(consultation=page)
    assert response.status_code == 302 and response["Location"] == f"{themes_url(page)}?theme={theme.pk}"
    assert (theme.name, theme.summary) == ("Evening opening", "Later hours.")
    assert theme.history.get().history_user == analyst
    assert AuditEvent.objects.filter(action="consultation.theme_created", target_id=str(theme.pk)).exists()


def test_a_theme_name_used_already_is_refused_with_a_plain_message(analyst_client, page):
    make_theme(page, "Evening opening")

    response = analyst_client.post(themes_url(page), {"new-name": "evening OPENING"})

    assert response.status_code == 400 and Theme.objects.count() == 1
    assert "There is already a theme called" in response.content.decode()
    assert "There is a problem" in response.content.decode()


def test_renaming_a_theme_is_kept_in_its_history_and_the_ledger(analyst_client, analyst, page):
    theme = make_theme(page, "Evening", summary="Later hours.")

    response = analyst_client.post(
        f"{themes_url(page)}?theme={theme.pk}",
        {"action": "update", "theme-name": "Evening opening", "theme-summary": "Later hours."},
    )

    theme.refresh_from_db()
    assert response.status_code == 302 and theme.name == "Evening opening"
    names = [record.name for record in theme.history.order_by("history_date")]
    assert names == ["Evening", "Evening opening"]
    assert theme.history.latest().history_user == analyst
    event = AuditEvent.objects.get(action="consultation.theme_updated")
    assert event.data == {"consultation": page.pk, "fields": ["name"]}  # what changed, never the words


def test_themes_page_shows_how_many_sent_answers_each_theme_tags(analyst_client, page):
    access, evening = make_theme(page, "Access"), make_theme(page, "Evening opening")
    for response in [text_response(page) for _ in range(3)]:
        AnswerTheme.objects.create(answer=answer_of(response, "short_text"), theme=evening)
        AnswerTheme.objects.create(answer=answer_of(response, "long_text"), theme=evening)
    withdrawn = text_response(page)
    AnswerTheme.objects.create(answer=answer_of(withdrawn, "short_text"), theme=access)
    Response.objects.filter(pk=withdrawn.pk).update(status=Response.Status.WITHDRAWN)

    rows = {
        theme.name: (theme.answer_count, theme.people_count) for theme in analysis._themes_with_counts(page)
    }
    body = analyst_client.get(themes_url(page)).content.decode()

    assert rows == {"Access": (0, 0), "Evening opening": (6, 3)}
    evening_row = body[body.index(f'?theme={evening.pk}"') :]
    assert re.search(r"numeric\">6</td>\s*<td[^>]*numeric\">3</td>", evening_row)


def test_analyst_writes_publishes_and_hides_a_we_did_statement(analyst_client, analyst, page):
    theme = make_theme(page)
    url = f"{themes_url(page)}?theme={theme.pk}"

    saved = analyst_client.post(
        url, {"action": "statement_add", "statement-new-text": "We opened until 8pm."}
    )
    statement = ResponseStatement.objects.get(theme=theme)
    assert saved.status_code == 302 and saved["Location"] == f"{url}#statement-{statement.pk}"
    assert not statement.published

    analyst_client.post(url, {"action": "publish", "statement": statement.pk})
    statement.refresh_from_db()
    assert statement.published
    analyst_client.post(
        url,
        {
            "action": "statement_edit",
            "statement": statement.pk,
            f"statement-{statement.pk}-text": "Open to 9pm.",
        },
    )
    statement.refresh_from_db()
    assert statement.published and statement.text == "Open to 9pm."
    analyst_client.post(url, {"action": "unpublish", "statement": statement.pk})
    statement.refresh_from_db()
    assert not statement.published
    assert [h.published for h in statement.history.order_by("history_date")] == [False, True, True, False]
    assert {h.history_user for h in statement.history.all()} == {analyst}
    actions = list(
        AuditEvent.objects.filter(action__startswith="consultation.statement_").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "consultation.statement_created",
        "consultation.statement_published",
        "consultation.statement_updated",
        "consultation.statement_unpublished",
    ]


def test_save_and_publish_publishes_at_once(analyst_client, page):
    theme = make_theme(page)

    analyst_client.post(
        f"{themes_url(page)}?theme={theme.pk}",
        {"action": "statement_add", "statement-new-text": "We opened until 8pm.", "publish": "1"},
    )

    assert ResponseStatement.objects.get(theme=theme).published


def test_an_empty_statement_is_refused_and_nothing_is_saved(analyst_client, page):
    theme = make_theme(page)

    response = analyst_client.post(f"{themes_url(page)}?theme={theme.pk}", {"action": "statement_add"})

    assert response.status_code == 400 and not ResponseStatement.objects.exists()
    assert "Write what we did, or will do, about this theme" in response.content.decode()


def test_a_theme_of_another_consultation_is_not_found(analyst_client, page, home_page):
    other = make_theme(make_consultation(parent=make_index(home_page)))

    assert analyst_client.get(f"{themes_url(page)}?theme={other.pk}").status_code == 404
    assert analyst_client.get(f"{themes_url(page)}?theme=abc").status_code == 404


# --- error pages ----------------------------------------------------------------------------------
def test_not_found_is_the_calm_404_page(analyst_client, page):
    response = analyst_client.get(f"{themes_url(page)}?theme=999999")

    assert response.status_code == 404 and "Page not found" in response.content.decode()


def test_the_500_page_stands_alone():
    html = render_to_string("500.html")  # Django renders it with no context and no request

    assert (
        html.lstrip().startswith("<!DOCTYPE html>") and "Sorry, there is a problem with the service" in html
    )
    assert "116 123" in html and "/static/" not in html


def test_a_ranking_bar_says_1_point_not_1_points():
    assert [_bar_text(None, n, ranking=True) for n in (1, 2, None)] == ["1 point", "2 points", "points hidden"]
