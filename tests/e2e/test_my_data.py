"""A service user opens "Your data" from their account page, reads it at phone and desktop width, and
downloads it as a PDF. The PDF's first page is saved as a picture in artifacts/ (your-data-pdf-1.png)
and its text must hold every section heading."""

import subprocess
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.accounts.demo import DEMO_ACCOUNTS
from .helpers import ARTIFACTS, NARROW, WIDE, Journey

pytestmark = pytest.mark.e2e
EMAIL = "service.user@example.org"
PASSWORD = next(password for email, _name, _role, password in DEMO_ACCOUNTS if email == EMAIL)
HEADINGS = ["My account", "What I answered", "How I voted", "Meetings I was part of", "What I agreed to",
            "What we sent you"]


@pytest.fixture
def demo(site_url, settings):
    """The demo content and accounts, as `make run` loads them (service users need no authenticator)."""
    settings.PORTAL_STAFF_2FA = True
    call_command("seed_demo", stdout=StringIO())
    return site_url


def test_a_service_user_reads_and_downloads_their_data(browser, browser_context_args, demo):
    journey = Journey("my-data", WIDE)
    context, page = journey.open_tab(browser, browser_context_args)
    page.goto(f"{demo}/account/sign-in/")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

    page.locator("main").get_by_role("link", name="See your data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your data")
    for heading in HEADINGS:
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    for viewport in (NARROW, WIDE):
        page.set_viewport_size(viewport)
        journey.viewport = viewport
        journey.check(page, "your-data")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = ARTIFACTS / "your-data.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename.startswith("your-data-")
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ARTIFACTS / "your-data-pdf-1")], check=True)
    assert (ARTIFACTS / "your-data-pdf-1.png").stat().st_size > 10_000
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode().split())
    for heading in HEADINGS:
        assert heading in text
    assert "Sam (service user)" in text and EMAIL in text
    context.close()
