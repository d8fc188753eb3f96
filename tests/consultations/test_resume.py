"""'Carry on answering' opens the first question with nothing saved yet, or the check page when every
question has been saved, never question 1 again."""

import re
import uuid

import pytest

from consultations import services
from consultations.models import Identity, Question

from .factories import make_consultation

pytestmark = pytest.mark.django_db
KINDS = [Question.Kind.SHORT_TEXT, Question.Kind.SINGLE_CHOICE, Question.Kind.LONG_TEXT]


def carry_on_link(client, page) -> str:
    html = client.get(page.url).content.decode()
    return re.search(r'href="([^"]+)">Carry on answering', html).group(1)


def test_carry_on_answering_opens_where_the_person_stopped(client, home_page, service_user):
    page = make_consultation(kinds=KINDS, identity=Identity.NAMED)
    response = services.response_start(consultation=page, user=service_user, idempotency_key=uuid.uuid4().hex,
                                       named=True)
    questions = list(page.questions.order_by("sort_order"))
    client.force_login(service_user)
    services.response_save_step(response=response, question=questions[0], raw={"answer": "Evenings"})
    response.refresh_from_db()

    assert carry_on_link(client, page) == page.url + page.reverse_subpage("question", args=[response.resume_token, 2])
    for question, raw in zip(questions[1:], ({"answer": "1"}, {"answer": ""}), strict=True):
        services.response_save_step(response=response, question=question, raw=raw)
    assert carry_on_link(client, page) == page.url + page.reverse_subpage("check", args=[response.resume_token])


def test_a_consultation_with_a_content_note_shows_the_crisis_routes_beside_every_question(client, home_page, service_user):
    noted = make_consultation(kinds=KINDS, identity=Identity.NAMED, content_note="Some questions ask about hard times.")
    plain = make_consultation(kinds=KINDS, identity=Identity.NAMED)
    client.force_login(service_user)
    for page, shown in ((noted, True), (plain, False)):
        response = services.response_start(consultation=page, user=service_user, idempotency_key=uuid.uuid4().hex,
                                           named=True)
        token = response.resume_token
        pages = [page.url + page.reverse_subpage("question", args=[token, n]) for n in (1, 2, 3)]
        pages.append(page.url + page.reverse_subpage("check", args=[token]))
        for url in pages:
            html = client.get(url).content.decode()
            assert ("If these questions bring up difficult feelings" in html) is shown, url
            assert html.count('id="crisis-support"') == 1  # the footer's box stays the one "Get help now" opens
