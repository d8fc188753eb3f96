"""Security headers, request limits, hostile input and document serving, through the real views.

What the browser is told (CSP, Referrer-Policy, Permissions-Policy, nosniff, COOP; HSTS in production
only), what happens to bodies that are too big or have too many fields (a plain 400 or 413 page and
nothing stored), what happens to null bytes and broken UTF-8 (a 4xx with a plain message, never a 500),
and that documents go through Django's view rather than straight from the media folder.
"""

import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import path, resolve, reverse
from django.utils import timezone
from wagtail.documents import get_document_model
from wagtail.documents.views.serve import serve as wagtail_document_serve

from consultations.models import Answer, Response
from portal.accounts import roles
from tests.consultations.factories import make_consultation
from tests.governance.factories import make_body
from voting.models import Ballot, BallotOption, BallotPaper, ListedVoter, RollEntry
from voting.services import ballot_open

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:login")
TEN_MB = 10 * 1024 * 1024


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    parts = (part.strip().split() for part in response["Content-Security-Policy"].split(";"))
    return {words[0]: words[1:] for words in parts if words}


def style_hash(html: str) -> str:
    block = re.search(r"<style>(.*?)</style>", html, flags=re.DOTALL).group(1)
    return "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"


# --- Headers -----------------------------------------------------------------------------------


def test_every_page_says_same_origin_referrer_no_sniffing_own_window_and_no_camera(client, home_page):
    reply = client.get("/")
    assert reply["Referrer-Policy"] == "same-origin"
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert reply["Cross-Origin-Opener-Policy"] == "same-origin"
    assert reply["X-Frame-Options"] == "DENY"
    features = dict(item.strip().split("=") for item in reply["Permissions-Policy"].split(","))
    for feature in ("camera", "microphone", "geolocation", "payment", "interest-cohort", "browsing-topics"):
        assert features[feature] == "()", feature


def test_hsts_and_the_https_redirect_are_production_only(settings):
    assert not settings.SECURE_HSTS_SECONDS and not settings.SECURE_SSL_REDIRECT
    production = _production_settings(
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE", "PORTAL_STAFF_2FA", "SECURE_REFERRER_POLICY",
    )
    assert production["SECURE_HSTS_SECONDS"] >= 365 * 24 * 3600 and production["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert production["SECURE_SSL_REDIRECT"] and production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["PORTAL_STAFF_2FA"] is True and production["SECURE_REFERRER_POLICY"] == "same-origin"


def _production_settings(*names: str) -> dict:
    """The named settings as portal.settings.production makes them, read in a separate process."""
    script = (
        "import json, portal.settings.production as s; "
        f"print(json.dumps({{name: getattr(s, name, None) for name in {list(names)!r}}}, default=str))"
    )
    env = {**os.environ, "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "portal.example.org"}
    env.pop("SECURE_SSL_REDIRECT", None)
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=settings_module_root(), capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def settings_module_root() -> str:
    from django.conf import settings

    return str(settings.BASE_DIR)


def test_the_public_site_policy_runs_only_our_own_files_and_cannot_be_framed(client, home_page):
    directives = policy(client.get("/"))
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]  # the nonce appears only on pages that use it
    assert "'unsafe-inline'" not in directives["style-src"] and "'unsafe-eval'" not in str(directives)
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["form-action"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]


def _front_end_pages(client, home_page, user_factory):
    """Home, sign-in, a consultation question (autosave.js), the vote page and a job status page."""
    consultation = make_consultation()
    started = client.post(consultation.url + "start/", {"idempotency_key": "csp-1"})
    body = make_body(code="TB", members=2, lived=1)
    now = timezone.now()
    ballot = Ballot.objects.create(title="Vote", kind=Ballot.Kind.IRV, body=body,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    for n, label in enumerate(["Ana", "Bo"]):
        BallotOption.objects.create(ballot=ballot, label=label, order=n)
    ballot_open(ballot=ballot, user=None)
    voter = RollEntry.objects.filter(ballot=ballot).first().voter
    pages = {"home": client.get("/"), "sign in": client.get(SIGN_IN), "question": client.get(started.url)}
    client.force_login(voter)
    from portal.jobs.models import LongJob

    job = LongJob.objects.create(kind="portal.my_data", started_by=voter, status=LongJob.Status.RUNNING)
    pages["vote"] = client.get(f"/ballots/{ballot.pk}/vote/")
    pages["job status"] = client.get(f"/jobs/{job.pk}/")
    return pages


def test_every_script_on_the_front_end_is_one_of_our_files_or_carries_the_pages_nonce(client, home_page, user_factory):
    pages = _front_end_pages(client, home_page, user_factory)
    assert "autosave.js" in pages["question"].content.decode()
    assert "job-progress.js" in pages["job status"].content.decode()
    for name, reply in pages.items():
        assert reply.status_code == 200, name
        nonce = next((s for s in policy(reply)["script-src"] if s.startswith("'nonce-")), None)
        for tag in re.findall(r"<script\b[^>]*>", reply.content.decode()):
            allowed = " src=" in tag or (nonce and f'nonce="{nonce[7:-1]}"' in tag) or "application/json" in tag
            assert allowed, f"{name}: inline script without a nonce: {tag}"


def test_the_admin_gets_its_own_policy_with_inline_scripts_allowed_there_only(client, home_page, user_factory):
    client.force_login(user_factory(roles=[roles.EDITORS]))
    admin = policy(client.get("/admin/"))
    assert "'unsafe-inline'" in admin["script-src"] and not any(s.startswith("'nonce-") for s in admin["script-src"])
    assert "'unsafe-inline'" in admin["style-src"] and "blob:" in admin["img-src"]
    assert admin["frame-ancestors"] == ["'self'"] and admin["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy(client.get("/"))["script-src"]


def test_a_page_preview_can_be_framed_by_the_admin_that_shows_it(client, home_page, user_factory):
    client.force_login(user_factory(is_superuser=True, is_staff=True))
    reply = client.get(f"/admin/pages/{home_page.pk}/edit/preview/")
    assert reply.status_code == 200
    assert policy(reply)["frame-ancestors"] == ["'self'"]


# --- Plain error pages ---------------------------------------------------------------------------


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom)]


@pytest.mark.urls(__name__)
def test_the_500_page_is_plain_and_its_styles_are_allowed_by_the_policy(home_page):
    reply = Client(raise_request_exception=False).get("/boom/")
    html = reply.content.decode()
    assert reply.status_code == 500 and "Sorry, there is a problem with the service" in html
    assert style_hash(html) in policy(reply)["style-src"]


def test_a_form_with_2000_fields_gets_the_plain_400_page_with_its_styles_allowed(client, home_page):
    fields = {f"field{n}": "x" for n in range(2000)}
    reply = client.post(SIGN_IN, {"username": "jo@example.org", "password": "secret", **fields})
    html = reply.content.decode()
    assert reply.status_code == 400 and "Sorry, we could not read what was sent" in html
    assert "Traceback" not in html and "Nothing was saved" in html
    assert style_hash(html) in policy(reply)["style-src"]
    assert "_auth_user_id" not in client.session


def test_a_body_over_the_request_limit_is_refused_unread_with_a_plain_413(client, home_page, settings):
    settings.PORTAL_MAX_REQUEST_BYTES = TEN_MB
    reply = client.post(SIGN_IN, {"username": "jo@example.org", "password": "x" * (TEN_MB + 1)})
    html = reply.content.decode()
    assert reply.status_code == 413 and "The file or form is too big" in html and "10 MB" in html
    assert style_hash(html) in policy(reply)["style-src"]


def test_the_request_limit_is_25_mb_so_a_10_mb_form_is_refused_by_djangos_form_limit_instead(client, home_page):
    reply = client.post(
        SIGN_IN,
        urlencode({"username": "jo@example.org", "password": "x" * TEN_MB}),
        content_type="application/x-www-form-urlencoded",
    )
    assert reply.status_code == 400 and "Sorry, we could not read what was sent" in reply.content.decode()
    assert "_auth_user_id" not in client.session


def test_with_csrf_checks_on_a_huge_form_is_still_a_plain_400_not_a_crash(home_page):
    browser = Client(enforce_csrf_checks=True)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(SIGN_IN).content.decode()).group(1)
    reply = browser.post(SIGN_IN, {"csrfmiddlewaretoken": token, "username": "x", "password": "x" * TEN_MB})
    assert reply.status_code == 400 and "Sorry, we could not read what was sent" in reply.content.decode()


# --- Limits through the views that take people's words -----------------------------------------


@pytest.fixture
def question_url(client, home_page):
    consultation = make_consultation()
    started = client.post(consultation.url + "start/", {"idempotency_key": "limits-1"})
    return started.url


@pytest.mark.parametrize("extra", [{"answer": "x" * TEN_MB}, {f"f{n}": "x" for n in range(2000)}], ids=["10 MB", "2000 fields"])
def test_a_consultation_answer_too_big_or_with_too_many_fields_is_a_plain_400_and_nothing_is_kept(client, question_url, extra):
    reply = client.post(question_url, {"answer": "A fair answer", **extra})
    assert reply.status_code == 400 and "Sorry, we could not read what was sent" in reply.content.decode()
    assert Response.objects.get().draft == {} and not Answer.objects.exists()


@pytest.fixture
def open_ballot(client, home_page):
    body = make_body(code="TB", members=2, lived=1)
    now = timezone.now()
    ballot = Ballot.objects.create(title="Vote", kind=Ballot.Kind.IRV, body=body,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    options = [BallotOption.objects.create(ballot=ballot, label=label, order=n) for n, label in enumerate(["Ana", "Bo"])]
    ballot_open(ballot=ballot, user=None)
    entry = RollEntry.objects.filter(ballot=ballot).first()
    client.force_login(entry.voter)
    return ballot, options, entry


@pytest.mark.parametrize("extra", [{"note": "x" * TEN_MB}, {f"f{n}": "x" for n in range(2000)}], ids=["10 MB", "2000 fields"])
def test_a_vote_too_big_or_with_too_many_fields_is_a_plain_400_and_no_paper_is_cast(client, open_ballot, extra):
    ballot, (ana, _), entry = open_ballot
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana.pk}": "1", "confirmed": "1", **extra})
    assert reply.status_code == 400 and "Sorry, we could not read what was sent" in reply.content.decode()
    entry.refresh_from_db()
    assert not BallotPaper.objects.exists() and not entry.has_voted


@pytest.fixture
def draft_ballot(client, home_page, user_factory):
    client.force_login(user_factory(roles=[roles.RETURNING_OFFICERS]))
    now = timezone.now()
    return Ballot.objects.create(title="Election", kind=Ballot.Kind.STV, seats=1, electorate=Ballot.Electorate.LIST,
                                 opens_at=now, closes_at=now + timedelta(days=7))


def test_a_10_mb_electorate_file_is_explained_and_nobody_is_listed(client, draft_ballot):
    big = b"email\n" + b"someone@example.org\n" * (TEN_MB // 20)
    reply = client.post(f"/admin/voting/ballots/{draft_ballot.pk}/electorate/",
                        {"list": SimpleUploadedFile("voters.csv", big, content_type="text/csv")})
    assert reply.status_code == 400 and "larger than 2 MB" in reply.content.decode()
    assert not ListedVoter.objects.exists()


def test_an_electorate_upload_over_the_request_limit_is_refused_before_it_is_read(client, draft_ballot, settings):
    settings.PORTAL_MAX_REQUEST_BYTES = TEN_MB
    reply = client.post(f"/admin/voting/ballots/{draft_ballot.pk}/electorate/",
                        {"list": SimpleUploadedFile("voters.csv", b"x" * (TEN_MB + 1), content_type="text/csv")})
    assert reply.status_code == 413 and not ListedVoter.objects.exists()


# --- Null bytes and broken UTF-8 -----------------------------------------------------------------


def test_null_bytes_in_sign_in_and_sign_up_get_the_plain_400_page_and_no_account(client, home_page):
    signed = client.post(SIGN_IN, {"username": "jo\x00@example.org", "password": "pass\x00word"})
    assert signed.status_code == 400 and "_auth_user_id" not in client.session
    made = client.post(reverse("accounts:sign-up"),
                       {"display_name": "Jo\x00", "email": "jo@example.org", "password": "a calm green river 42"})
    assert made.status_code == 400 and "Sorry, we could not read what was sent" in made.content.decode()
    assert not get_user_model().objects.filter(email="jo@example.org").exists()


def test_broken_utf8_in_a_form_body_gets_a_form_error_not_a_crash(client, home_page):
    reply = client.post(SIGN_IN, b"username=%ff%fe%c3%28&password=%80\xff\xfe", content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 400 and "_auth_user_id" not in client.session


def test_a_null_byte_in_a_consultation_answer_is_a_4xx_and_nothing_is_kept(client, question_url):
    """The draft keeps whatever was typed, before checking it; PostgreSQL would refuse the null (a 500)."""
    reply = client.post(question_url, {"answer": "Good\x00 groups"})
    assert reply.status_code == 400 and Response.objects.get().draft == {}


def test_a_null_character_in_an_address_is_the_plain_404_not_a_database_error(client, question_url):
    """Decision references and resume tokens are looked up in the database; PostgreSQL refuses a null
    character in a lookup, which was a 500 before anything checked the address."""
    token_path = question_url.replace("/respond/", "/respond/a%00")
    for path in ("/governance/decisions/TB%00-2026-001/", "/governance/decisions/TB-2026-001%00/history/", token_path):
        reply = client.get(path)
        assert reply.status_code == 404, path


def test_broken_utf8_in_a_consultation_answer_is_kept_as_a_replacement_character_not_a_crash(client, question_url):
    reply = client.post(question_url, b"answer=Good%ff%fe groups", content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 302
    assert "Good\ufffd\ufffd groups" in str(Response.objects.get().draft)


def test_a_null_byte_as_a_ballot_choice_is_refused_and_no_paper_is_cast(client, open_ballot):
    ballot, (ana, _), entry = open_ballot
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana.pk}": "1\x00", "confirmed": "1"})
    assert 400 <= reply.status_code < 500 and not BallotPaper.objects.exists()


def test_broken_bytes_in_a_query_string_do_not_crash_public_pages(client, home_page):
    urls = ["/?q=%ff%00", "/governance/decisions/?body=%ff%00&page=%c3%28", "/governance/decisions/?q=%00",
            "/transparency/?x=%c3%28", f"{SIGN_IN}?next=%00"]
    for url in urls:
        assert client.get(url).status_code < 500, url


# --- Documents -----------------------------------------------------------------------------------


def test_documents_are_served_by_djangos_view_never_straight_from_media(client, home_page, settings, tmp_path):
    assert settings.WAGTAILDOCS_SERVE_METHOD == "serve_view"
    settings.MEDIA_ROOT = tmp_path  # a real folder, as on a server (the test settings keep files in memory)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    document = get_document_model().objects.create(title="Board papers", file=ContentFile(b"%PDF-1.4 papers", name="papers.pdf"))
    assert document.url == f"/documents/{document.pk}/papers.pdf"
    assert resolve(document.url).func is wagtail_document_serve
    reply = client.get(document.url)
    assert reply.status_code == 200 and b"".join(reply.streaming_content) == b"%PDF-1.4 papers"
    assert reply["Content-Security-Policy"] == "default-src 'none'"  # Wagtail's own, kept by our middleware
    assert reply["X-Content-Type-Options"] == "nosniff"
    assert (tmp_path / document.file.name).exists()
    assert client.get(f"{settings.MEDIA_URL}{document.file.name}").status_code == 404


def test_production_serves_no_media_folder_and_whitenoise_serves_only_static_files():
    production = _production_settings("DEBUG", "WHITENOISE_ROOT", "WAGTAILDOCS_SERVE_METHOD", "MIDDLEWARE")
    assert production["DEBUG"] is False and production["WHITENOISE_ROOT"] is None
    assert production["WAGTAILDOCS_SERVE_METHOD"] == "serve_view"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in production["MIDDLEWARE"]


def test_image_renditions_are_served_without_debug_but_nothing_else_under_media(client, home_page, settings, tmp_path):
    """Production has no media server: photos on ballot papers must still load; originals must not."""
    from importlib import reload

    from django.urls import clear_url_caches

    import portal.urls

    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "ana.fill-96x96.png").write_bytes(b"\x89PNG rendition")
    (tmp_path / "original_images").mkdir()
    (tmp_path / "original_images" / "ana.png").write_bytes(b"\x89PNG original")
    settings.MEDIA_ROOT = str(tmp_path)
    settings.DEBUG = False
    try:
        reload(portal.urls)
        clear_url_caches()
        assert client.get("/media/images/ana.fill-96x96.png").status_code == 200
        assert client.get("/media/original_images/ana.png").status_code == 404
        assert client.get("/media/images/../original_images/ana.png").status_code == 404
    finally:
        reload(portal.urls)
        clear_url_caches()


def test_production_keeps_database_connections_and_checks_them_before_reuse():
    """One connection per worker for a minute, not one per request; a dropped one is replaced, not used."""
    database = _production_settings("DATABASES")["DATABASES"]["default"]
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True


def test_the_policy_built_once_is_django_csps_own_and_views_that_ask_for_more_still_get_it(rf, settings):
    """Plain pages get the site policy built once (portal/security.py); a page that asks for the nonce,
    a view with a policy of its own, and a change of settings all go through django-csp as before."""
    from csp.constants import SELF
    from csp.utils import build_policy
    from django.http import HttpResponse

    from portal.security import ContentSecurityPolicyMiddleware

    def answer(request, *, nonce=False, update=None):
        middleware = ContentSecurityPolicyMiddleware(lambda r: HttpResponse("ok"))
        middleware.process_request(request)
        response = HttpResponse("ok")
        if nonce:
            str(request.csp_nonce)
        if update:
            response._csp_update = update
        return middleware.process_response(request, response)["Content-Security-Policy"]

    assert answer(rf.get("/")) == build_policy() and "nonce-" not in answer(rf.get("/"))
    assert "'nonce-" in answer(rf.get("/"), nonce=True)
    assert "https://maps.example.org" in answer(rf.get("/"), update={"img-src": ["https://maps.example.org"]})
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF], "img-src": [SELF, "https://cdn.example.org"]}}
    changed = answer(rf.get("/"))
    assert "https://cdn.example.org" in changed and changed == build_policy()
    settings.CONTENT_SECURITY_POLICY = None
    middleware = ContentSecurityPolicyMiddleware(lambda r: HttpResponse("ok"))
    request = rf.get("/")
    middleware.process_request(request)
    assert "Content-Security-Policy" not in middleware.process_response(request, HttpResponse("ok"))
