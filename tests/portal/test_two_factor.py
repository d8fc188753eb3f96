"""Two-step sign-in for staff, through the real views: the code check, setting up, backup codes, pauses.

PORTAL_STAFF_2FA is off in the test settings (so the rest of the suite's force_login staff tests reach
the admin); every test here turns it on. Codes are worked out from the device's key with django-otp's
own TOTP function, at a frozen time, so each step can move the clock on to a fresh code.
"""

import io
import re
from base64 import b32encode
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from portal.accounts import demo as accounts_demo, roles, two_factor

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:login")
CHECK = reverse("accounts:two-factor-check")
SET_UP = reverse("accounts:two-factor-setup")
BACKUP_CODES = reverse("accounts:two-factor-backup-codes")


@pytest.fixture(autouse=True)
def two_step_on(settings):
    settings.PORTAL_STAFF_2FA = True


@pytest.fixture
def clock():
    with freeze_time("2026-11-20 10:00:00") as frozen:
        yield frozen


@pytest.fixture
def editor(home_page, user_factory):
    return user_factory(roles=[roles.EDITORS])


@pytest.fixture
def enrolled_editor(editor):
    TOTPDevice.objects.create(user=editor, name=two_factor.APP_DEVICE_NAME, confirmed=True)
    return editor


def code_now(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, user, password, next_url=""):
    return client.post(SIGN_IN + (f"?next={next_url}" if next_url else ""), {"username": user.email, "password": password})


def type_code(client, code, next_url="/admin/"):
    return client.post(f"{CHECK}?next={next_url}", {"code": code})


def test_staff_see_nothing_but_the_code_check_until_they_type_the_code(client, enrolled_editor, password, clock):
    signed_in = sign_in(client, enrolled_editor, password, next_url="/admin/")
    assert signed_in.status_code == 302 and signed_in.url == f"{CHECK}?next=%2Fadmin%2F"
    assert "_auth_user_id" in client.session  # the password step is done...
    for path in ("/admin/", "/django-admin/", "/audit/", "/", reverse("accounts:profile")):
        refused = client.get(path)  # ...but no page shows until the code is typed
        assert refused.status_code == 302 and refused.url.startswith(CHECK), path
    page = client.get(signed_in.url)
    assert page.status_code == 200 and "Check it's you" in page.content.decode()

    reply = type_code(client, code_now(TOTPDevice.objects.get(user=enrolled_editor)))
    assert reply.status_code == 302 and reply.url == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/audit/").status_code != 302


def test_service_users_and_peer_workers_are_never_asked_for_a_code(client, home_page, user_factory, password):
    for role in (roles.SERVICE_USERS, roles.PEER_WORKERS):
        person = user_factory(roles=[role])
        signed_in = sign_in(client, person, password)
        assert signed_in.url == reverse("accounts:profile")
        assert client.get(signed_in.url).status_code == 200
        assert client.get("/").status_code == 200
        assert not TOTPDevice.objects.filter(user=person).exists()
        client.post(reverse("accounts:logout"))


def test_a_wrong_code_is_refused_in_plain_words_and_nothing_opens(client, enrolled_editor, password, clock):
    sign_in(client, enrolled_editor, password)
    reply = type_code(client, "000000")
    html = reply.content.decode()
    assert reply.status_code == 400 and "That code did not work" in html and "There is a problem" in html
    assert client.get("/admin/").status_code == 302


def test_staff_with_no_authenticator_set_one_up_then_see_backup_codes_once(client, editor, password, clock):
    signed_in = sign_in(client, editor, password, next_url="/admin/")
    assert signed_in.url == f"{SET_UP}?next=%2Fadmin%2F"
    page = client.get(signed_in.url).content.decode()
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert 'src="data:image/svg+xml' in page  # the QR code, with no file and no script
    key = b32encode(device.bin_key).decode()
    shown = re.search(r'id="setup-key">([A-Z2-7 ]+)<', page).group(1)
    assert shown.replace(" ", "") == key and all(len(group) == 4 for group in shown.split())
    assert client.get(signed_in.url).content.decode().count(shown) == 1  # the same key on a reload

    wrong = client.post(signed_in.url, {"code": "123 456"})
    assert wrong.status_code == 400 and "That code did not work" in wrong.content.decode()
    assert client.get("/admin/").status_code == 302

    clock.tick(30)
    confirmed = client.post(signed_in.url, {"code": code_now(device)})
    assert confirmed.status_code == 302 and confirmed.url == f"{BACKUP_CODES}?next=%2Fadmin%2F"
    device.refresh_from_db()
    assert device.confirmed
    first = client.get(confirmed.url).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{4}) ([a-z2-7]{4})</code></li>", first)
    assert len(codes) == 10 and "We only show these codes this once" in first
    assert sorted(a + b for a, b in codes) == sorted(StaticToken.objects.filter(device__user=editor).values_list("token", flat=True))
    again = client.get(confirmed.url).content.decode()
    assert "<code>" not in again and "You have 10 backup codes left" in again
    assert client.get("/admin/").status_code == 200


def test_someone_with_an_authenticator_cannot_add_another_without_the_code(client, enrolled_editor, password):
    sign_in(client, enrolled_editor, password)
    reply = client.get(SET_UP)
    assert reply.status_code == 302 and reply.url.startswith(CHECK)
    assert TOTPDevice.objects.filter(user=enrolled_editor).count() == 1


def test_a_backup_code_works_once_and_says_how_many_are_left(client, enrolled_editor, password, clock):
    codes = two_factor.backup_codes_create(user=enrolled_editor)
    sign_in(client, enrolled_editor, password)
    reply = type_code(client, f"{codes[0][:4]} {codes[0][4:].upper()}")
    assert reply.status_code == 302 and reply.url == "/admin/"
    assert "You used a backup code. You have 9 left." in client.get(reverse("accounts:profile")).content.decode()
    assert StaticToken.objects.filter(token=codes[0]).count() == 0

    client.post(reverse("accounts:logout"))
    clock.tick(60)
    sign_in(client, enrolled_editor, password)
    assert type_code(client, codes[0]).status_code == 400
    assert client.get("/admin/").status_code == 302


def test_five_wrong_codes_pause_every_code_for_15_minutes_in_any_browser(client, enrolled_editor, password, clock):
    device = TOTPDevice.objects.get(user=enrolled_editor)
    sign_in(client, enrolled_editor, password)
    for attempt in range(1, 5):
        assert type_code(client, "000000").status_code == 400, attempt
        clock.tick(20)  # past django-otp's own back-off (1, 2, 4, 8 seconds)
    fifth = type_code(client, "000000")
    assert fifth.status_code == 429 and "paused codes for this account for 15 minutes" in fifth.content.decode()

    clock.tick(60)
    right_but_paused = type_code(client, code_now(device))
    assert right_but_paused.status_code == 429 and client.get("/admin/").status_code == 302

    other_browser = client.__class__()
    sign_in(other_browser, enrolled_editor, password)
    assert type_code(other_browser, code_now(device)).status_code == 429

    clock.tick(timedelta(minutes=15))
    assert type_code(client, code_now(device)).url == "/admin/"
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_second_code_typed_within_a_second_of_a_wrong_one_is_asked_to_wait(client, enrolled_editor, password, clock):
    sign_in(client, enrolled_editor, password)
    type_code(client, "000000")
    reply = type_code(client, code_now(TOTPDevice.objects.get(user=enrolled_editor)))
    assert reply.status_code == 400 and "Please wait a few seconds" in reply.content.decode()


def test_the_session_key_changes_at_sign_in_and_again_at_the_code_step(client, enrolled_editor, password, clock):
    session = client.session
    session["seen"] = "before signing in"
    session.save()
    before = session.session_key

    sign_in(client, enrolled_editor, password)
    after_password = client.session.session_key
    assert after_password != before and not Session.objects.filter(session_key=before).exists()

    type_code(client, code_now(TOTPDevice.objects.get(user=enrolled_editor)))
    after_code = client.session.session_key
    assert after_code != after_password and not Session.objects.filter(session_key=after_password).exists()
    assert client.session["_auth_user_id"] == str(enrolled_editor.pk)


def test_the_wagtail_admin_sign_in_page_also_leads_to_the_code_step(client, enrolled_editor, password):
    signed_in = client.post("/admin/login/", {"username": enrolled_editor.email, "password": password})
    assert signed_in.status_code == 302
    landed = client.get(signed_in.url)
    assert landed.status_code == 302 and landed.url.startswith(CHECK)


def test_unverified_staff_can_still_sign_out(client, enrolled_editor, password):
    sign_in(client, enrolled_editor, password)
    assert client.post(reverse("accounts:logout")).status_code == 200
    assert "_auth_user_id" not in client.session


def test_after_the_code_only_addresses_on_this_site_are_followed(client, enrolled_editor, password, clock):
    sign_in(client, enrolled_editor, password)
    reply = type_code(client, code_now(TOTPDevice.objects.get(user=enrolled_editor)), next_url="https://evil.example/")
    assert reply.url == reverse("accounts:profile")


def test_superusers_need_the_code_for_django_admin(client, user_factory, home_page, verified_login):
    boss = user_factory(is_superuser=True, is_staff=True)
    client.force_login(boss)
    assert client.get("/django-admin/").url.startswith(SET_UP)
    verified_login(client, boss)
    assert client.get("/django-admin/").status_code == 200


def test_with_the_setting_off_staff_go_straight_in(client, editor, settings):
    settings.PORTAL_STAFF_2FA = False
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200


def test_a_verified_member_of_staff_can_make_new_backup_codes_and_the_old_ones_stop(client, editor, verified_login):
    old = two_factor.backup_codes_create(user=editor)
    verified_login(client, editor)
    made = client.post(BACKUP_CODES)
    assert made.status_code == 302
    page = client.get(made.url).content.decode()
    assert len(re.findall(r"<li><code>", page)) == 10
    assert not StaticToken.objects.filter(token__in=old).exists()


def test_demo_staff_get_an_authenticator_whose_key_is_printed_and_demo_otp_gives_a_working_code(client, home_page, clock):
    rows = {email: key for _, email, _, key in accounts_demo.seed()}
    assert rows["service.user@example.org"] == "" and rows["peer.worker@example.org"] == ""
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", rows["editor@example.org"])
    assert rows == {email: key for _, email, _, key in accounts_demo.seed()}  # seeding twice keeps the keys
    assert TOTPDevice.objects.filter(name=two_factor.DEMO_DEVICE_NAME).count() == 7  # with Finance

    out = io.StringIO()
    call_command("demo_otp", "editor@example.org", stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    client.post(SIGN_IN, {"username": "editor@example.org", "password": "demo-editor-pass-2026"})
    assert type_code(client, code).url == "/admin/"


def test_demo_otp_refuses_a_real_authenticator_unless_debug_is_on(enrolled_editor, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="Refused"):
        call_command("demo_otp", enrolled_editor.email, stdout=io.StringIO(), stderr=io.StringIO())
    settings.DEBUG = True
    out = io.StringIO()
    call_command("demo_otp", enrolled_editor.email, stdout=out, stderr=io.StringIO())
    assert re.fullmatch(r"\d{6}", out.getvalue().strip())


def test_seed_demo_prints_each_staff_key_beside_the_password_and_how_to_get_a_code(home_page):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    editor_line = next(line for line in text.splitlines() if "editor@example.org" in line)
    assert "demo-editor-pass-2026" in editor_line and "authenticator key:" in editor_line
    assert "authenticator key" not in next(line for line in text.splitlines() if "service.user@" in line)
    assert "manage.py demo_otp EMAIL" in text
