"""Each role sees only what it is allowed to in the Wagtail admin (a table of roles x places)."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from wagtail.models import Page

from portal.accounts import roles
from portal.accounts.models import User
from portal.home.models import StandardPage

pytestmark = pytest.mark.django_db

ADMIN_ROLES = [roles.EDITORS, roles.ANALYSTS, roles.SECRETARIES, roles.TRUSTEES, roles.RETURNING_OFFICERS]


def test_the_seven_roles_exist_as_groups():
    names = set(Group.objects.values_list("name", flat=True))
    assert set(roles.ALL_ROLES) <= names


def test_applying_the_role_table_twice_changes_nothing():
    from django.apps import apps

    before = sorted(Group.objects.get(name=roles.EDITORS).permissions.values_list("codename", flat=True))
    roles.apply_roles(apps)
    after = sorted(Group.objects.get(name=roles.EDITORS).permissions.values_list("codename", flat=True))
    assert before == after and Group.objects.filter(name=roles.EDITORS).count() == 1


@pytest.mark.parametrize("role", [roles.SERVICE_USERS, roles.PEER_WORKERS])
def test_service_users_and_peer_workers_cannot_enter_the_admin(client, user_factory, home_page, role):
    client.force_login(user_factory(roles=[role]))
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url


@pytest.mark.parametrize("role", ADMIN_ROLES)
def test_staff_roles_can_enter_the_admin(client, user_factory, home_page, role):
    client.force_login(user_factory(roles=[role]))
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "role, can_edit, can_publish",
    [
        (roles.EDITORS, True, True),
        (roles.SECRETARIES, True, False),
        (roles.ANALYSTS, False, False),
        (roles.TRUSTEES, False, False),
        (roles.RETURNING_OFFICERS, False, False),
    ],
)
def test_page_permissions_follow_the_role(user_factory, home_page, role, can_edit, can_publish):
    user = user_factory(roles=[role])
    perms = home_page.permissions_for_user(user)
    assert perms.can_edit() is can_edit
    assert perms.can_publish() is can_publish


def test_an_editor_can_open_the_page_editor_and_site_settings(client, user_factory, home_page):
    client.force_login(user_factory(roles=[roles.EDITORS]))
    assert client.get(f"/admin/pages/{home_page.pk}/edit/").status_code == 200
    settings_page = client.get("/admin/settings/home/sitesettings/", follow=True)
    assert settings_page.status_code == 200
    assert "Crisis support" in settings_page.content.decode()


def test_an_analyst_is_refused_the_page_editor_and_site_settings(client, user_factory, home_page):
    client.force_login(user_factory(roles=[roles.ANALYSTS]))
    editor = client.get(f"/admin/pages/{home_page.pk}/edit/", follow=True)
    assert "Sorry, you do not have permission to access this area." in editor.content.decode()
    settings_page = client.get("/admin/settings/home/sitesettings/", follow=True)
    assert "Crisis support" not in settings_page.content.decode()


def test_a_secretary_can_submit_a_draft_page_but_not_publish_it(client, user_factory, home_page):
    client.force_login(user_factory(roles=[roles.SECRETARIES]))
    response = client.post(
        f"/admin/pages/add/home/standardpage/{home_page.pk}/",
        {"title": "Draft notes", "slug": "draft-notes", "summary": "", "body-count": "0", "action-publish": "1"},
    )
    assert response.status_code in (200, 302)
    page = StandardPage.objects.get(slug="draft-notes")
    assert page.live is False


# The two tests below share one seed_demo for the module (tests/conftest.py's seeded_demo, each test in its
# own savepoint); seeded_demo is what that seed printed.
def test_seed_demo_is_idempotent_and_each_demo_account_has_its_role(seeded_demo, capsys):
    counts = (User.objects.count(), Page.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Page.objects.count()) == counts
    out = seeded_demo + capsys.readouterr().out
    for role in roles.ALL_ROLES:
        assert role in out
    assert User.objects.get(email="editor@example.org").groups.filter(name=roles.EDITORS).exists()
    assert User.objects.get(email="admin@example.org").is_superuser


def test_each_demo_account_signs_in_to_the_admin_only_if_its_role_allows(client, seeded_demo):
    from portal.accounts.demo import DEMO_ACCOUNTS

    for email, _name, role, password in DEMO_ACCOUNTS:
        client.logout()
        response = client.post("/admin/login/", {"username": email, "password": password}, follow=True)
        entered = response.request["PATH_INFO"] == "/admin/"
        front_end_only = (roles.SERVICE_USERS, roles.PEER_WORKERS, roles.MODERATORS, roles.FINANCE)
        assert entered is (role not in front_end_only), email
