"""`manage.py seed_demo`'s consultations: what a fresh demo shows, and that seeding twice adds nothing."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count
from wagtail.models import Page, Revision

from consultations import demo
from consultations.models import (
    Answer,
    AnswerChoice,
    AnswerTheme,
    ConsultationIndexPage,
    ConsultationPage,
    Phase,
    Question,
    Response,
    ResponseStatement,
    Theme,
)
from portal.audit.models import AuditEvent

# Every test sees the demo as a fresh `seed_demo` leaves it (seeded_demo: seeded once for the module, each
# test in its own savepoint).
pytestmark = pytest.mark.django_db

COUNTED = [Page, Revision, Response, Response.history.model, Answer, AnswerChoice, Theme, AnswerTheme,
           ResponseStatement, ResponseStatement.history.model, AuditEvent]


def seed():
    call_command("seed_demo", stdout=io.StringIO())


def counts():
    return {model._meta.label: model.objects.count() for model in COUNTED}


def by_slug(slug):
    return ConsultationPage.objects.get(slug=slug)


def test_seeding_twice_creates_nothing_the_second_time(seeded_demo):
    first = counts()  # after the module's seed (tests/conftest.py's demo_once)
    seed()
    assert counts() == first
    assert first["consultations.Response"] >= 60 and first["consultations.ResponseStatement"] >= 3


def test_the_demo_has_an_open_an_upcoming_and_a_closed_consultation_under_have_your_say(seeded_demo):
    index = ConsultationIndexPage.objects.get()
    assert index.title == "Have your say" and index.live
    pages = {page.slug: page for page in index.get_consultations()}
    assert pages[demo.OPEN_SLUG].phase() == Phase.OPEN
    assert pages[demo.UPCOMING_SLUG].phase() == Phase.UPCOMING
    assert pages[demo.CLOSED_SLUG].phase() == Phase.CLOSED


def test_the_open_consultation_asks_one_question_of_every_kind_with_easy_read_and_a_content_note(seeded_demo):
    page = by_slug(demo.OPEN_SLUG)
    kinds = sorted(page.questions.values_list("kind", flat=True))
    assert kinds == sorted(Question.Kind.values)
    assert page.easy_read_summary.strip() and page.content_note.strip()
    scale = page.questions.get(kind=Question.Kind.SCALE)
    assert scale.scale_low_label and scale.scale_high_label
    for question in page.questions.all():
        question.full_clean()  # what an editor saving it in the admin would have to pass


def test_the_closed_consultation_has_60_varied_submitted_responses(seeded_demo):
    page = by_slug(demo.CLOSED_SLUG)
    responses = Response.objects.filter(consultation=page)
    total = responses.count()
    assert responses.filter(status=Response.Status.SUBMITTED).count() == total >= 60
    assert responses.filter(submitted_at__gte=page.opens_at, submitted_at__lt=page.closes_at).count() == total
    origins = set(responses.values_list("origin", flat=True))
    assert {Response.Origin.ONLINE, Response.Origin.ASSISTED, Response.Origin.PAPER} <= origins
    assert {"yes", "no", ""} <= set(responses.values_list("lived_experience", flat=True))
    assert not responses.filter(origin=Response.Origin.ASSISTED, consent_statement="").exists()
    # Every response has its history row, as a real submission would.
    assert Response.history.filter(consultation=page, status=Response.Status.SUBMITTED).count() == total
    # Varied answers: each choice of the choose-one question, and each first place, was picked by someone.
    single = page.questions.get(kind=Question.Kind.SINGLE_CHOICE)
    picked = Answer.objects.filter(question=single).values("choice").distinct().count()
    assert picked == len(single.choice_list)
    ranking = page.questions.get(kind=Question.Kind.RANKING)
    firsts = AnswerChoice.objects.filter(question=ranking, rank=1).values("choice").distinct().count()
    assert firsts == len(ranking.choice_list)


def test_the_closed_consultation_has_themes_on_free_text_answers_each_with_a_published_we_did(seeded_demo):
    page = by_slug(demo.CLOSED_SLUG)
    themes = Theme.objects.filter(consultation=page).annotate(tagged=Count("answers"))
    assert 3 <= len(themes) <= 4
    for theme in themes:
        assert theme.summary and theme.tagged >= 5, theme.name
        assert theme.statements.filter(published=True).exists(), theme.name
    tagged = Answer.objects.filter(themes__consultation=page)
    assert set(tagged.values_list("question__kind", flat=True)) <= set(Question.TEXT_KINDS)
    assert AuditEvent.objects.filter(action="consultation.statement_created").count() == len(themes)


def test_the_home_page_lists_the_open_consultation_and_each_demo_page_opens(client, seeded_demo):
    home = client.get("/")
    assert home.status_code == 200
    assert "Improving our evening groups" in home.content.decode()
    assert "Choosing our next training course" not in home.content.decode()
    for page in ConsultationPage.objects.all():
        assert client.get(page.url).status_code == 200, page.slug
