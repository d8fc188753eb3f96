"""'My data': one JSON file with every section, made as a long job and downloadable for a day."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.jobs.models import LongJob

from .world import EMAIL, NAME, build_world

pytestmark = pytest.mark.django_db


def make_file(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(reverse("privacy:my-data"))
    job = LongJob.objects.filter(kind="privacy.my_data").order_by("-created_at").first()
    assert started.url == reverse("jobs:status", args=[job.pk])
    return job


def test_my_data_holds_everything_about_the_person(client, home_page, django_capture_on_commit_callbacks):
    world = build_world(client)
    client.force_login(world.person)
    job = make_file(client, django_capture_on_commit_callbacks)
    assert job.status == LongJob.Status.DONE and job.result_name.endswith(".json")
    assert timedelta(hours=23) < job.expires_at - timezone.now() <= timedelta(days=1)
    data = json.loads(b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content))
    assert data["account"]["email"] == EMAIL
    assert [c["kind"] for c in data["consents"]] == ["contact", "lived_experience_declaration"]
    assert data["lived_experience"]["answer"] == "Yes"
    assert {r["status"] for r in data["consultation_responses"]} == {"submitted", "draft"}  # named only
    assert len(data["consultation_drafts"]) == 1 and len(data["assisted_entries"]) == 1
    assert sorted(m["role"] for m in data["memberships"]) == ["Member", "Trustee"]
    assert data["meeting_attendance"] and data["decisions_moved_or_seconded"][0]["you"] == "moved"
    assert data["actions_owned"][0]["title"] == f"{NAME} to ask members about opening hours" and data["action_updates"]
    assert [v["ballot"] for v in data["named_votes"]] == ["Open on Thursdays"]  # the secret ballot is not there
    assert {b["ballot"]: b["voted"] for b in data["ballots"]} == {"Open on Thursdays": True, "Council chair": True}
    actions = {e["action"] for e in data["audit_events"]}
    assert {"account.signed_up", "privacy.consent_given", "consultation.response_submitted"} <= actions
    assert data["sign_in_records"] and data["content_activity"]


def test_only_the_person_can_download_their_file(client, home_page, service_user, user_factory,
                                                 django_capture_on_commit_callbacks):
    client.force_login(service_user)
    job = make_file(client, django_capture_on_commit_callbacks)
    client.force_login(user_factory())
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_the_footer_and_account_page_link_to_the_download(client, home_page, service_user):
    client.force_login(service_user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert page.count(f'href="{reverse("privacy:my-data")}"') == 2  # the account page and the footer
    assert reverse("privacy:erase") in page and reverse("privacy:consents") in page
