"""The contact form (issue 15): anyone can reach the charity; the message goes by email to the inbox in
the site settings, the sender gets a short acknowledgement, and what they wrote is kept nowhere else."""

import json
import logging
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time
from wagtail.models import Site

from portal.audit.models import AuditEvent
from portal.contact import jobs
from portal.contact.models import ContactMessage
from portal.home.models import SiteSettings
from portal.jobs.models import OutboxMessage
from portal.privacy.retention import retention_apply

pytestmark = pytest.mark.django_db

SECRET_TEXT = "My neighbour Pat keeps the spare key under the blue pot"
SENDER = {"name": "Robin Quill", "email": "robin.quill@example.org"}


@pytest.fixture(autouse=True)
def _fresh_limits():
    """The send counters live in the cache, which outlives a test: each test starts and ends with none."""
    cache.clear()
    yield
    cache.clear()


def site_settings() -> SiteSettings:
    return SiteSettings.for_site(Site.objects.get(is_default_site=True))


def send(client, capture=None, **data):
    form = {**SENDER, "about": "question", "message": SECRET_TEXT, **data}
    if capture is None:
        return client.post("/contact/", form)
    with capture(execute=True):
        return client.post("/contact/", form)


def test_the_form_needs_no_account_and_says_it_is_not_for_emergencies(client, home_page):
    response = client.get("/contact/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "This form is not for emergencies" in html
    assert 'href="#crisis-support"' in html and 'id="crisis-support"' in html
    assert "We need this to reply to you" in html
    for label in ("A question", "A problem with the website or its accessibility", "Something else"):
        assert label in html


def test_about_accessibility_in_the_address_chooses_that_topic(client, home_page):
    html = client.get("/contact/?about=accessibility").content.decode()
    assert re.search(r'value="accessibility"\s+checked', html)
    assert "checked" not in client.get("/contact/?about=nonsense").content.decode()


def test_a_message_with_an_email_sends_one_email_to_the_inbox_and_one_acknowledgement(
    client, home_page, mailoutbox, django_capture_on_commit_callbacks
):
    response = send(client, django_capture_on_commit_callbacks, about="accessibility")
    assert response.status_code == 302 and response["Location"] == "/contact/sent/"
    assert len(mailoutbox) == 2
    to_inbox, thanks = mailoutbox
    assert to_inbox.to == [site_settings().contact_email] and to_inbox.reply_to == [SENDER["email"]]
    assert SECRET_TEXT in to_inbox.body and SENDER["name"] in to_inbox.body
    assert "accessibility" in to_inbox.subject
    assert thanks.to == [SENDER["email"]] and "We have your message" in thanks.subject
    assert SECRET_TEXT not in thanks.body and "5 working days" in thanks.body
    # The acknowledgement goes to whatever address was typed: it carries none of the sender's words, not
    # even the name, so the form cannot be used to send someone else a message.
    assert SENDER["name"] not in thanks.body and thanks.body.startswith("Hello,")
    assert not ContactMessage.objects.exists()  # both emails sent: the website keeps no copy

    page = client.get(response["Location"]).content.decode()
    assert "Thank you. We have your message. We aim to reply within 5 working days." in page


def test_without_an_email_only_the_inbox_gets_the_message(client, home_page, mailoutbox,
                                                           django_capture_on_commit_callbacks):
    send(client, django_capture_on_commit_callbacks, name="", email="")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [site_settings().contact_email] and not mailoutbox[0].reply_to
    assert "(not given" in mailoutbox[0].body


def test_the_inbox_and_reply_time_come_from_the_site_settings(client, home_page, mailoutbox,
                                                               django_capture_on_commit_callbacks):
    policy = site_settings()
    policy.contact_email, policy.contact_reply_days = "team@charity.example", 2
    policy.save()
    response = send(client, django_capture_on_commit_callbacks)
    assert mailoutbox[0].to == ["team@charity.example"] and "2 working days" in mailoutbox[1].body
    assert "We aim to reply within 2 working days." in client.get(response["Location"]).content.decode()


def test_a_new_sites_inbox_is_portal_contact_email(settings):
    settings.PORTAL_CONTACT_EMAIL = "inbox@charity.example"
    assert SiteSettings().contact_email == "inbox@charity.example"


def test_each_email_job_sends_once_however_often_it_runs(client, home_page, mailoutbox):
    send(client)  # the jobs are queued, not yet run
    message_id = ContactMessage.objects.get().pk
    jobs.forward_message(message_id=message_id)
    jobs.forward_message(message_id=message_id)
    assert len(mailoutbox) == 1 and ContactMessage.objects.filter(pk=message_id).exists()  # thanks not yet sent
    jobs.acknowledge_message(message_id=message_id)
    jobs.acknowledge_message(message_id=message_id)
    jobs.forward_message(message_id=message_id)
    assert len(mailoutbox) == 2 and not ContactMessage.objects.exists()


@pytest.mark.parametrize("data, errors", [
    ({"about": "", "message": ""}, ["Choose what your message is about", "Write your message"]),
    ({"email": "robin at example"}, ["Enter an email address in the right format"]),
    ({"about": "something-made-up"}, ["Choose what your message is about"]),
    ({"message": "x" * 5001}, ["Your message must be 5,000 characters or fewer. You typed 5001."]),
], ids=["empty", "bad-email", "unknown-topic", "too-long"])
def test_bad_input_gets_an_error_summary_and_keeps_what_was_typed(client, home_page, data, errors):
    form = {**SENDER, "about": "question", "message": SECRET_TEXT, **data}
    response = client.post("/contact/", form)
    html = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in html and "<title>Error: Contact us" in html
    for error in errors:
        assert error in html
    assert form["message"] in html and SENDER["name"] in html  # nothing typed is lost
    if form["email"] != SENDER["email"]:
        assert 'value="robin at example"' in html
    assert not ContactMessage.objects.exists() and not OutboxMessage.objects.exists()


def test_too_many_sends_from_one_browser_get_a_calm_429_that_keeps_the_text(client, home_page, settings):
    settings.PORTAL_CONTACT_LIMIT_PER_SESSION = 2
    assert [send(client).status_code for _ in range(2)] == [302, 302]
    response = send(client, message="One more thing, typed with care")
    html = response.content.decode()
    assert response.status_code == 429
    assert "Please wait" in html and "What you typed is still here" in html
    assert "One more thing, typed with care" in html and SENDER["email"] in html
    assert ContactMessage.objects.count() == 2
    assert OutboxMessage.objects.filter(job="contact.forward_message").count() == 2


def test_too_many_sends_from_one_address_are_refused_across_browsers(home_page, settings):
    settings.PORTAL_CONTACT_LIMIT_PER_ADDRESS = 2
    statuses = [send(Client()).status_code for _ in range(3)]  # a new browser (session) each time
    assert statuses == [302, 302, 429]
    assert send(Client(REMOTE_ADDR="192.0.2.7")).status_code == 302


def test_the_limit_lifts_when_the_window_ends(client, home_page, settings):
    settings.PORTAL_CONTACT_LIMIT_PER_SESSION = 1
    with freeze_time("2026-05-01 10:00") as clock:
        assert send(client).status_code == 302
        assert send(client).status_code == 429
        clock.tick(timedelta(seconds=settings.PORTAL_CONTACT_LIMIT_WINDOW))
        assert send(client).status_code == 302


def test_a_filled_in_trap_field_is_thanked_but_nothing_is_sent(client, home_page, mailoutbox,
                                                                django_capture_on_commit_callbacks):
    response = send(client, django_capture_on_commit_callbacks, website="https://spam.example")
    assert response.status_code == 302 and response["Location"] == "/contact/sent/"
    assert mailoutbox == [] and not ContactMessage.objects.exists() and not OutboxMessage.objects.exists()


def test_the_thank_you_page_is_only_for_someone_who_sent_a_message(client, home_page):
    response = client.get("/contact/sent/")
    assert response.status_code == 302 and response["Location"] == "/contact/"


def test_what_was_written_never_reaches_the_logs_the_ledger_or_the_job_queue(
    client, home_page, caplog, mailoutbox, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    send(client, django_capture_on_commit_callbacks)
    send(client, email="not an email")  # an error page too
    assert len(mailoutbox) == 2
    for secret in (SECRET_TEXT, SENDER["name"], SENDER["email"]):
        assert secret not in caplog.text
    event = AuditEvent.objects.get(action="contact.message_sent")
    assert event.actor_key == "" and event.data == {}
    ledger = json.dumps(list(AuditEvent.objects.values()), default=str)
    payloads = json.dumps(list(OutboxMessage.objects.values_list("payload", flat=True)))
    for secret in (SECRET_TEXT, SENDER["name"], SENDER["email"]):
        assert secret not in ledger and secret not in payloads


def test_a_message_whose_emails_keep_failing_is_deleted_by_the_retention_policy(client, home_page):
    send(client)
    send(client)
    old, recent = ContactMessage.objects.order_by("pk")
    ContactMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert retention_apply()["contact_messages"] == 1
    assert list(ContactMessage.objects.values_list("pk", flat=True)) == [recent.pk]
