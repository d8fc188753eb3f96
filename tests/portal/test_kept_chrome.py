"""The menu, footer and crisis routes every page shows, kept per generation (portal/home/stable.py
`kept_fragment`), and the plain-SQL reads of the signed-in pages' own rows."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from consultations import views as consultation_views
from consultations.models import Response
from portal.accounts import backends
from portal.accounts.models import Profile, User
from portal.home.models import SiteSettings
from tests.consultations.factories import make_consultation
from voting import views as voting_views
from voting.models import Ballot, RollEntry

pytestmark = pytest.mark.django_db


def _menu(html: str) -> str:
    return re.search(r'<section aria-label="Menu".*?</section>', html, re.S).group(0)


def _current(html: str) -> list[str]:
    return re.findall(r'aria-current="page">([^<]+)<', _menu(html))


def test_the_menu_marks_the_page_you_are_on_for_visitors_and_people_signed_in(client, home_page, service_user):
    assert _current(client.get("/").content.decode()) == ["Home"]
    assert _current(client.get("/account/sign-in/").content.decode()) == ["Sign in"]
    assert _current(client.get("/governance/decisions/").content.decode()) == ["Decisions"]
    client.force_login(service_user)
    assert _current(client.get("/ballots/").content.decode()) == ["Your ballots"]
    assert _current(client.get("/account/profile/").content.decode()) == ["Your account"]
    home = client.get("/").content.decode()
    assert _current(home) == ["Home"]
    assert "Sign in</a>" not in _menu(home) and "Sign out" in _menu(home)


def test_inside_a_section_the_menu_marks_the_section_but_not_as_this_page(client, home_page, service_user):
    page = make_consultation()
    html = client.get(page.url).content.decode()
    assert _current(html) == [] and 'aria-current="true">Have your say<' in _menu(html)
    assert 'aria-current="true">Decisions<' in _menu(client.get("/governance/decisions/TB-2026-0001/").content.decode())
    client.force_login(service_user)
    assert 'aria-current="true">Your ballots<' in _menu(client.get("/ballots/1/vote/").content.decode())
    home = _menu(client.get("/").content.decode())
    assert 'aria-current="true"' not in home and _current(client.get("/").content.decode()) == ["Home"]


def test_a_kept_menu_carries_each_persons_own_sign_out_token(home_page, user_factory):
    """The menu is rendered once and kept, but the sign-out form's CSRF token is put in for each
    request: one person's token never reaches another, and each one's own token signs them out."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(user_factory())
    second.force_login(user_factory())

    def token(client) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _menu(client.get("/").content.decode())).group(1)

    first_token, second_token = token(first), token(second)
    assert first_token != second_token
    assert first_token not in second.get("/").content.decode()
    assert second.post("/account/sign-out/", {"csrfmiddlewaretoken": second_token}).status_code == 200
    assert not second.get("/").wsgi_request.user.is_authenticated
    assert first.get("/").wsgi_request.user.is_authenticated


def test_new_crisis_routes_show_at_once_in_the_footer_and_beside_the_questions(client, home_page, service_user):
    page = make_consultation(content_note="These questions ask about hard times.")
    client.force_login(service_user)
    started = client.post(page.url + "start/", {"idempotency_key": "k1"})
    question = client.get(started.url).content.decode()
    assert question.count("Samaritans") == 2  # the demo's routes, beside the questions and in the footer
    row = SiteSettings.for_site(home_page.get_site())
    row.crisis_support = "<p>Call the Night Line on 0800 000 0000.</p>"
    row.save()
    question = client.get(started.url).content.decode()
    assert question.count("Night Line") == 2 and "Samaritans" not in question
    assert client.get("/").content.decode().count("Night Line") == 1


@pytest.mark.parametrize("with_profile", [True, False])
def test_a_signed_in_question_page_asks_the_database_only_for_its_own_rows(client, home_page, service_user, with_profile):
    """The session comes from the cache; the person, their profile (if they have one) and their response
    from the database, once each."""
    if with_profile:
        Profile.objects.create(user=service_user, larger_text=True)
    page = make_consultation()
    client.force_login(service_user)
    url = client.post(page.url + "start/", {"idempotency_key": "k2"}).url
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    tables = [re.search(r'FROM "?(\w+)"?', q["sql"]).group(1) for q in captured]
    assert tables == ["accounts_user", "accounts_profile", "consultations_response"]
    assert ("portal-larger-text" in client.get(url).content.decode()) is with_profile


def test_the_plain_sql_reads_name_the_models_own_tables():
    assert f"FROM {User._meta.db_table} WHERE" in backends.USER_SQL
    assert f"FROM {Profile._meta.db_table} WHERE" in backends.PROFILE_SQL
    assert f"FROM {Response._meta.db_table} WHERE" in consultation_views._LOAD_SQL
    assert f"FROM {Ballot._meta.db_table} WHERE" in voting_views._BALLOT_SQL
    assert f"FROM {RollEntry._meta.db_table} WHERE" in voting_views._ENTRY_SQL


def test_an_inactive_or_unknown_person_in_a_session_is_signed_out(client, home_page, service_user):
    client.force_login(service_user)
    assert client.get("/").wsgi_request.user == service_user
    User.objects.filter(pk=service_user.pk).update(is_active=False)
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert backends.ModelBackendWithProfile().get_user("not a number") is None
    assert backends.ModelBackendWithProfile().get_user(10**9) is None


def test_the_menu_is_for_the_person_signed_in_not_a_user_the_page_talks_about(rf, home_page, user_factory):
    """A staff page about a member may put them in its context as `user`: the menu and footer still
    follow whoever made the request."""
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string

    request = rf.get("/about/")
    request.user = AnonymousUser()
    html = render_to_string("base.html", {"user": user_factory()}, request=request)
    assert "Sign in</a>" in _menu(html) and "Sign out" not in _menu(html)
    assert "Your data" not in html


def test_each_site_keeps_its_own_name_and_crisis_routes(client, home_page, settings):
    from wagtail.models import Site

    settings.ALLOWED_HOSTS = ["*"]
    other = Site.objects.create(hostname="other.example", port=80, root_page=home_page, is_default_site=False)
    SiteSettings.objects.create(site=other, organisation_name="Other Voices",
                                crisis_support="<p>Call the Other Line.</p>")
    assert "Together Voices" in client.get("/").content.decode()
    theirs = client.get("/", HTTP_HOST="other.example").content.decode()
    assert "Other Voices" in theirs and "Other Line" in theirs and "Together Voices" not in theirs
    assert "Together Voices" in client.get("/").content.decode()
