import json
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from portal.accounts import roles
from portal.accounts.models import User
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(home_page):
    """Every account page extends the base template, which reads the site settings."""


def sign_up(client, **overrides):
    data = {"display_name": "Jo", "email": "jo@example.org", "password": "a calm green river 42"}
    data.update(overrides)
    return client.post(reverse("accounts:sign-up"), data)


def test_sign_up_creates_a_service_user_signs_them_in_and_records_it_without_personal_data(client):
    response = sign_up(client)
    assert response.status_code == 302 and response.url == reverse("accounts:profile")
    user = User.objects.get(email="jo@example.org")
    assert list(user.groups.values_list("name", flat=True)) == [roles.SERVICE_USERS]
    assert client.get(reverse("accounts:profile")).status_code == 200
    event = AuditEvent.objects.get(action="account.signed_up")
    assert event.target_id == str(user.pk)
    ledger_text = json.dumps([event.actor_key, event.data, event.target_type])
    assert "jo@example.org" not in ledger_text and "Jo" not in ledger_text


def test_sign_up_with_an_over_long_name_says_so_and_keeps_what_was_typed(client):
    response = sign_up(client, display_name="x" * 81)
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html  # the GOV.UK error summary
    assert "Your name must be 80 characters or fewer. You typed 81." in html
    assert 'value="jo@example.org"' in html
    assert not User.objects.exists()


def test_sign_up_with_a_malformed_email_says_what_format_is_needed(client):
    response = sign_up(client, email="jo at example")
    assert response.status_code == 400
    assert "Enter an email address in the right format, like name@example.com" in response.content.decode()
    assert 'value="Jo"' in response.content.decode()


def test_sign_up_with_an_email_already_used_points_to_sign_in(client, user_factory):
    user_factory(email="jo@example.org")
    response = sign_up(client, email="JO@example.org")
    assert response.status_code == 400
    assert "There is already an account with this email address" in response.content.decode()
    assert User.objects.count() == 1


def test_sign_up_refuses_a_common_password_with_a_reason(client):
    response = sign_up(client, password="password123")
    assert response.status_code == 400
    assert "too common" in response.content.decode()


def test_sign_in_with_a_wrong_password_gives_a_plain_message(client, user_factory):
    user_factory(email="jo@example.org")
    response = client.post(reverse("accounts:login"), {"username": "jo@example.org", "password": "nope"})
    assert response.status_code == 400
    assert "The email address or password is not right." in response.content.decode()


def test_wrong_passwords_lock_the_account_for_a_while_whatever_the_case_of_the_email(
    client, user_factory, password
):
    user_factory(email="jo@example.org")
    statuses = [
        client.post(
            reverse("accounts:login"), {"username": ["jo@example.org", "JO@Example.org "][i % 2], "password": f"no {i}"}
        ).status_code
        for i in range(10)
    ]
    assert statuses[:4] == [400] * 4
    assert statuses[4:] == [429] * 6
    locked = client.post(reverse("accounts:login"), {"username": "jo@example.org", "password": password})
    assert locked.status_code == 429
    assert "Please wait before trying again" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_in_with_the_right_password_goes_to_the_profile(client, user_factory, password):
    user_factory(email="jo@example.org")
    response = client.post(reverse("accounts:login"), {"username": "JO@example.org ", "password": password})
    assert response.status_code == 302


def test_profile_needs_sign_in(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_profile_saves_preferences_and_larger_text_changes_every_page(client, service_user):
    client.force_login(service_user)
    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "Sam", "larger_text": "on", "easy_read_first": "on", "contact_method": "none"},
    )
    assert response.status_code == 302
    service_user.refresh_from_db()
    assert service_user.display_name == "Sam"
    assert service_user.profile.larger_text and service_user.profile.easy_read_first
    assert service_user.profile.contact_method == "none"
    assert "portal-larger-text" in client.get("/").content.decode()
    event = AuditEvent.objects.get(action="account.profile_updated")
    assert event.data == {"fields": ["contact_method", "easy_read_first", "larger_text", "display_name"]}


def test_profile_with_an_over_long_name_keeps_the_other_choices(client, service_user):
    client.force_login(service_user)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "y" * 200, "larger_text": "on", "contact_method": "email"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your name must be 80 characters or fewer. You typed 200." in html
    assert 'name="larger_text"' in html and "checked" in html


def test_my_data_downloads_everything_held_about_the_person(client, service_user):
    client.force_login(service_user)
    response = client.get(reverse("accounts:my-data"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    data = json.loads(response.content)
    assert data["account"]["email"] == service_user.email
    assert data["account"]["roles"] == [roles.SERVICE_USERS]
    assert data["preferences"]["larger_text"] is False


def test_my_data_needs_sign_in(client):
    assert client.get(reverse("accounts:my-data")).status_code == 302


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client):
    response = client.post(reverse("accounts:password-reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302 and response.url == reverse("accounts:password-reset-sent")
    assert mail.outbox == []


def test_password_reset_link_lets_the_person_choose_a_new_password(
    client, user_factory, django_capture_on_commit_callbacks
):
    user = user_factory(email="jo@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": "jo@example.org"})
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jo@example.org"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/account/password-reset/" in line)
    path = urlsplit(link.strip()).path
    form_page = client.get(path, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new phrase 7", "new_password2": "a brand new phrase 7"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a brand new phrase 7")


def test_a_used_password_reset_link_says_it_has_expired(client, user_factory):
    response = client.get("/account/password-reset/MQ/bad-token/")
    assert response.status_code == 200
    assert "This link has expired" in response.content.decode()


def test_sign_out_is_a_post_and_ends_the_session(client, service_user):
    client.force_login(service_user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


PRODUCTION_HASHERS = [
    "portal.accounts.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]


def test_the_site_stores_passwords_as_argon2id_at_the_owasp_setting():
    from portal.settings import base

    assert base.PASSWORD_HASHERS == PRODUCTION_HASHERS  # the test settings use a fast hasher instead


def test_a_password_stored_the_old_way_still_signs_in_and_is_stored_again_as_argon2id(client, settings, user_factory):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    person = user_factory()
    person.password = PBKDF2PasswordHasher().encode("a calm green river 42", "oldsaltoldsalt", iterations=1000)
    person.save()
    reply = client.post(reverse("accounts:login"), {"username": person.email, "password": "a calm green river 42"})
    assert reply.status_code == 302
    person.refresh_from_db()
    assert person.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert person.check_password("a calm green river 42") and not person.check_password("a calm green river 43")
