"""The evidence report pages: who sees which version, links to the records behind each figure, plain
messages for bad dates, the CSV and PDF made as long jobs, and `manage.py evidence_report`."""

import csv
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from pypdf import PdfReader

from portal.accounts import roles
from portal.home.setup import ensure_home_page
from portal.jobs.long_jobs import long_job_run
from portal.jobs.models import LongJob

from .evidence_world import PERIOD_END, PERIOD_START, build_world

pytestmark = pytest.mark.django_db

QUERY = f"from={PERIOD_START}&to={PERIOD_END}"
PAGE = f"/governance/evidence/?{QUERY}"


@pytest.fixture(scope="module")
def built_world(module_db):
    """The world, built once for this module's tests (tests/conftest.py's module_db) instead of once for
    each (3 s): each test gets its own copy (`world`), in its own savepoint."""
    with module_db.unblock():
        return build_world(ensure_home_page())


@pytest.fixture
def world(built_world, home_page):
    # The period is long past, so the real today and the world's TODAY give the same figures.
    assert timezone.localdate() > PERIOD_END
    return built_world.reloaded()


@pytest.fixture
def service_user_client(client, user_factory):
    client.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    return client


@pytest.fixture
def trustee_client(client, trustee):
    client.force_login(trustee)
    return client


def main_of(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


# --- who sees what ---------------------------------------------------------------------------------
def test_anonymous_visitors_get_the_public_version_that_can_be_cached(client, world):
    response = client.get(PAGE)

    assert response.status_code == 200
    assert response.context["report"].public
    assert "no-store" not in response.get("Cache-Control", "")
    html = main_of(response)
    assert "Public version" in html and "fewer than 5" in html
    assert "1 of 4 (25%)" not in html  # the finance committee's one lived-experience seat
    assert "Sign in</a> to download" in html and "csrfmiddlewaretoken" not in html


@pytest.mark.parametrize("role, full", [(roles.TRUSTEES, True), (roles.SECRETARIES, True),
                                        (roles.SERVICE_USERS, False), (roles.ANALYSTS, False)])
def test_trustees_and_secretaries_see_every_number_and_others_the_public_version(client, world, user_factory, role,
                                                                               full):
    client.force_login(user_factory(roles=[role]))
    response = client.get(PAGE)

    assert response.status_code == 200 and response.context["full"] is full
    assert response.context["report"].public is not full
    assert ("1 of 4 (25%)" in main_of(response)) is full
    assert "no-store" in response["Cache-Control"]  # signed-in pages are private


def test_the_sections_come_in_4pi_order_with_headings(client, world):
    html = main_of(client.get(PAGE))

    headings = re.findall(r'<h2 class="govuk-heading-l" id="section-(\w+)">', html)
    assert headings == ["principles", "purpose", "presence", "process", "impact"]
    assert "People with lived experience lead us." in html
    assert '<svg class="portal-chart"' in html and 'aria-hidden="true"' in html
    assert 'id="seats-table"' in html and 'id="origins-table"' in html


def test_with_no_dates_the_report_covers_the_last_twelve_months(client, home_page):
    response = client.get("/governance/evidence/")

    assert response.status_code == 200
    period = response.context["period"]
    assert period.end == timezone.localdate() and period.start.day == 1 and (period.end - period.start).days < 366


# --- links to the records --------------------------------------------------------------------------
def test_a_share_of_decisions_links_to_exactly_those_decisions_in_the_register(trustee_client, world):
    report = trustee_client.get(PAGE).context["report"]
    cite = report.figure("impact.decisions.cite_input")
    assert cite.url == f"/governance/decisions/?{QUERY}&shaped=yes"
    assert f'href="{cite.url.replace("&", "&amp;")}"' in main_of(trustee_client.get(PAGE))

    register = trustee_client.get(cite.url)
    assert register.context["page_obj"].paginator.count == cite.numerator == 19
    assert "Decided from 1 January 2025 up to 31 March 2025" in register.content.decode()
    none = trustee_client.get(report.figure("impact.decisions.no_input").url)
    assert none.context["page_obj"].paginator.count == 8


def test_the_register_ignores_dates_that_are_not_dates(client, world):
    response = client.get("/governance/decisions/?from=2025-02-30&to=soon")

    assert response.status_code == 200 and response.context["page_obj"].paginator.count == 30


@pytest.mark.parametrize("kind, rows", [("consultations", 3), ("meetings", 6), ("themes", 8), ("actions", 5),
                                        ("outcomes", 6), ("ballots", 3)])
def test_each_records_page_lists_the_records_behind_its_figures(client, world, kind, rows):
    response = client.get(f"/governance/evidence/records/{kind}/?{QUERY}")

    assert response.status_code == 200
    assert len(response.context["table"].rows) == rows


def test_every_figure_link_of_the_trustees_version_opens(trustee_client, world):
    report = trustee_client.get(PAGE).context["report"]
    urls = {f.url for f in report.figures if f.url}

    assert len(urls) > 10
    for url in urls:
        assert trustee_client.get(url).status_code == 200, url


def test_public_records_never_show_per_meeting_or_per_ballot_head_counts(client, trustee, world):
    public = client.get(f"/governance/evidence/records/meetings/?{QUERY}").context["table"]
    ballots = client.get(f"/governance/evidence/records/ballots/?{QUERY}").context["table"]
    seats = client.get(f"/governance/evidence/records/seats/?{QUERY}&body=fc").context["table"]

    assert "Members present" not in public.columns and "On the roll" not in ballots.columns
    assert [cell.text for _day, cell in seats.rows] == ["fewer than 5"] * 3
    client.force_login(trustee)
    trustees = client.get(f"/governance/evidence/records/meetings/?{QUERY}").context["table"]
    assert "Members present" in trustees.columns


def test_an_unknown_records_list_is_not_found(client, world):
    assert client.get(f"/governance/evidence/records/nothing/?{QUERY}").status_code == 404


# --- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "query, message",
    [
        ("from=2025-02-30&to=2025-03-31", "Enter a real date"),
        ("from=yesterday&to=2025-03-31", "Enter a real date"),
        ("from=2025-04-01&to=2025-03-31", "The end date must be the same as or after the start date"),
        ("from=1990-01-01&to=2025-03-31", "Choose a period of 20 years or less"),
        ("from=2025-01-01&to=2025-03-31&body=nope", "Choose a group from the list"),
    ],
)
def test_bad_input_gets_a_plain_message_on_the_same_page(client, world, query, message):
    for url in (f"/governance/evidence/?{query}", f"/governance/evidence/records/meetings/?{query}"):
        response = client.get(url)
        assert response.status_code == 400
        assert message in response.content.decode() and "There is a problem" in response.content.decode()


# --- the long jobs ---------------------------------------------------------------------------------
def start(client, fmt: str, **extra):
    data = {"from": str(PERIOD_START), "to": str(PERIOD_END), "body": "", "format": fmt, **extra}
    return client.post("/governance/evidence/export/", data)


def run(response) -> LongJob:
    job = LongJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert long_job_run(job_id=job.pk) == "done"  # in a test the transaction never commits, so run it here
    job.refresh_from_db()
    return job


def download(client, job) -> bytes:
    return b"".join(client.get(f"/jobs/{job.pk}/download/").streaming_content)


def test_a_trustee_downloads_every_figure_as_csv_made_as_a_long_job(trustee_client, world):
    job = run(start(trustee_client, "csv"))

    rows = list(csv.DictReader(io.StringIO(download(trustee_client, job).decode())))
    by_key = {row["key"]: row for row in rows}
    assert job.status == LongJob.Status.DONE and job.expires_at is not None
    assert by_key["impact.decisions.cite_input"]["value"] == "70"
    assert by_key["process.responses.assisted"]["value"] == "3"
    assert by_key["process.responses.assisted"]["hidden_in_public"] == "True"
    assert by_key["impact.decisions.cite_input"]["link"].endswith(f"/governance/decisions/?{QUERY}&shaped=yes")
    assert len([r for r in rows if r["key"].startswith("impact.no_input_reason.")]) == 8


def test_someone_else_gets_the_public_csv_even_if_they_ask_for_more(service_user_client, world):
    job = run(start(service_user_client, "csv"))
    assert job.params["public"] is True
    LongJob.objects.filter(pk=job.pk).update(status=LongJob.Status.QUEUED, params={**job.params, "public": False})
    long_job_run(job_id=job.pk)

    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(download(service_user_client, job).decode()))}
    assert rows["process.responses.assisted"]["shown_as"] == "fewer than 5"
    assert rows["process.responses.assisted"]["value"] == ""


def test_a_pdf_for_the_annual_report_is_made_as_a_long_job(trustee_client, world):
    job = run(start(trustee_client, "pdf", body="suc"))

    reader = PdfReader(io.BytesIO(download(trustee_client, job)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert job.result_name.endswith("-suc-trustees.pdf")
    for words in ("Evidence report", "Principles", "Purpose", "Presence", "Process", "Impact", "Council",
                  "People with lived experience lead us."):
        assert words in text


def test_anonymous_visitors_are_asked_to_sign_in_before_a_file_is_made(client, world):
    response = start(client, "csv")

    assert response.status_code == 302 and "next=/governance/evidence/" in response["Location"]
    assert not LongJob.objects.exists()


def test_a_bad_export_request_goes_back_to_the_report_with_its_message(trustee_client, world):
    response = start(trustee_client, "csv", to="2024-01-01")

    assert response.status_code == 302 and response["Location"].startswith("/governance/evidence/?")
    assert not LongJob.objects.exists()
    assert trustee_client.get(response["Location"]).status_code == 400


# --- the command -----------------------------------------------------------------------------------
def command(tmp_path, fmt, *extra):
    out = tmp_path / f"report.{fmt}"
    call_command("evidence_report", "--from", str(PERIOD_START), "--to", str(PERIOD_END), "--format", fmt,
                 "--output", str(out), *extra, stdout=io.StringIO())
    return out


def test_the_command_writes_csv(tmp_path, world):
    rows = {r["key"]: r for r in csv.DictReader(command(tmp_path, "csv").open())}

    assert rows["impact.themes.days_to_we_did"]["value"] == "20"
    assert rows["process.responses.assisted"]["value"] == "3"


def test_the_command_writes_public_json_for_one_body(tmp_path, world):
    data = json.loads(command(tmp_path, "json", "--public", "--body", "fc").read_text())
    figures = {f["key"]: f for s in data["sections"] for f in s["figures"]}

    assert data["version"] == "public" and data["body"] == "fc"
    assert [s["key"] for s in data["sections"]] == ["principles", "purpose", "presence", "process", "impact"]
    assert figures["presence.seats.fc.2025-03-31"]["shown_as"] == "fewer than 5"
    assert figures["presence.seats.fc.2025-03-31"]["value"] is None
    assert figures["impact.decisions"]["value"] == 6


def test_the_command_writes_pdf(tmp_path, world):
    reader = PdfReader(command(tmp_path, "pdf", "--public").open("rb"))

    assert "Public version" in reader.pages[0].extract_text()


@pytest.mark.parametrize("args, message", [
    (["--from", "2025-13-01", "--to", "2025-03-31"], "year-month-day"),
    (["--from", "2025-04-01", "--to", "2025-03-31"], "end date"),
    (["--from", "2025-01-01", "--to", "2025-03-31", "--body", "nope"], "no group"),
])
def test_the_command_explains_bad_input(tmp_path, world, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("evidence_report", *args, "--format", "csv", "--output", str(tmp_path / "x.csv"))
