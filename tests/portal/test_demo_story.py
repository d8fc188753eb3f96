"""The demo `make run` loads tells one story a reviewer can walk through: every demo person can sign in
(as seed_demo prints), and the text does not date (months are named from the day it is loaded)."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.accounts.demo import MEMBER_PASSWORD
from portal.accounts.models import User
from portal.home.demo import month_name

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(home_page, capsys):
    call_command("seed_demo")
    return capsys.readouterr().out


def test_every_demo_person_can_sign_in_and_seed_demo_says_how(client, seeded):
    assert MEMBER_PASSWORD in seeded
    assert not [user.email for user in User.objects.all() if not user.has_usable_password()]
    for email in ("grace.chair@example.org", "jo.council@example.org", "member07@members.example.org"):
        signed = client.post(reverse("accounts:login"), {"username": email, "password": MEMBER_PASSWORD})
        assert signed.status_code == 302, email
        client.logout()


def test_months_are_named_from_the_day_the_demo_is_loaded():
    day = datetime.date(2026, 12, 6)
    assert [month_name(n, today=day) for n in (0, 1, 3)] == ["December", "January", "March"]
