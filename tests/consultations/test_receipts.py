"""The receipt email: one per named response when it is sent, with its reference and never its answers."""

import pytest
from django.core import mail

from consultations.models import Identity, Response
from portal.accounts.models import Profile
from portal.jobs.models import OutboxMessage

from .factories import make_consultation
from .test_answering import answer_all, start, token_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_page(home_page):
    return make_consultation(identity=Identity.NAMED)


def _send(client, page, django_capture_on_commit_callbacks):
    token = token_of(start(client, page))
    answer_all(client, page, token)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(f"{page.url}respond/{token}/check/")
    assert sent.status_code == 302 and sent.url.endswith("/done/")
    return token


def test_a_named_response_gets_one_receipt_with_its_reference_and_none_of_its_answers(
    client, named_page, service_user, django_capture_on_commit_callbacks
):
    client.force_login(service_user)
    token = _send(client, named_page, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"{named_page.url}respond/{token}/check/")  # a double click on Send
    assert again.status_code == 302
    response = Response.objects.get()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [service_user.email]
    assert email.subject == f"We received your answers: {named_page.title}"
    assert response.reference in email.body and named_page.title in email.body
    for answer in response.answers.exclude(text=""):
        assert answer.text not in email.body
    assert OutboxMessage.objects.get(job="consultations.send_receipt_email").status == OutboxMessage.Status.DONE
    assert "We are emailing you a receipt" in client.get(f"{named_page.url}respond/{token}/done/").content.decode()


def test_no_receipt_for_someone_who_asked_not_to_be_contacted(
    client, named_page, service_user, django_capture_on_commit_callbacks
):
    Profile.objects.create(user=service_user, contact_method=Profile.ContactMethod.NONE)
    client.force_login(service_user)
    token = _send(client, named_page, django_capture_on_commit_callbacks)
    assert Response.objects.get().status == Response.Status.SUBMITTED
    assert mail.outbox == []
    assert "emailing you a receipt" not in client.get(f"{named_page.url}respond/{token}/done/").content.decode()


def test_an_anonymous_response_has_nobody_to_write_to(client, home_page, service_user, django_capture_on_commit_callbacks):
    page = make_consultation(identity=Identity.ANONYMOUS)
    client.force_login(service_user)
    _send(client, page, django_capture_on_commit_callbacks)
    assert Response.objects.get().respondent is None
    assert mail.outbox == [] and not OutboxMessage.objects.filter(job="consultations.send_receipt_email").exists()


def test_a_response_withdrawn_before_the_queued_receipt_runs_gets_none(
    client, named_page, service_user, django_capture_on_commit_callbacks
):
    client.force_login(service_user)
    token = token_of(start(client, named_page))
    answer_all(client, named_page, token)
    with django_capture_on_commit_callbacks(execute=False) as queued:  # the job queue is slow today
        client.post(f"{named_page.url}respond/{token}/check/")
    client.post(f"{named_page.url}respond/{token}/withdraw/")
    for callback in queued:
        callback()
    assert Response.objects.get().status == Response.Status.WITHDRAWN
    assert mail.outbox == []
