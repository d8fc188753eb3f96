import re

import pytest
from django.db import connection
from django.middleware.csrf import _unmask_cipher_token
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.home.models import SiteSettings, StandardPage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings, home_page):
    from django.core.cache import cache

    SiteSettings.for_site(home_page.get_site())  # created on first use; saving it clears the cache
    cache.clear()
    settings.PAGE_CACHE_SECONDS = 300


def queries_for(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    return response, len(ctx.captured_queries)


def test_a_second_anonymous_visit_is_served_without_touching_the_database(client):
    first, first_queries = queries_for(client, "/")
    second, second_queries = queries_for(client, "/")
    assert first.status_code == second.status_code == 200
    assert first_queries > 0 and second_queries == 0
    assert second.content == first.content
    assert "no-cache" in second["Cache-Control"]


def test_publishing_a_change_shows_at_once(client, home_page):
    client.get("/")
    home_page.title = "A brand new welcome"
    home_page.save_revision().publish()
    assert "A brand new welcome" in client.get("/").content.decode()


def test_changing_site_settings_shows_at_once(client, home_page):
    client.get("/")
    site_settings = SiteSettings.for_site(home_page.get_site())
    site_settings.organisation_name = "Voices Together Again"
    site_settings.save()
    assert "Voices Together Again" in client.get("/").content.decode()


def test_unpublishing_a_page_removes_it_at_once(client, home_page):
    page = StandardPage(title="Temporary", slug="temporary")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    assert client.get("/temporary/").status_code == 200
    page.unpublish()
    assert client.get("/temporary/").status_code == 404


def test_signed_in_people_are_never_served_a_shared_page(client, service_user):
    client.get("/")
    client.force_login(service_user)
    response, queries = queries_for(client, "/")
    assert queries > 0
    assert "Your account" in response.content.decode()


def test_pages_with_forms_are_not_shared_because_their_token_belongs_to_one_visitor(client):
    queries_for(client, reverse("accounts:login"))
    from django.test import Client

    other = Client()
    response, _ = queries_for(other, reverse("accounts:login"))
    assert "csrftoken" in other.cookies
    # Rendered afresh for this visitor, not a shared copy: the form's token belongs to their own cookie.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)
    assert _unmask_cipher_token(token) == other.cookies["csrftoken"].value


def test_a_page_with_only_a_get_form_is_still_shared(client):
    """GET forms (filters) carry no CSRF token, so the decision register can be cached for visitors."""
    first, _ = queries_for(client, "/governance/decisions/")
    second, second_queries = queries_for(client, "/governance/decisions/")
    assert first.status_code == 200 and "csrftoken" not in first.cookies
    assert second_queries == 0
