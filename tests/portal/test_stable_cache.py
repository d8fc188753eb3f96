"""What every page used to read from the database (the Site, the home and section pages, view
restrictions, site settings) now comes from the cache: it must never outlive a change to it."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import GroupPagePermission, PageViewRestriction, Site

from portal.home.models import SiteSettings, StandardPage
from portal.home.page_cache import page_cache_generation

pytestmark = pytest.mark.django_db


@pytest.fixture
def section(home_page):
    page = StandardPage(title="About us", slug="about-us", summary="Who we are.")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    child = StandardPage(title="Our history", slug="history", summary="Where we came from.")
    page.add_child(instance=child)
    child.save_revision().publish()
    return page


def warm_queries(client, path: str) -> tuple[int, int]:
    client.get(path)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured)


def test_a_section_page_served_again_reads_nothing_it_read_before(client, section):
    assert warm_queries(client, "/about-us/") == (200, 0)
    # One level deeper, only the page itself is read (in Wagtail's two steps: the page, then its fields).
    assert warm_queries(client, "/about-us/history/") == (200, 2)


def test_restricting_a_page_applies_at_once_to_the_next_visitor(client, section):
    assert client.get("/about-us/history/").status_code == 200
    restriction = PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.LOGIN)
    response = client.get("/about-us/history/")
    assert response.status_code == 302 and "/login" in response["Location"]
    restriction.delete()
    assert client.get("/about-us/history/").status_code == 200


def test_restricting_to_groups_applies_at_once_with_the_page_cache_on(client, section, settings, service_user):
    settings.PAGE_CACHE_SECONDS = 300
    assert client.get("/about-us/").status_code == 200  # now in the page cache too
    restriction = PageViewRestriction.objects.create(page=section, restriction_type=PageViewRestriction.GROUPS)
    restriction.groups.add(Group.objects.create(name="Trustees only"))
    assert client.get("/about-us/").status_code == 302
    client.force_login(service_user)  # signed in, but not in the group
    assert client.get("/about-us/").status_code == 302
    restriction.delete()
    assert client.get("/about-us/").status_code == 200


def test_renaming_a_section_moves_it_at_once(client, section):
    assert client.get("/about-us/").status_code == 200
    section.slug = "who-we-are"
    section.save_revision().publish()
    assert client.get("/about-us/").status_code == 404
    assert client.get("/who-we-are/").status_code == 200
    assert client.get("/who-we-are/history/").status_code == 200


def test_unpublishing_a_section_hides_it_and_what_is_under_it_at_once(client, section):
    assert client.get("/about-us/").status_code == 200
    section.unpublish()
    assert client.get("/about-us/").status_code == 404


def test_deleting_a_section_is_seen_at_once(client, section):
    assert client.get("/about-us/history/").status_code == 200
    section.delete()
    assert client.get("/about-us/").status_code == 404
    assert client.get("/about-us/history/").status_code == 404


def test_the_settings_row_made_on_first_use_keeps_what_is_cached(client, section, home_page):
    from wagtail.models import Site as WagtailSite

    assert not SiteSettings.objects.exists()
    before = page_cache_generation()
    SiteSettings.for_site(WagtailSite.objects.get(is_default_site=True))
    assert page_cache_generation() == before


def test_a_new_site_name_and_settings_show_at_once(client, section, home_page):
    assert "Together Voices" in client.get("/about-us/").content.decode()
    row = SiteSettings.for_site(home_page.get_site())
    row.organisation_name = "Voices Unheard"
    row.save()
    assert "Voices Unheard" in client.get("/about-us/").content.decode()


def test_pointing_the_site_at_another_root_is_seen_at_once(client, section, home_page):
    assert client.get("/").status_code == 200
    site = Site.objects.get(is_default_site=True)
    site.root_page = section
    site.save()
    assert "Who we are." in client.get("/").content.decode()
    assert client.get("/history/").status_code == 200


def test_a_change_made_inside_a_transaction_moves_the_generation_on_again_when_it_commits(
    section, django_capture_on_commit_callbacks
):
    before = page_cache_generation()
    with django_capture_on_commit_callbacks(execute=True):
        section.title = "About us, again"
        section.save_revision().publish()
        during = page_cache_generation()
    assert before < during < page_cache_generation()


def test_editors_changing_page_permissions_do_not_affect_what_visitors_see(client, section):
    # Not a view restriction: the page stays public.
    GroupPagePermission.objects.create(
        group=Group.objects.create(name="Editors of about us"), page=section, permission_type="change"
    )
    assert client.get("/about-us/").status_code == 200


# --- What a signed-in person may do (portal/accounts/permission_cache.py) ---------------------------


def _menu(client) -> str:
    return client.get("/").content.decode()


def test_a_role_given_and_taken_away_shows_and_goes_on_the_next_request(client, home_page, service_user):
    from portal.accounts import roles

    client.force_login(service_user)
    assert "Finance</a>" not in _menu(client)
    finance = Group.objects.get(name=roles.FINANCE)
    service_user.groups.add(finance)
    assert "Finance</a>" in _menu(client)
    assert "Finance</a>" in _menu(client)  # now from the cache
    service_user.groups.remove(finance)
    assert "Finance</a>" not in _menu(client)


def test_a_permission_taken_from_a_role_goes_at_once_for_everyone_in_it(client, home_page, service_user):
    from django.contrib.auth.models import Permission

    from portal.accounts import roles

    group = Group.objects.create(name="Helpers with the finance pages")
    change_claim = Permission.objects.get(codename="change_claim", content_type__app_label="involvement")
    group.permissions.add(change_claim)
    service_user.groups.add(group)
    client.force_login(service_user)
    assert "Finance</a>" in _menu(client)
    group.permissions.remove(change_claim)
    assert "Finance</a>" not in _menu(client)
    assert roles.FINANCE  # the real role is untouched


def test_a_person_made_inactive_loses_their_permissions_at_once(client, home_page, service_user):
    from portal.accounts import roles

    service_user.groups.add(Group.objects.get(name=roles.FINANCE))
    client.force_login(service_user)
    assert "Finance</a>" in _menu(client)
    service_user.is_active = False
    service_user.save()
    assert "Finance</a>" not in _menu(client)


def test_signed_in_pages_do_not_ask_for_permissions_again(client, home_page, service_user):
    client.force_login(service_user)
    client.get("/")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    assert not [q for q in captured if "auth_permission" in q["sql"]]


def test_the_kept_site_is_the_one_wagtail_would_choose_for_every_host_and_port(home_page):
    from wagtail.models.sites import get_site_for_hostname

    from portal.home.stable import match_site

    other = StandardPage(title="Other root", slug="other-root")
    home_page.add_child(instance=other)
    Site.objects.create(hostname="voices.example", port=80, root_page=other)
    Site.objects.create(hostname="voices.example", port=8080, root_page=home_page)
    Site.objects.create(hostname="elsewhere.example", port=8443, root_page=other)
    sites = list(Site.objects.all())
    for hostname in ("voices.example", "elsewhere.example", "localhost", "testserver", "unknown.example"):
        for port in (80, 8080, 8443, 9000):
            try:
                expected = get_site_for_hostname(hostname, port)
            except Site.DoesNotExist:
                expected = None
            assert match_site(sites, hostname, port) == expected, (hostname, port)


def test_host_names_sent_by_visitors_add_no_keys_to_the_cache(client, section, settings):
    from django.core.cache import cache

    settings.ALLOWED_HOSTS = ["*"]
    client.get("/about-us/")
    keys = len(cache._cache)
    for n in range(20):
        client.get("/about-us/", HTTP_HOST=f"made-up-{n}.example")
    assert len(cache._cache) == keys


def test_check_deploy_warns_when_web_processes_would_not_share_one_cache(settings):
    from portal.home.apps import _shared_cache_check

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [warning.id for warning in _shared_cache_check()] == ["portal.W001"]
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/0"}
    }
    assert _shared_cache_check() == []
