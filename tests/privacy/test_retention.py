"""Retention: a daily, idempotent job deletes what the site settings say is too old, counts in the ledger."""

from datetime import timedelta

import pytest
from axes.models import AccessLog
from django.conf import settings
from django.utils import timezone
from wagtail.models import Site

from consultations.models import Response
from portal.audit.models import AuditEvent
from portal.celery import app
from portal.home.models import SiteSettings
from portal.privacy.retention import RETENTION_ACTION, retention_apply
from tests.consultations.factories import make_consultation, make_response

pytestmark = pytest.mark.django_db


def closed(days_ago: int):
    now = timezone.now()
    return make_consultation(opens_at=now - timedelta(days=days_ago + 30), closes_at=now - timedelta(days=days_ago))


def test_anonymous_drafts_go_90_days_after_closing_and_nothing_else_does(home_page, service_user):
    old, recent = closed(91), closed(89)
    gone = make_response(old, status=Response.Status.DRAFT)
    kept = [
        make_response(recent, status=Response.Status.DRAFT),
        make_response(old, status=Response.Status.DRAFT, respondent=service_user),
        make_response(old, {"short_text": "Quiet rooms"}),
    ]
    assert retention_apply()["anonymous_drafts"] == 1
    assert not Response.objects.filter(pk=gone.pk).exists() and not Response.history.filter(id=gone.pk).exists()
    assert Response.objects.filter(pk__in=[r.pk for r in kept]).count() == 3
    event = AuditEvent.objects.get(action=RETENTION_ACTION)
    assert event.data["deleted"] == {"anonymous_drafts": 1} and event.actor_key == ""


def test_running_it_again_deletes_nothing_and_records_nothing(home_page):
    make_response(closed(100), status=Response.Status.DRAFT)
    retention_apply()
    assert set(retention_apply().values()) == {0}
    assert AuditEvent.objects.filter(action=RETENTION_ACTION).count() == 1


def test_the_limits_come_from_the_site_settings(home_page):
    policy = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    policy.anonymous_draft_retention_days, policy.sign_in_record_retention_days = 10, 30
    policy.save()
    draft = make_response(closed(11), status=Response.Status.DRAFT)
    old_sign_in = AccessLog.objects.create(username="a@example.org", user_agent="x", http_accept="x", path_info="/")
    AccessLog.objects.filter(pk=old_sign_in.pk).update(attempt_time=timezone.now() - timedelta(days=31))
    recent = AccessLog.objects.create(username="b@example.org", user_agent="x", http_accept="x", path_info="/")
    deleted = retention_apply()
    assert {name: n for name, n in deleted.items() if n} == {"anonymous_drafts": 1, "sign_in_records": 1}
    assert not Response.objects.filter(pk=draft.pk).exists()
    assert list(AccessLog.objects.values_list("pk", flat=True)) == [recent.pk]


def test_beat_runs_the_retention_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-retention-daily"]
    assert entry["task"] in app.tasks
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {15}
