"""The audit explorer: the ledger and the history tables, searched read-only; a whole-ledger check as a job."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from governance.models import Body
from portal.accounts import roles
from portal.audit import links
from portal.audit.jobs import VERIFY_JOB, verify_report
from portal.audit.models import ActorPseudonym, AuditEvent
from portal.audit.selectors import audit_verify
from portal.audit.services import audit_record
from portal.home.models import StandardPage
from portal.jobs.models import LongJob

pytestmark = pytest.mark.django_db

URL = "/audit/"
HISTORY_URL = "/audit/history/"


@pytest.fixture
def role_user(user_factory, home_page):
    if not Group.objects.filter(name=roles.TRUSTEES).exists():
        from django.apps import apps

        roles.apply_roles(apps)
    return lambda role, **fields: user_factory(roles=[role], **fields)


@pytest.fixture
def trustee(client, role_user):
    person = role_user(roles.TRUSTEES, display_name="Tess Trustee")
    client.force_login(person)
    return person




def _events_shown(reply) -> list[int]:
    return [row.event.pk for row in reply.context["events"]]


# --- who may look ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [roles.TRUSTEES, roles.SECRETARIES, roles.ANALYSTS, roles.RETURNING_OFFICERS])
def test_people_who_may_see_the_ledger_can_open_both_explorer_pages(client, role_user, role):
    client.force_login(role_user(role))

    assert client.get(URL).status_code == 200
    assert client.get(HISTORY_URL).status_code == 200


@pytest.mark.parametrize("role", [roles.SERVICE_USERS, roles.PEER_WORKERS, roles.EDITORS])
def test_other_signed_in_people_are_refused(client, role_user, role):
    client.force_login(role_user(role))

    assert client.get(URL).status_code == 403
    assert client.get(HISTORY_URL).status_code == 403
    assert client.post(reverse("audit:verify-start")).status_code == 403
    assert not LongJob.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, home_page):
    for url in (URL, HISTORY_URL):
        reply = client.get(url)
        assert reply.status_code == 302 and reverse("accounts:login") in reply["Location"]


def test_the_explorer_is_read_only_and_never_cached(client, trustee):
    audit_record(actor=None, action="test.event")

    assert client.post(URL).status_code == 405
    assert client.post(HISTORY_URL).status_code == 405
    assert "no-store" in client.get(URL)["Cache-Control"]


# --- searching the ledger -------------------------------------------------------------------------------


@pytest.fixture
def ledger(role_user):
    """Events by two people and the system, about two objects, over three days."""
    alice = role_user(roles.SECRETARIES, email="alice@example.org", display_name="Alice Secretary")
    bob = role_user(roles.SECRETARIES, email="bob@example.org", display_name="Bob Secretary")
    made = {
        "alice_decision": audit_record(actor=alice, action="governance.decision_recorded", target=("governance.decision", 7)),
        "bob_decision": audit_record(actor=bob, action="governance.decision_changed", target=("governance.decision", 7)),
        "bob_meeting": audit_record(actor=bob, action="governance.meeting_held", target=("governance.meeting", 3)),
        "system": audit_record(actor=None, action="consultation.opened", target=("consultations.consultationpage", 9)),
    }
    return {"alice": alice, "bob": bob, **made}


def _backdate(event, days):
    # Tests only: SQLite has no trigger; on PostgreSQL the ledger fixture disables it.
    AuditEvent.objects.filter(pk=event.pk).update(occurred_at=event.occurred_at - timedelta(days=days))


def test_with_no_search_every_event_is_listed_newest_first(client, trustee, ledger):
    reply = client.get(URL)

    assert _events_shown(reply) == sorted((e.pk for e in AuditEvent.objects.all()), reverse=True)


def test_searching_by_action_shows_only_that_action(client, trustee, ledger):
    reply = client.get(URL, {"action": "governance.meeting_held"})

    assert _events_shown(reply) == [ledger["bob_meeting"].pk]


def test_searching_by_object_shows_everything_about_it(client, trustee, ledger):
    reply = client.get(URL, {"target_type": "governance.decision", "target_id": "7"})

    assert _events_shown(reply) == [ledger["bob_decision"].pk, ledger["alice_decision"].pk]


def test_searching_by_kind_of_object_alone(client, trustee, ledger):
    reply = client.get(URL, {"target_type": "governance.meeting"})

    assert _events_shown(reply) == [ledger["bob_meeting"].pk]


@pytest.mark.parametrize("person", ["bob@example.org", "BOB@example.org", "Bob Sec"])
def test_searching_by_person_finds_what_they_did_through_their_pseudonym(client, trustee, ledger, person):
    reply = client.get(URL, {"person": person})

    assert _events_shown(reply) == [ledger["bob_meeting"].pk, ledger["bob_decision"].pk]
    assert "Bob Secretary" in reply.content.decode()


def test_a_name_that_matches_several_people_asks_which_one(client, trustee, ledger):
    reply = client.get(URL, {"person": "Secretary"})

    page = reply.content.decode()
    assert reply.status_code == 200
    assert "More than one person matches" in page
    assert "person=alice%40example.org" in page and "person=bob%40example.org" in page
    assert reply.context["events"] == []


def test_an_erased_persons_events_are_found_by_pseudonym_and_shown_without_a_name(client, trustee, ledger):
    key = ledger["alice"].audit_pseudonym.key
    ActorPseudonym.objects.filter(key=key).delete()

    reply = client.get(URL, {"person": key})

    assert _events_shown(reply) == [ledger["alice_decision"].pk]
    page = reply.content.decode()
    assert "an erased account" in page and "Alice Secretary" not in page


def test_a_person_who_never_acted_has_no_events(client, trustee, ledger, role_user):
    role_user(roles.TRUSTEES, email="quiet@example.org")

    assert _events_shown(client.get(URL, {"person": "quiet@example.org"})) == []


def test_searching_by_date_range_uses_whole_local_days(client, trustee, ledger, ledger_rows_editable):
    _backdate(ledger["alice_decision"], 10)
    _backdate(ledger["bob_decision"], 5)
    today = timezone.localdate()
    day = lambda n: (today - timedelta(days=n)).strftime("%d/%m/%Y")  # noqa: E731

    assert _events_shown(client.get(URL, {"date_from": day(6), "date_to": day(4)})) == [ledger["bob_decision"].pk]
    assert _events_shown(client.get(URL, {"date_to": day(10)})) == [ledger["alice_decision"].pk]
    assert _events_shown(client.get(URL, {"date_from": today.isoformat()})) == [
        ledger["system"].pk, ledger["bob_meeting"].pk,
    ]


def test_filters_combine(client, trustee, ledger):
    reply = client.get(URL, {"person": "bob@example.org", "target_type": "governance.decision", "target_id": "7"})

    assert _events_shown(reply) == [ledger["bob_decision"].pk]


# --- pages and bad input ------------------------------------------------------------------------------


def test_events_come_25_to_a_page(client, trustee):
    made = [audit_record(actor=None, action="test.event", data={"n": n}) for n in range(30)]

    first, second = client.get(URL), client.get(URL, {"page": 2})

    assert _events_shown(first) == [e.pk for e in reversed(made[5:])]
    assert _events_shown(second) == [e.pk for e in reversed(made[:5])]
    assert "page=2" in first.content.decode()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"page": "999999999999999999999"}, "Showing page 2, the last one"),
        ({"page": "abc"}, "Page numbers are whole numbers"),
        ({"page": "-3"}, "Showing page 2, the last one"),
        ({"date_from": "31/2/2026"}, "Enter a real date"),
        ({"date_from": "yesterday"}, "Enter a real date"),
        ({"date_to": "1/1/99999"}, "Enter a real date"),
        ({"date_from": "1/1/1066"}, "Enter a year between"),
        ({"date_from": "2/3/2026", "date_to": "1/3/2026"}, "must be the same as or after"),
        ({"action": "ballot.stuffed"}, "No event in the ledger has the action"),
        ({"target_type": "no.such<script>"}, "No event in the ledger is about"),
        ({"person": "nobody-at-all@example.org"}, "Nobody with an account matches"),
        ({"target_id": "x" * 500}, "Ensure this value has at most"),
    ],
)
def test_bad_input_gets_a_plain_message_not_an_error(client, trustee, params, message):
    for n in range(30):
        audit_record(actor=None, action="test.event", data={"n": n})

    reply = client.get(URL, params)

    assert reply.status_code == 200
    assert message in reply.content.decode()
    assert "no.such<script>" not in reply.content.decode()


# --- links to objects ----------------------------------------------------------------------------------


def test_an_event_about_a_page_links_to_the_page(client, trustee, home_page):
    page = StandardPage(title="Our plan", slug="our-plan")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    audit_record(actor=None, action="page.checked", target=page)

    [row] = client.get(URL, {"action": "page.checked"}).context["events"]

    assert row.link == page.url


def test_an_app_can_register_how_to_link_its_objects(client, trustee, monkeypatch):
    monkeypatch.setattr(links, "_REGISTRY", {})
    links.register_object_link("governance.decision", lambda ids: {i: f"/governance/decisions/TB-{i}/" for i in ids})
    audit_record(actor=None, action="governance.decision_recorded", target=("governance.decision", 7))
    audit_record(actor=None, action="tests.thing_done", target=("tests.thing", 1))

    events = client.get(URL).context["events"]

    assert [row.link for row in events] == [None, "/governance/decisions/TB-7/"]
    assert 'href="/governance/decisions/TB-7/"' in client.get(URL).content.decode()


def test_objects_the_admin_edits_link_to_the_admin_for_those_allowed(client, user_factory, home_page):
    from voting.models import Ballot

    superuser = user_factory(is_superuser=True, is_staff=True)
    now = timezone.now()
    ballot = Ballot.objects.create(title="Chair", kind=Ballot.Kind.MOTION, opens_at=now, closes_at=now)
    audit_record(actor=None, action="voting.ballot_created", target=ballot)
    client.force_login(superuser)

    [row] = client.get(URL).context["events"]

    assert row.link and "/admin/" in row.link and str(ballot.pk) in row.link


def test_decisions_meetings_and_groups_link_to_their_public_pages(client, trustee, home_page):
    from tests.governance.factories import make_body, make_decision, make_meeting

    body = make_body(code="TB")
    meeting = make_meeting(body)
    decision = make_decision(body, meeting)
    for target in (body, meeting, decision):
        audit_record(actor=None, action="tests.looked_at", target=target)

    rows = client.get(URL).context["events"]
    # (Marking the meeting held also records who took part, for involvement payments: not looked at here.)
    shown = {row.event.target_type: row.link for row in rows if row.event.action == "tests.looked_at"}

    assert shown == {
        "governance.body": f"/governance/bodies/{body.slug}/",
        "governance.meeting": f"/governance/bodies/{body.slug}/",  # its own page is for the secretaries
        "governance.decision": f"/governance/decisions/{decision.reference}/",
    }
    for url in shown.values():
        assert client.get(url).status_code == 200


def test_linking_costs_one_query_per_kind_of_object_not_per_event(client, trustee, home_page):
    pages = []
    for n in range(10):
        page = StandardPage(title=f"Page {n}", slug=f"page-{n}")
        home_page.add_child(instance=page)
        page.save_revision().publish()
        pages.append(page)
    for page in pages[:2]:
        audit_record(actor=None, action="page.checked", target=page)
    from django.test.utils import CaptureQueriesContext

    client.get(URL)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for page in pages[2:]:
        audit_record(actor=None, action="page.checked", target=page)
    client.get(URL)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)

    assert len(many) == len(few)


# --- history tables -------------------------------------------------------------------------------------


def test_history_lists_tracked_records_but_never_responses(client, trustee):
    kinds = [value for value, _label in client.get(HISTORY_URL).context["form"].fields["kind"].choices]

    assert "governance.decision" in kinds and "governance.membership" in kinds
    assert "consultations.response" not in kinds
    assert client.get(HISTORY_URL, {"kind": "consultations.response"}).status_code == 200
    assert "Choose a kind of record from the list" in client.get(
        HISTORY_URL, {"kind": "consultations.response"}
    ).content.decode()


@pytest.fixture
def changed_body(role_user):
    alice = role_user(roles.SECRETARIES, email="alice@example.org", display_name="Alice Secretary")
    bob = role_user(roles.SECRETARIES, email="bob@example.org", display_name="Bob Secretary")
    body = Body(name="Board", slug="board", code="TB", quorum=3)
    body._history_user = alice
    body.save()
    body.quorum = 4
    body.name = "Board of Trustees"
    body._history_user = bob
    body.save()
    other = Body(name="Council", slug="council", code="SUC")
    other._history_user = alice
    other.save()
    return {"body": body, "other": other, "alice": alice, "bob": bob}


def test_history_for_one_record_shows_each_version_field_by_field(client, trustee, changed_body):
    body = changed_body["body"]

    reply = client.get(HISTORY_URL, {"kind": "governance.body", "object_id": body.pk})

    changed, created = reply.context["versions"]
    assert changed.kind == "Changed" and created.kind == "Created"
    assert {(c.field, c.old, c.new) for c in changed.changes} == {("Name", "Board", "Board of Trustees"), ("Quorum", "3", "4")}
    assert ("Name", "", "Board") in {(c.field, c.old, c.new) for c in created.changes}
    page = reply.content.decode()
    assert "Board of Trustees" in page and "by Bob Secretary" in page and "by Alice Secretary" in page


def test_history_on_a_later_page_compares_with_the_version_before_it(client, trustee, changed_body, monkeypatch):
    from portal.audit import views

    monkeypatch.setattr(views, "PER_PAGE", 1)
    body = changed_body["body"]

    [created] = client.get(HISTORY_URL, {"kind": "governance.body", "object_id": body.pk, "page": 2}).context["versions"]
    [changed] = client.get(HISTORY_URL, {"kind": "governance.body", "object_id": body.pk, "page": 1}).context["versions"]

    assert created.kind == "Created"
    assert ("Quorum", "3", "4") in {(c.field, c.old, c.new) for c in changed.changes}


def test_history_is_searched_by_who_made_the_change_and_by_date(client, trustee, changed_body):
    by_bob = client.get(HISTORY_URL, {"kind": "governance.body", "person": "bob@example.org"}).context["rows"]
    by_alice = client.get(HISTORY_URL, {"kind": "governance.body", "person": "alice@example.org"}).context["rows"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    later = client.get(HISTORY_URL, {"kind": "governance.body", "date_from": tomorrow}).context["rows"]

    assert [(r.record.history_type, r.record.id) for r in by_bob] == [("~", changed_body["body"].pk)]
    assert sorted(r.record.id for r in by_alice) == sorted([changed_body["body"].pk, changed_body["other"].pk])
    assert later == []


@pytest.mark.parametrize(
    "params, message",
    [
        ({"kind": "governance.body", "object_id": "abc"}, "Enter the record number in figures"),
        ({"kind": "governance.body", "object_id": "99999999999999999999999"}, "too big"),
        ({"kind": "governance.body", "page": "99999"}, "Showing page 1, the last one"),
        ({"kind": "nope"}, "Choose a kind of record from the list"),
        ({"object_id": "3"}, "Choose the kind of record to look at"),
        ({"kind": "governance.body", "date_from": "32/1/2026"}, "Enter a real date"),
    ],
)
def test_history_bad_input_gets_a_plain_message(client, trustee, changed_body, params, message):
    reply = client.get(HISTORY_URL, params)

    assert reply.status_code == 200
    assert message in reply.content.decode()


# --- checking the whole ledger as a long job ------------------------------------------------------------


def _check(client, capture) -> LongJob:
    with capture(execute=True):
        reply = client.post(reverse("audit:verify-start"))
    job = LongJob.objects.get(kind=VERIFY_JOB)
    assert reply.status_code == 302 and reply["Location"] == reverse("jobs:status", args=[job.pk])
    job.refresh_from_db()
    return job


def test_the_check_runs_in_the_background_and_reports_a_whole_chain(
    client, trustee, django_capture_on_commit_callbacks
):
    made = [audit_record(actor=None, action="test.event", data={"n": n}) for n in range(5)]

    job = _check(client, django_capture_on_commit_callbacks)

    assert job.status == LongJob.Status.DONE and job.started_by == trustee
    report = verify_report(job)
    assert report["ok"] is True and report["count"] == 5 and report["head_hash"] == made[-1].hash
    assert job.progress == 100
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert json.loads(b"".join(download.streaming_content))["ok"] is True
    explorer = client.get(URL).content.decode()
    assert "Intact" in explorer and made[-1].hash in explorer


def test_the_check_names_the_first_bad_event_after_tampering(
    client, trustee, ledger_rows_editable, django_capture_on_commit_callbacks
):
    made = [audit_record(actor=None, action="test.event", data={"n": n}) for n in range(6)]
    AuditEvent.objects.filter(pk=made[3].pk).update(data={"n": 99})

    job = _check(client, django_capture_on_commit_callbacks)

    report = verify_report(job)
    assert report["ok"] is False and report["first_bad_id"] == made[3].pk and report["count"] == 3
    assert "changed after it was written" in report["reason"]
    explorer = client.get(URL).content.decode()
    assert "Broken" in explorer and reverse("audit_ledger:inspect", args=[made[3].pk]) in explorer


def test_a_finished_check_ends_on_a_verdict_a_trustee_can_read(client, trustee, django_capture_on_commit_callbacks):
    from portal.audit.services import audit_checkpoint

    [audit_record(actor=None, action="test.event", data={"n": n}) for n in range(3)]
    checkpoint = audit_checkpoint()
    job = _check(client, django_capture_on_commit_callbacks)
    status = client.get(reverse("jobs:status", args=[job.pk]))
    assert status.status_code == 302 and status["Location"] == reverse("audit:verify-result", args=[job.pk])
    page = client.get(status["Location"]).content.decode()
    day = timezone.localtime(checkpoint.occurred_at)
    assert "Intact: 4 events" in page
    assert "All 4 events in the record check out" in page
    assert f"They match the signed checkpoint taken on {day.day} {day:%B %Y}" in page
    assert reverse("jobs:download", args=[job.pk]) in page  # the JSON stays a download


def test_a_broken_record_is_explained_in_plain_words(client, trustee, ledger_rows_editable,
                                                      django_capture_on_commit_callbacks):
    made = [audit_record(actor=None, action="test.event", data={"n": n}) for n in range(4)]
    AuditEvent.objects.filter(pk=made[2].pk).update(data={"n": 99})
    job = _check(client, django_capture_on_commit_callbacks)
    page = client.get(reverse("audit:verify-result", args=[job.pk])).content.decode()
    assert "The record has been changed" in page
    assert f"Event {made[2].pk} is the first that does not match" in page and "The 2 events before it check out" in page
    assert "Tell the chair and the charity&#x27;s auditor today" in page


def test_the_check_shows_progress_as_it_walks(trustee, monkeypatch):
    from portal.audit import jobs, selectors

    monkeypatch.setattr(selectors, "_CHUNK_SIZE", 10)
    monkeypatch.setattr(jobs, "audit_verify", lambda **kw: selectors.audit_verify(chunk_size=10, **kw))
    for n in range(35):
        audit_record(actor=None, action="test.event", data={"n": n})
    seen = []

    jobs.verify_ledger(job=None, progress=lambda percent, note: seen.append((percent, note)))

    assert [p for p, _ in seen] == [28, 57, 85, 99]
    assert seen[0][1] == "Checked 10 of 35 events"


def test_only_the_person_who_started_a_check_sees_it(client, trustee, role_user, django_capture_on_commit_callbacks):
    audit_record(actor=None, action="test.event")
    job = _check(client, django_capture_on_commit_callbacks)
    client.force_login(role_user(roles.TRUSTEES))

    assert client.get(reverse("jobs:status", args=[job.pk])).status_code == 404
    assert "Check started" not in client.get(URL).content.decode()


# --- the walk itself -----------------------------------------------------------------------------------


def test_verify_reads_the_ledger_a_chunk_at_a_time(db):
    from django.test.utils import CaptureQueriesContext

    for n in range(25):
        audit_record(actor=None, action="test.event", data={"n": n})
    calls = []

    with CaptureQueriesContext(connection) as queries:
        result = audit_verify(chunk_size=10, progress=lambda checked, total: calls.append((checked, total)))

    assert result.ok and result.count == 25
    walk = [q for q in queries if "audit_auditevent" in q["sql"] and "LIMIT 10" in q["sql"].upper()]
    assert len(walk) == 4  # 10 + 10 + 5 + the empty read that ends it
    assert calls == [(10, 25), (20, 25), (25, 25)]


def test_a_chunk_boundary_between_two_events_still_checks_their_link(ledger_rows_editable):
    made = [audit_record(actor=None, action="test.event", data={"n": n}) for n in range(6)]
    AuditEvent.objects.filter(pk=made[2].pk).delete()

    assert audit_verify(chunk_size=2).first_bad_id == made[3].pk


def test_a_second_press_while_a_check_is_waiting_shows_the_same_check(client, trustee):
    first = client.post(reverse("audit:verify-start"))  # its hand-over waits for a commit that never comes
    second = client.post(reverse("audit:verify-start"))

    assert LongJob.objects.filter(kind=VERIFY_JOB).count() == 1
    assert first["Location"] == second["Location"]


def test_history_can_be_searched_by_a_persons_ledger_pseudonym_too(client, trustee, changed_body):
    audit_record(actor=changed_body["bob"], action="test.event")
    key = changed_body["bob"].audit_pseudonym.key

    rows = client.get(HISTORY_URL, {"kind": "governance.body", "person": key}).context["rows"]

    assert [(r.record.history_type, r.record.id) for r in rows] == [("~", changed_body["body"].pk)]
