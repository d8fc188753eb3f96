"""Paper and event responses typed in by a peer worker or secretary: each form becomes a submitted
response with its origin, counted by the results and the evidence report's "On paper" row."""

import datetime
import re
import uuid
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from consultations import services
from consultations.models import PaperBatch, Question, Response
from consultations.results import consultation_results
from governance.evidence import Period, evidence_report
from portal.accounts import roles
from portal.audit.models import AuditEvent
from portal.privacy.retention import retention_apply
from tests.factories import UserFactory

from .factories import make_consultation, question_of

pytestmark = pytest.mark.django_db
KINDS = [Question.Kind.SINGLE_CHOICE, Question.Kind.LONG_TEXT, Question.Kind.SCALE, Question.Kind.MULTIPLE_CHOICE]


@pytest.fixture
def peer_worker(db):
    return UserFactory(roles=[roles.PEER_WORKERS])


@pytest.fixture
def page(home_page):
    return make_consultation(kinds=KINDS)


def start_batch(client, page, origin="paper", **extra):
    today = timezone.localdate()
    data = {"origin": origin, "label": "Posted back in March", "received_on_0": today.day,
            "received_on_1": today.month, "received_on_2": today.year, **extra}
    return client.post(reverse("paper-responses:batch-new", args=[page.pk]), data)


def form_data(page, single=0, text="", scale=None, many=()):
    data = {"idempotency_key": uuid.uuid4().hex, "lived_experience": ""}
    one, long_text, scale_q, multi = (question_of(page, k) for k in KINDS)
    if single is not None:
        data[f"q{one.pk}-answer"] = str(single)
    data[f"q{long_text.pk}-answer"] = text
    if scale is not None:
        data[f"q{scale_q.pk}-answer"] = str(scale)
    data[f"q{multi.pk}-answer"] = [str(m) for m in many]
    return data


def test_fifty_paper_forms_count_in_the_results_and_the_evidence_reports_on_paper_row(client, page, peer_worker):
    client.force_login(peer_worker)
    started = start_batch(client, page)
    batch = PaperBatch.objects.get()
    assert started.status_code == 302 and started.url == reverse("paper-responses:batch", args=[batch.pk])

    for n in range(50):
        sent = client.post(started.url, form_data(page, single=n % 2, text=f"Form {n}", scale=1 + n % 5, many=[0]))
        assert sent.status_code == 302, sent.content.decode()[:500]
    shown = client.get(started.url).content.decode()
    assert "Form 50 entered" in shown
    assert re.search(r'id="forms-entered">50<', shown)

    paper = Response.objects.filter(consultation=page, origin=Response.Origin.PAPER, status="submitted")
    assert paper.count() == 50 and set(paper.values_list("entered_by", flat=True)) == {peer_worker.pk}
    assert set(paper.values_list("batch", flat=True)) == {batch.pk}
    assert set(paper.values_list("respondent", flat=True)) == {None}
    results = consultation_results(page=page, suppress=False)
    assert results.total == 50
    single = next(q for q in results.questions if q.question.kind == Question.Kind.SINGLE_CHOICE)
    assert [row.count for row in single.rows] == [25, 25, 0][: len(single.rows)]

    today = timezone.localdate()
    report = evidence_report(period=Period(today - datetime.timedelta(days=30), today), public=False)
    figures = {f.key: f.value for f in report.figures}
    assert figures["process.responses.paper"] == 50
    assert figures["process.responses.online"] == 0
    assert figures["process.responses"] == 50


def test_a_blank_question_is_kept_blank_but_a_wrong_answer_comes_back_with_what_was_typed(client, page, peer_worker):
    client.force_login(peer_worker)
    url = start_batch(client, page, origin="event").url
    kept = client.post(url, form_data(page, single=None, text="Quieter room please", scale=9))
    html = kept.content.decode()
    assert kept.status_code == 400
    assert "There is a problem" in html and "Quieter room please" in html
    assert Response.objects.count() == 0

    blank = client.post(url, form_data(page, single=None, text=""))
    assert blank.status_code == 400 and "This form has no answers" in blank.content.decode()

    sent = client.post(url, form_data(page, single=None, text="Quieter room please"))
    assert sent.status_code == 302
    response = Response.objects.get()
    assert response.origin == Response.Origin.EVENT
    assert list(response.answers.values_list("text", flat=True)) == ["Quieter room please"]


def test_the_same_form_sent_twice_is_entered_once(client, page, peer_worker):
    client.force_login(peer_worker)
    url = start_batch(client, page).url
    data = form_data(page, single=1)
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert Response.objects.count() == 1
    assert "was already entered" in client.get(url).content.decode()


def test_a_repeat_key_belongs_to_its_batch_so_another_batch_never_finds_its_form(client, page, peer_worker):
    """Sending one batch's key to another batch enters a new form there; it never shows the first batch's
    form or its reference."""
    client.force_login(peer_worker)
    first = start_batch(client, page).url
    data = form_data(page, single=1)
    assert client.post(first, data).status_code == 302
    second = start_batch(client, page, label="Event in April").url
    assert client.post(second, data).status_code == 302
    assert "was already entered" not in client.get(second).content.decode()
    assert Response.objects.count() == 2
    assert Response.objects.values("batch").distinct().count() == 2


def test_only_peer_workers_and_secretaries_enter_paper_forms_and_only_while_the_consultation_takes_them(
    client, home_page, peer_worker, service_user
):
    closed_long_ago = make_consultation(kinds=KINDS, opens_at=timezone.now() - datetime.timedelta(days=60),
                                        closes_at=timezone.now() - datetime.timedelta(days=30))
    just_closed = make_consultation(kinds=KINDS, opens_at=timezone.now() - datetime.timedelta(days=20),
                                    closes_at=timezone.now() - datetime.timedelta(days=2))
    secretary = UserFactory(roles=[roles.SECRETARIES])
    for person in (peer_worker, secretary):
        client.force_login(person)
        listed = client.get(reverse("paper-responses:home")).content.decode()
        assert just_closed.title in listed and closed_long_ago.title not in listed
        assert start_batch(client, closed_long_ago).status_code == 403
    client.force_login(service_user)
    assert client.get(reverse("paper-responses:home")).status_code == 403
    assert start_batch(client, just_closed).status_code == 403
    client.logout()
    assert client.get(reverse("paper-responses:home")).status_code == 302


def test_forms_dated_outside_the_consultation_are_refused_in_plain_words(client, page, peer_worker):
    client.force_login(peer_worker)
    long_ago = page.opens_at - datetime.timedelta(days=10)
    refused = start_batch(client, page, received_on_0=long_ago.day, received_on_1=long_ago.month,
                          received_on_2=long_ago.year)
    assert refused.status_code == 400
    assert "Only forms that arrived while the consultation was open can be counted" in refused.content.decode()
    assert not PaperBatch.objects.exists()


def test_a_scan_is_private_checked_and_deleted_when_its_time_is_up(client, page, peer_worker, service_user, settings):
    client.force_login(peer_worker)
    not_a_pdf = start_batch(client, page, scan=SimpleUploadedFile("forms.pdf", b"hello", "application/pdf"))
    assert not_a_pdf.status_code == 400 and "does not look like a PDF" in not_a_pdf.content.decode()

    scan = SimpleUploadedFile("forms.pdf", b"%PDF-1.4 scanned forms", "application/pdf")
    url = start_batch(client, page, scan=scan).url
    batch = PaperBatch.objects.get()
    assert batch.scan_delete_after == timezone.localdate() + datetime.timedelta(days=settings.PORTAL_PAPER_SCAN_DAYS)
    stored = Path(batch.scan.path)
    assert stored.exists() and stored.is_relative_to(storages["private"].location)
    assert not stored.is_relative_to(settings.MEDIA_ROOT)
    download = client.get(reverse("paper-responses:batch-scan", args=[batch.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert "no-store" in download["Cache-Control"]
    assert "Download the scan" in client.get(url).content.decode()
    client.force_login(service_user)
    assert client.get(reverse("paper-responses:batch-scan", args=[batch.pk])).status_code == 403

    assert retention_apply(now=timezone.now())["paper_scans"] == 0
    later = timezone.now() + datetime.timedelta(days=settings.PORTAL_PAPER_SCAN_DAYS + 1)
    assert retention_apply(now=later)["paper_scans"] == 1
    batch.refresh_from_db()
    assert not batch.scan and not stored.exists()
    assert retention_apply(now=later)["paper_scans"] == 0


def test_the_ledger_records_who_typed_the_form_in_but_not_what_it_says(client, page, peer_worker):
    client.force_login(peer_worker)
    url = start_batch(client, page).url
    client.post(url, form_data(page, single=0, text="My private words"))
    events = AuditEvent.objects.filter(action__startswith="consultation.")
    assert {e.action for e in events} == {"consultation.paper_batch_started", "consultation.response_submitted"}
    assert all("My private words" not in str(e.data) for e in events)
    submitted = events.get(action="consultation.response_submitted")
    assert submitted.data["origin"] == "paper"
