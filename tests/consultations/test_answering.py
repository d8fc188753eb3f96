"""The service-user journey through a consultation, through the real views."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from consultations.models import Answer, AnswerChoice, Identity, Question, Response
from portal.accounts import roles
from portal.audit.models import AuditEvent

from tests.factories import UserFactory

from .factories import make_consultation

pytestmark = pytest.mark.django_db
Kind = Question.Kind

GOOD = {
    Kind.SHORT_TEXT: {"answer": "Being listened to"},
    Kind.LONG_TEXT: {"answer": "The evening group <b>helped</b> me a lot."},
    Kind.SINGLE_CHOICE: {"answer": "1"},
    Kind.MULTIPLE_CHOICE: {"answer": ["0", "2"]},
    Kind.SCALE: {"answer": "4"},
    Kind.RANKING: {"rank_0": "2", "rank_1": "3", "rank_2": "1"},
    Kind.YES_NO: {"answer": "0"},
}


@pytest.fixture
def open_page(home_page):
    return make_consultation()


def start(client, page, key="key-1", **extra):
    return client.post(page.url + "start/", {"idempotency_key": key, **extra})


def token_of(response):
    return response.url.split("/respond/")[1].split("/")[0]


def answer_all(client, page, token):
    for number, question in enumerate(page.questions.all(), start=1):
        reply = client.post(f"{page.url}respond/{token}/{number}/", GOOD[question.kind])
        assert reply.status_code == 302, (question.kind, reply.content.decode()[:3000])
    return reply


def test_an_anonymous_person_answers_every_kind_checks_and_sends(client, open_page):
    page = open_page
    started = start(client, page)
    token = token_of(started)
    last = answer_all(client, page, token)
    assert last.url.endswith(f"/respond/{token}/check/")
    check = client.get(last.url)
    html = check.content.decode()
    assert "Check your answers" in html and "Weekend mornings" in html
    assert "More peer workers then A crisis cafe then Longer opening hours" in html
    sent = client.post(last.url)
    assert sent.status_code == 302 and sent.url.endswith("/done/")
    response = Response.objects.get()
    assert response.status == Response.Status.SUBMITTED and response.respondent is None
    done = client.get(sent.url).content.decode()
    assert response.reference in done
    assert Answer.objects.filter(response=response).count() == 7
    ranking = AnswerChoice.objects.filter(rank__isnull=False).order_by("rank")
    assert [pick.choice for pick in ranking] == [2, 0, 1]
    event = AuditEvent.objects.get(action="consultation.response_submitted")
    assert event.actor_key == "" and "evening" not in str(event.data)


def test_sending_twice_stores_one_response(client, open_page):
    page = open_page
    token = token_of(start(client, page))
    answer_all(client, page, token)
    first = client.post(f"{page.url}respond/{token}/check/")
    second = client.post(f"{page.url}respond/{token}/check/")
    assert first.url == second.url
    assert Response.objects.filter(status="submitted").count() == 1
    assert Answer.objects.count() == 7
    assert AuditEvent.objects.filter(action="consultation.response_submitted").count() == 1


def test_starting_twice_with_the_same_key_gives_one_draft(client, open_page):
    page = open_page
    assert token_of(start(client, page, key="same")) == token_of(start(client, page, key="same"))
    assert Response.objects.count() == 1


def test_going_back_keeps_the_answer_already_typed(client, open_page):
    page = open_page
    token = token_of(start(client, page))
    client.post(f"{page.url}respond/{token}/1/", {"answer": "Kind staff"})
    client.post(f"{page.url}respond/{token}/2/", {"answer": "half a thought", "back": "1"})
    assert 'value="Kind staff"' in client.get(f"{page.url}respond/{token}/1/").content.decode()
    assert "half a thought" in client.get(f"{page.url}respond/{token}/2/").content.decode()


@pytest.mark.parametrize(
    "kind, data, message",
    [
        (Kind.SHORT_TEXT, {"answer": "x" * 201}, "Your answer must be 200 characters or fewer. It is 201 now"),
        (Kind.SINGLE_CHOICE, {"answer": "99"}, "Choose one of the options"),
        (Kind.MULTIPLE_CHOICE, {"answer": ["0", "42"]}, "Choose from the options listed"),
        (Kind.RANKING, {"rank_0": "1", "rank_1": "1", "rank_2": "2"}, "Number 1 is used more than once"),
        (Kind.SCALE, {"answer": "9"}, "Choose one of the options"),
    ],
)
def test_bad_answers_get_a_plain_message_and_keep_what_was_typed(client, home_page, kind, data, message):
    page = make_consultation(kinds=[kind, Kind.LONG_TEXT])
    token = token_of(start(client, page))
    client.post(f"{page.url}respond/{token}/2/", {"answer": "my other answer"})
    reply = client.post(f"{page.url}respond/{token}/1/", data)
    html = reply.content.decode()
    assert reply.status_code == 400
    assert "There is a problem" in html and message in html
    draft = Response.objects.get().draft
    assert len(draft) == 2  # the bad answer is kept as typed, and so is the other one
    assert draft[str(page.questions.get(kind=Kind.LONG_TEXT).pk)] == {"answer": "my other answer"}
    if kind == Kind.SHORT_TEXT:
        assert "x" * 201 in html


def test_a_missing_required_answer_stops_sending_and_says_which(client, home_page):
    page = make_consultation(kinds=[Kind.SHORT_TEXT, Kind.YES_NO])
    Question.objects.filter(page=page, kind=Kind.YES_NO).update(required=True)
    token = token_of(start(client, page))
    client.post(f"{page.url}respond/{token}/1/", {"answer": "hello"})
    reply = client.post(f"{page.url}respond/{token}/check/")
    assert reply.status_code == 400
    assert "Question 2: Answer this question to carry on" in reply.content.decode()
    assert Response.objects.get().status == Response.Status.DRAFT


def test_script_in_an_answer_is_shown_as_text(client, open_page):
    page = open_page
    token = token_of(start(client, page))
    client.post(f"{page.url}respond/{token}/1/", {"answer": "<script>alert(1)</script>"})
    html = client.get(f"{page.url}respond/{token}/check/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_autosave_keeps_typing_without_pressing_continue(client, open_page):
    page = open_page
    token = token_of(start(client, page))
    reply = client.post(f"{page.url}respond/{token}/2/", {"answer": "typed then tab closed"}, HTTP_X_AUTOSAVE="1")
    assert reply.status_code == 204
    assert "typed then tab closed" in client.get(f"{page.url}respond/{token}/2/").content.decode()


def test_the_resume_link_brings_back_an_anonymous_draft_in_a_new_browser(client, open_page, django_user_model):
    page = open_page
    from django.test import Client

    token = token_of(start(client, page))
    client.post(f"{page.url}respond/{token}/1/", {"answer": "first go"})
    elsewhere = Client()
    assert 'value="first go"' in elsewhere.get(f"{page.url}respond/{token}/1/").content.decode()


def test_token_pages_are_never_cached(client, open_page):
    page = open_page
    token = token_of(start(client, page))
    reply = client.get(f"{page.url}respond/{token}/1/")
    assert "no-store" in reply["Cache-Control"] and "private" in reply["Cache-Control"]


def test_before_it_opens_the_form_says_when_it_opens(client, home_page):
    page = make_consultation(opens_at=timezone.now() + timedelta(days=2), closes_at=timezone.now() + timedelta(days=9))
    reply = client.get(page.url + "start/")
    assert reply.status_code == 403
    assert "This consultation opens on" in reply.content.decode()
    assert start(client, page).status_code == 403
    assert not Response.objects.exists()


def test_after_it_closes_a_draft_cannot_be_sent_but_is_not_deleted(client, home_page):
    page = make_consultation()
    token = token_of(start(client, page))
    client.post(f"{page.url}respond/{token}/1/", {"answer": "nearly done"})
    page.closes_at = timezone.now() - timedelta(minutes=1)
    page.save_revision().publish()
    reply = client.post(f"{page.url}respond/{token}/check/")
    assert reply.status_code == 403
    assert "has closed" in reply.content.decode()
    assert Response.objects.get().status == Response.Status.DRAFT


def test_service_users_only_is_enforced_on_the_routes_not_just_the_menu(client, home_page, user_factory):
    page = make_consultation(audience="service_users")
    assert start(client, page).status_code == 302  # anonymous: sign in first
    client.force_login(user_factory(roles=[roles.EDITORS]))
    refused = start(client, page)
    assert refused.status_code == 403 and "service users only" in refused.content.decode()
    client.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    assert start(client, page).status_code == 302 and Response.objects.count() == 1


def test_named_responses_belong_to_their_author_who_can_withdraw_until_close(client, home_page, service_user):
    page = make_consultation(identity=Identity.NAMED)
    client.force_login(service_user)
    token = token_of(start(client, page, key="a"))
    assert token_of(start(client, page, key="b")) == token  # one named response per person
    answer_all(client, page, token)
    client.post(f"{page.url}respond/{token}/check/")
    response = Response.objects.get()
    assert response.respondent == service_user
    assert client.post(f"{page.url}respond/{token}/withdraw/").status_code == 302
    response.refresh_from_db()
    assert response.status == Response.Status.WITHDRAWN
    assert AuditEvent.objects.filter(action="consultation.response_withdrawn").count() == 1


def test_someone_else_cannot_continue_a_named_draft(client, home_page, service_user, user_factory):
    page = make_consultation(identity=Identity.NAMED)
    client.force_login(service_user)
    token = token_of(start(client, page))
    client.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    reply = client.post(f"{page.url}respond/{token}/1/", {"answer": "not mine"})
    assert reply.status_code == 403
    assert Response.objects.get().draft == {}


def test_a_signed_out_author_keeps_what_they_typed_and_it_is_saved_when_they_sign_in(client, home_page, service_user):
    page = make_consultation(identity=Identity.NAMED)
    client.force_login(service_user)
    token = token_of(start(client, page))
    client.logout()
    reply = client.post(f"{page.url}respond/{token}/1/", {"answer": "typed while signed out"})
    assert reply.status_code == 302 and "/account/sign-in/" in reply.url
    assert Response.objects.get().draft == {}  # not written until the owner is known
    client.force_login(service_user)  # signing in keeps the session's data
    back = client.get(f"{page.url}respond/{token}/1/")
    assert back.status_code == 200 and "typed while signed out" in back.content.decode()
    assert "typed while signed out" in str(Response.objects.get().draft)


def test_a_visitor_with_the_link_cannot_overwrite_a_named_draft(client, home_page, service_user):
    page = make_consultation(identity=Identity.NAMED)
    client.force_login(service_user)
    token = token_of(start(client, page))
    client.post(f"{page.url}respond/{token}/1/", {"answer": "my own words"})
    visitor = Client()
    reply = visitor.post(f"{page.url}respond/{token}/1/", {"answer": "overwritten by a visitor"})
    assert reply.status_code == 302 and "/account/sign-in/" in reply.url
    autosave = visitor.post(f"{page.url}respond/{token}/1/", {"answer": "autosaved by a visitor"}, HTTP_X_AUTOSAVE="1")
    assert autosave.status_code == 204  # kept in the visitor's own session only
    draft = str(Response.objects.get().draft)
    assert "my own words" in draft and "visitor" not in draft
    other = Client()
    other.force_login(UserFactory(roles=[roles.SERVICE_USERS]))  # someone else signs in with the visitor's link
    other.post(f"{page.url}respond/{token}/1/", {"answer": "overwritten by a visitor"})
    assert "visitor" not in str(Response.objects.get().draft)


def test_a_peer_worker_enters_an_assisted_response_with_consent(client, home_page, user_factory):
    page = make_consultation()
    worker = user_factory(roles=[roles.PEER_WORKERS])
    client.force_login(worker)
    refused = client.post(page.url + "assisted/", {"idempotency_key": "k", "consent_statement": ""})
    assert refused.status_code == 400 and "Write down the consent the person gave" in refused.content.decode()
    reply = client.post(
        page.url + "assisted/",
        {"idempotency_key": "k", "consent_statement": "Jo asked me to type for her.", "consent_confirmed": "on"},
    )
    token = token_of(reply)
    answer_all(client, page, token)
    client.post(f"{page.url}respond/{token}/check/")
    response = Response.objects.get()
    assert response.origin == Response.Origin.ASSISTED and response.entered_by == worker
    assert response.respondent is None and response.status == Response.Status.SUBMITTED
    assert response.consent_statement == "Jo asked me to type for her."


@pytest.mark.parametrize("who", ["a visitor with the link", "another service user", "another peer worker"])
def test_an_assisted_draft_is_read_and_written_only_by_the_peer_worker_who_started_it(client, home_page, user_factory, who):
    page = make_consultation()
    worker = user_factory(roles=[roles.PEER_WORKERS])
    client.force_login(worker)
    reply = client.post(page.url + "assisted/", {"idempotency_key": "k", "consent_statement": "Jo asked me to type.",
                                                 "consent_confirmed": "on"})
    token = token_of(reply)
    client.post(f"{page.url}respond/{token}/1/", {"answer": "Jo's own words"})
    other = Client()
    if who == "another service user":
        other.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    elif who == "another peer worker":
        other.force_login(user_factory(roles=[roles.PEER_WORKERS]))
    read = other.get(f"{page.url}respond/{token}/1/")
    assert read.status_code in (302, 403) and "Jo&#x27;s own words" not in read.content.decode()
    check = other.get(f"{page.url}respond/{token}/check/")
    assert check.status_code in (302, 403) and "Jo&#x27;s own words" not in check.content.decode()
    other.post(f"{page.url}respond/{token}/1/", {"answer": "changed by someone else"})
    other.post(f"{page.url}respond/{token}/check/")
    response = Response.objects.get()
    assert "Jo's own words" in str(response.draft) and "someone else" not in str(response.draft)
    assert response.status == Response.Status.DRAFT
    assert "Jo&#x27;s own words" in client.get(f"{page.url}respond/{token}/1/").content.decode()  # the worker still can


def test_only_peer_workers_may_enter_for_someone_else(client, home_page, service_user):
    page = make_consultation()
    client.force_login(service_user)
    assert client.get(page.url + "assisted/").status_code == 403


def test_the_home_page_lists_open_consultations_only(client, home_page):
    open_page = make_consultation(title="Open one")
    make_consultation(title="Future one", opens_at=timezone.now() + timedelta(days=3), closes_at=timezone.now() + timedelta(days=9))
    html = client.get("/").content.decode()
    assert open_page.title in html and "Future one" not in html


def test_the_index_lists_open_upcoming_and_closed(client, home_page):
    page = make_consultation(title="Open one")
    make_consultation(title="Closed one", opens_at=timezone.now() - timedelta(days=9), closes_at=timezone.now() - timedelta(days=1))
    html = client.get(page.get_parent().url).content.decode()
    assert html.index("Open now") < html.index("Open one") < html.index("Closed") < html.index("Closed one")


def test_my_data_and_my_account_include_named_responses_only(client, home_page, service_user):
    import json

    named = make_consultation(identity=Identity.NAMED, kinds=[Kind.SHORT_TEXT], title="Named one")
    anonymous = make_consultation(kinds=[Kind.SHORT_TEXT], title="Anonymous one")
    client.force_login(service_user)
    token = token_of(start(client, named, key="n"))
    client.post(f"{named.url}respond/{token}/1/", {"answer": "my own words"})
    token2 = token_of(start(client, anonymous, key="a"))
    client.post(f"{anonymous.url}respond/{token2}/1/", {"answer": "nobody knows"})
    data = json.loads(client.get("/account/my-data/").content)
    assert [r["consultation"] for r in data["consultation_responses"]] == ["Named one"]
    assert data["consultation_responses"][0]["answers"][0]["answer"] == "my own words"
    assert "nobody knows" not in json.dumps(data)
    profile = client.get("/account/profile/").content.decode()
    assert "Named one" in profile and "started, not sent yet" in profile and "Anonymous one" not in profile


def test_a_signed_in_person_answering_anonymously_is_not_named_in_the_history_or_the_ledger(client, open_page, user_factory):
    person = user_factory(roles=[roles.SERVICE_USERS])
    client.force_login(person)
    page = open_page
    assert page.identity == Identity.ANONYMOUS
    token = token_of(start(client, page))
    last = answer_all(client, page, token)
    client.post(last.url)
    response = Response.objects.get()
    assert response.status == Response.Status.SUBMITTED and response.respondent is None
    rows = list(response.history.all())
    assert rows and all(row.history_user_id is None for row in rows)
    assert AuditEvent.objects.get(action="consultation.response_submitted").actor_key == ""


def test_the_home_pages_kept_list_changes_when_a_consultation_closes_or_opens_with_nobody_publishing(
    client, home_page
):
    from freezegun import freeze_time

    now = timezone.now()
    closing = make_consultation(title="Closing soon", closes_at=now + timedelta(hours=1))
    make_consultation(title="Opening later", opens_at=now + timedelta(hours=2), closes_at=now + timedelta(days=9))
    html = client.get("/").content.decode()
    assert closing.title in html and "Opening later" not in html
    with freeze_time(now + timedelta(minutes=61)):
        html = client.get("/").content.decode()
        assert closing.title not in html and "Opening later" not in html
    with freeze_time(now + timedelta(minutes=121)):
        assert "Opening later" in client.get("/").content.decode()


def test_the_index_keeps_its_lists_until_a_consultation_closes_or_opens_with_nobody_publishing(client, home_page):
    from freezegun import freeze_time

    now = timezone.now()
    closing = make_consultation(title="Closing soon", closes_at=now + timedelta(hours=1))
    make_consultation(title="Opening later", opens_at=now + timedelta(hours=2), closes_at=now + timedelta(days=9))
    index_url = closing.get_parent().url

    def sections(html):
        upcoming = html.index("Opening soon") if "Opening soon" in html else len(html)
        closed = html.index('id="closed"') if 'id="closed"' in html else len(html)
        return html[html.index("Open now"):min(upcoming, closed)], html[min(upcoming, closed):]

    open_now, rest = sections(client.get(index_url).content.decode())
    assert closing.title in open_now and "Opening later" in rest
    with freeze_time(now + timedelta(minutes=61)):
        open_now, rest = sections(client.get(index_url).content.decode())
        assert closing.title not in open_now and closing.title in rest  # closed now
    with freeze_time(now + timedelta(minutes=121)):
        open_now, _ = sections(client.get(index_url).content.decode())
        assert "Opening later" in open_now


def test_the_index_shows_a_newly_published_consultation_at_once(client, home_page):
    first = make_consultation(title="First one")
    assert "Second one" not in client.get(first.get_parent().url).content.decode()
    make_consultation(title="Second one")
    assert "Second one" in client.get(first.get_parent().url).content.decode()


def test_the_index_keeps_plain_page_numbers_only_so_made_up_query_strings_add_nothing_to_the_cache(
    client, home_page
):
    from django.core.cache import cache

    page = make_consultation(title="Open one")
    index_url = page.get_parent().url

    def kept_lists():
        return [key for key in cache._cache if "consultation-index" in key]

    assert "Open one" in client.get(index_url).content.decode()
    assert len(kept_lists()) == 1
    for made_up in ("?page=abc", "?page=99999999", "?utm_source=x", "?page=1&sort=y"):
        assert "Open one" in client.get(index_url + made_up).content.decode()
    assert len(kept_lists()) == 1


def test_a_blank_question_is_rendered_once_and_is_the_form_crispy_forms_renders_for_every_kind(client, open_page):
    """A question nobody has answered yet is kept as HTML (portal/home/stable.py): it must be exactly the
    form the page rendered before, for every kind; an answer already given is never taken from it."""
    from django.template import Context, Template

    from consultations.forms import AnswerForm

    page = open_page
    token = token_of(start(client, page))
    for number, question in enumerate(page.questions.all(), start=1):
        url = f"{page.url}respond/{token}/{number}/"
        client.get(url)
        html = client.get(url).content.decode()  # from what was kept
        expected = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": AnswerForm(question)}))
        assert expected.strip() and expected in html, question.kind
    from django.core.cache import cache

    assert sum(":form:question:" in key for key in cache._cache) == page.questions.count()
    client.post(f"{page.url}respond/{token}/1/", {"answer": "Being listened to"})
    assert 'value="Being listened to"' in client.get(f"{page.url}respond/{token}/1/").content.decode()
