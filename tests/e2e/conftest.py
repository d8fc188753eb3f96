"""Browser tests: Debian's headless Chromium driven by Playwright against pytest-django's live server.

Run them with `make e2e` (or `.ci/run`, which installs Chromium first). Never `playwright install`:
this machine reaches no browser download site, so the browser is Debian's package, found at
CHROMIUM_PATH (default /usr/bin/chromium).

Playwright's sync API keeps an event loop running in the test thread, which makes Django's
"async unsafe" guard refuse the ORM calls the fixtures make; the guard is meant for real async code,
so it is turned off while this folder's tests run (and only then: this conftest is also imported when
the rest of the suite runs with `-m "not e2e"`).
"""

import os
import re
from pathlib import Path

import pytest

from .helpers import WIDE

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium instead of a Playwright-downloaded build."""
    if not Path(CHROMIUM_PATH).exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM_PATH}. Install Debian's package (apt-get install -y chromium) "
            "or set CHROMIUM_PATH; do not run `playwright install`."
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM_PATH, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": WIDE, "locale": "en-GB"}


@pytest.fixture
def site_url(transactional_db, live_server, home_page):
    """The live server's address, with the page tree recreated after live_server's flush."""
    return live_server.url


@pytest.fixture
def page_problems(page):
    """JavaScript errors and failed requests (a missing stylesheet, a 404 script) seen by the page."""
    problems = []

    def on_console(message):
        # Chromium asks every new site for /favicon.ico on its own; the portal has none yet.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console {message.type}: {message.text} ({message.location.get('url')})")

    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("console", on_console)
    page.on(
        "response",
        lambda response: problems.append(f"HTTP {response.status}: {response.url}")
        if response.status >= 400
        else None,
    )
    return problems


@pytest.fixture
def signed_in(page, site_url, user_factory, password):
    """A service user signed in through the real sign-in form; returns the user."""
    from portal.accounts import roles

    user = user_factory(roles=[roles.SERVICE_USERS], display_name="Sam Example")
    page.goto(f"{site_url}/account/sign-in/")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/account/profile/$"))
    return user
