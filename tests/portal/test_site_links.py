"""Links follow the site: emails and files made with no request link to the default Wagtail Site's host
and port (what `make run` sets with `manage.py set_default_site`), unless SITE_URL overrides it."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone
from wagtail.models import Site

from consultations import jobs as consultation_jobs
from governance import jobs as governance_jobs
from governance.evidence import Period, evidence_report
from governance.evidence_exports import report_csv
from governance.models import Action, Body, Decision
from portal.home.setup import ensure_home_page
from portal.site_links import site_link, site_root_url
from tests.consultations.factories import make_consultation, make_index

ELSEWHERE = "http://portal.example.net:8443"
LINK = re.compile(r"https?://[^\s\"',]+")


@pytest.fixture
def served_elsewhere(home_page, settings):
    """The default Site moved as `make run HOST=portal.example.net PORT=8443` would move it."""
    settings.SITE_URL = ""  # no override from the environment running the tests
    call_command("set_default_site", "portal.example.net", "8443", stdout=io.StringIO())
    return home_page


def links_in(text: str) -> list[str]:
    return LINK.findall(text)


def test_a_consultations_closing_email_links_to_the_sites_host_and_port(served_elsewhere, user_factory):
    owner = user_factory()
    page = make_consultation(parent=make_index(served_elsewhere), owner=owner,
                             opens_at=timezone.now() - timedelta(days=8), closes_at=timezone.now())

    consultation_jobs.send_closing_summary(page_id=page.pk)

    (email,) = mail.outbox
    assert f"{ELSEWHERE}{page.url}results/" in email.body
    assert len(links_in(email.body)) == 3
    assert all(link.startswith(f"{ELSEWHERE}/") for link in links_in(email.body))
    assert "127.0.0.1:8000" not in email.body


def test_a_governance_overdue_actions_email_links_to_the_sites_host_and_port(served_elsewhere, user_factory):
    owner = user_factory()
    body = Body.objects.create(name="Trustee Board", slug="tb", code="TB", quorum=3)
    decision = Decision.objects.create(body=body, reference="TB-2026-001", title="Open later", text="We will.")
    Action.objects.create(decision=decision, owner=owner, title="Ask the team",
                          due_on=timezone.localdate() - timedelta(days=3))

    governance_jobs.send_overdue_actions(user_id=owner.pk, week="2026-W10")

    (email,) = mail.outbox
    assert f"{ELSEWHERE}/governance/decisions/TB-2026-001/" in email.body
    assert len(links_in(email.body)) == 3  # the action, its decision, the contact preferences
    assert all(link.startswith(f"{ELSEWHERE}/") for link in links_in(email.body))
    assert "127.0.0.1:8000" not in email.body


def test_the_evidence_csv_links_to_the_sites_host_and_port(served_elsewhere):
    body = Body.objects.create(name="Trustee Board", slug="tb", code="TB", quorum=3)
    Decision.objects.create(body=body, reference="TB-2025-001", title="Close in August", text="We will.",
                            decided_on=date(2025, 3, 1), no_input_reason="A safety matter, decided that day.")
    report = evidence_report(period=Period(date(2025, 1, 1), date(2025, 12, 31)), public=False)

    data = report_csv(report).decode()

    links = [row["link"] for row in csv.DictReader(io.StringIO(data)) if row["link"]]
    assert f"{ELSEWHERE}/governance/decisions/TB-2025-001/" in links
    assert len(links) > 5 and all(link.startswith(f"{ELSEWHERE}/") for link in links)
    assert "127.0.0.1:8000" not in data


def test_site_url_from_the_environment_overrides_the_site(served_elsewhere, settings):
    settings.SITE_URL = "https://portal.example.org/"

    assert site_link("/account/") == "https://portal.example.org/account/"


def test_ports_80_and_443_are_left_out_of_links(home_page, settings):
    settings.SITE_URL = ""
    call_command("set_default_site", "portal.example.org", "443", stdout=io.StringIO())
    assert site_root_url() == "https://portal.example.org"

    call_command("set_default_site", "portal.example.org", "80", stdout=io.StringIO())
    assert site_root_url() == "http://portal.example.org"


def test_with_no_default_site_links_fall_back_to_wagtails_base_url(db, settings):
    settings.SITE_URL = ""
    settings.WAGTAILADMIN_BASE_URL = "http://fallback.example:9000/"
    Site.objects.all().delete()

    assert site_link("/account/") == "http://fallback.example:9000/account/"


def test_loading_the_demo_again_keeps_the_address_make_run_set(served_elsewhere):
    ensure_home_page()

    assert site_root_url() == ELSEWHERE


@pytest.mark.parametrize("port", ["0", "70000", "eighty"])
def test_a_port_that_cannot_be_served_on_is_refused(home_page, port):
    with pytest.raises(CommandError):
        call_command("set_default_site", "portal.example.net", port, stdout=io.StringIO())

    assert Site.objects.get(is_default_site=True).port == 80
