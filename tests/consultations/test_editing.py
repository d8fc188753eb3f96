"""Editors in the Wagtail admin: publishing rules, frozen questions, previews and moderation."""

import pytest
from wagtail.models import Page
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from consultations.admin_forms import FROZEN_MESSAGE
from consultations.models import ConsultationIndexPage, ConsultationPage
from portal.accounts import roles

from .factories import make_consultation, make_index, make_response

pytestmark = pytest.mark.django_db


def page_data(easy_read="<p>We want to know what you think.</p>", questions=None, **extra):
    data = {
        "title": "Evening groups",
        "slug": "evening-groups",
        "summary": "What would make our evening groups better?",
        "easy_read_summary": rich_text(easy_read) if easy_read else rich_text(""),
        "content_note": "",
        "opens_at": "2026-11-01 09:00",
        "closes_at": "2026-12-01 17:00",
        "audience": "public",
        "identity": "anonymous",
        "results_visibility": "after_close",
        "questions": inline_formset(
            questions
            or [{"kind": "yes_no", "prompt": "Do you come in the evening?", "help_text": "", "choices": "",
                 "scale_low_label": "", "scale_high_label": ""}],
            min=1,
        ),
    }
    data.update(extra)
    return nested_form_data(data)


@pytest.fixture
def editor_client(client, user_factory, home_page):
    client.force_login(user_factory(roles=[roles.EDITORS]))
    return client


def test_publishing_without_an_easy_read_summary_is_refused_with_a_reason(editor_client, home_page):
    index = make_index(home_page)
    reply = editor_client.post(
        f"/admin/pages/add/consultations/consultationpage/{index.pk}/",
        page_data(easy_read="", **{"action-publish": "publish"}),
    )
    assert reply.status_code == 200
    assert "Write an easy read summary before publishing." in reply.content.decode()
    assert not ConsultationPage.objects.filter(live=True).exists()


def test_a_draft_may_be_saved_before_the_easy_read_summary_is_written(editor_client, home_page):
    index = make_index(home_page)
    reply = editor_client.post(f"/admin/pages/add/consultations/consultationpage/{index.pk}/", page_data(easy_read=""))
    assert reply.status_code == 302
    assert ConsultationPage.objects.get(slug="evening-groups").live is False


def test_publishing_with_an_easy_read_summary_works(editor_client, home_page):
    index = make_index(home_page)
    reply = editor_client.post(
        f"/admin/pages/add/consultations/consultationpage/{index.pk}/", page_data(**{"action-publish": "publish"})
    )
    assert reply.status_code == 302
    page = ConsultationPage.objects.get(slug="evening-groups")
    assert page.live and page.questions.count() == 1


def test_questions_cannot_change_once_someone_has_answered(editor_client, home_page):
    page = make_consultation(kinds=["yes_no"])
    make_response(page, {"yes_no": 0})
    question = page.questions.get()
    changed = page_data(
        title=page.title,
        slug=page.slug,
        questions=[{"id": str(question.pk), "kind": "yes_no", "prompt": "A different question?", "help_text": "",
                    "choices": "", "scale_low_label": "", "scale_high_label": ""}],
    )
    changed["questions-INITIAL_FORMS"] = "1"
    reply = editor_client.post(f"/admin/pages/{page.pk}/edit/", changed)
    assert reply.status_code == 200
    assert FROZEN_MESSAGE.split(":")[0] in reply.content.decode()
    question.refresh_from_db()
    assert question.prompt != "A different question?"


def test_other_fields_can_still_change_after_answers_arrive(editor_client, home_page):
    page = make_consultation(kinds=["yes_no"])
    make_response(page, {"yes_no": 0})
    question = page.questions.get()
    same = page_data(
        title="A clearer title",
        slug=page.slug,
        questions=[{"id": str(question.pk), "kind": question.kind, "prompt": question.prompt, "help_text": "",
                    "choices": "", "scale_low_label": "", "scale_high_label": ""}],
        **{"action-publish": "publish"},
    )
    same["questions-INITIAL_FORMS"] = "1"
    reply = editor_client.post(f"/admin/pages/{page.pk}/edit/", same)
    assert reply.status_code == 302
    assert ConsultationPage.objects.get(pk=page.pk).title == "A clearer title"


def test_editors_can_preview_a_consultation(editor_client, home_page):
    page = make_consultation()
    reply = editor_client.post(f"/admin/pages/{page.pk}/edit/preview/", page_data(title="Preview me", slug=page.slug))
    assert reply.status_code == 200 and reply.json()["is_valid"]
    shown = editor_client.get(f"/admin/pages/{page.pk}/edit/preview/?mode=")
    assert shown.status_code == 200 and "Preview me" in shown.content.decode()


def test_page_tree_rules(home_page):
    assert ConsultationIndexPage.can_create_at(home_page)
    assert ConsultationPage.allowed_parent_page_models() == [ConsultationIndexPage]
    assert not ConsultationPage.can_create_at(Page.objects.get(depth=1))


def test_response_status_changes_are_kept_in_history(client, home_page):
    page = make_consultation(kinds=["yes_no"])
    reply = client.post(page.url + "start/", {"idempotency_key": "k"})
    token = reply.url.split("/respond/")[1].split("/")[0]
    client.post(f"{page.url}respond/{token}/1/", {"answer": "0"})
    client.post(f"{page.url}respond/{token}/check/")
    from consultations.models import Response

    statuses = list(Response.objects.get().history.order_by("history_date").values_list("status", flat=True))
    assert statuses[0] == "draft" and statuses[-1] == "submitted"


def test_a_consultation_can_go_through_the_moderation_workflow(editor_client, home_page):
    from wagtail.models import WorkflowState

    index = make_index(home_page)
    reply = editor_client.post(
        f"/admin/pages/add/consultations/consultationpage/{index.pk}/", page_data(**{"action-submit": "submit"})
    )
    assert reply.status_code == 302
    page = ConsultationPage.objects.get(slug="evening-groups")
    state = WorkflowState.objects.get(base_content_type__model="page", object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert page.live is False


def test_submitting_for_moderation_also_needs_the_easy_read_summary(editor_client, home_page):
    index = make_index(home_page)
    reply = editor_client.post(
        f"/admin/pages/add/consultations/consultationpage/{index.pk}/",
        page_data(easy_read="", **{"action-submit": "submit"}),
    )
    assert reply.status_code == 200
    assert "Write an easy read summary before publishing." in reply.content.decode()
