"""The audit ledger: chaining, verification, checkpoints, the append-only trigger and the admin view."""

import hashlib
import threading
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.urls import NoReverseMatch, reverse
from wagtail.permissions import policy_registry

from portal.accounts import roles
from portal.audit import signing
from portal.audit.models import ActorPseudonym, AuditEvent
from portal.audit.selectors import audit_head, audit_verify
from portal.audit.services import audit_record, canonical_json, compute_hash

GENESIS = "0" * 64


def _record_events(count: int, actor=None) -> list[AuditEvent]:
    return [
        audit_record(actor=actor, action=f"test.event_{n % 3}", target=("tests.thing", n), data={"n": n})
        for n in range(count)
    ]




@pytest.fixture
def five_events(ledger_rows_editable) -> list[AuditEvent]:
    return _record_events(5)


def _bad_id_after(change) -> int | None:
    change()
    return audit_verify().first_bad_id


# --- appending --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_event_points_at_the_hash_of_the_event_before_it():
    events = _record_events(4)

    assert events[0].prev_hash == GENESIS
    for before, after in zip(events, events[1:]):
        assert after.prev_hash == before.hash
    for event in events:
        assert event.hash == compute_hash(event.prev_hash, event)
    assert audit_head() == (4, events[-1].hash)


@pytest.mark.django_db
def test_event_stores_the_action_target_and_payload_it_was_given(user_factory):
    person = user_factory()
    ballot_ref = uuid.uuid4()

    event = audit_record(
        actor=None, action="ballot.closed", target=person, data={"tally_hash": "ab12", "paper": ballot_ref}
    )

    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.action, stored.target_type) == ("ballot.closed", "accounts.user")
    assert stored.target_id == str(person.pk)
    assert stored.data == {"tally_hash": "ab12", "paper": str(ballot_ref)}
    assert stored.actor_key == ""


@pytest.mark.django_db
def test_actor_is_recorded_as_a_pseudonym_key_never_an_email_or_name(user_factory):
    person = user_factory(email="sam.jones@example.org", display_name="Sam Jones")

    first = audit_record(actor=person, action="response.submitted", target=("consultations.response", 1))
    second = audit_record(actor=person, action="response.withdrawn", target=("consultations.response", 1))

    key = ActorPseudonym.objects.get(user=person).key
    assert first.actor_key == second.actor_key == key
    assert len(key) == 32 and "sam" not in key.lower()
    for text in (canonical_json(first), canonical_json(second)):
        assert "sam" not in text.lower() and "example.org" not in text


@pytest.mark.django_db
def test_erasing_a_person_unlinks_their_pseudonym_and_the_chain_still_verifies(user_factory):
    person = user_factory()
    event = audit_record(actor=person, action="member.joined", target=("governance.membership", 7))
    _record_events(2)

    person.delete()

    assert not ActorPseudonym.objects.filter(key=event.actor_key).exists()
    assert AuditEvent.objects.get(pk=event.pk).actor_key == event.actor_key
    assert audit_verify().ok


# --- verify_audit -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_verify_audit_prints_the_count_and_head_hash_of_an_intact_chain():
    events = _record_events(3)
    out = StringIO()

    call_command("verify_audit", stdout=out)

    assert "intact" in out.getvalue()
    assert "3 events" in out.getvalue() and events[-1].hash in out.getvalue()


@pytest.mark.django_db
def test_an_empty_ledger_verifies_with_the_genesis_head():
    result = audit_verify()

    assert (result.ok, result.count, result.head_hash, result.first_bad_id) == (True, 0, GENESIS, None)
    assert audit_head() == (0, GENESIS)


@pytest.mark.parametrize(
    "field, value",
    [
        ("action", "decision.deleted"),
        ("actor_key", "f" * 32),
        ("target_type", "governance.decision"),
        ("target_id", "999"),
        ("data", {"n": 99}),
        ("occurred_at", None),  # moved one minute later
        ("prev_hash", "1" * 64),
        ("hash", "2" * 64),
    ],
)
def test_an_edited_event_is_named_as_the_first_bad_one(five_events, field, value):
    edited = five_events[2]
    if field == "occurred_at":
        value = edited.occurred_at + timedelta(minutes=1)

    bad_id = _bad_id_after(lambda: AuditEvent.objects.filter(pk=edited.pk).update(**{field: value}))

    assert bad_id == edited.pk


def test_a_deleted_event_in_the_middle_makes_the_next_one_the_first_bad(five_events):
    bad_id = _bad_id_after(lambda: AuditEvent.objects.filter(pk=five_events[2].pk).delete())

    assert bad_id == five_events[3].pk
    assert f"event {five_events[1].pk}" in audit_verify().reason


def test_a_deleted_first_event_makes_the_new_first_one_bad(five_events):
    bad_id = _bad_id_after(lambda: AuditEvent.objects.filter(pk=five_events[0].pk).delete())

    assert bad_id == five_events[1].pk
    assert "genesis" in audit_verify().reason


def _swap(first: AuditEvent, second: AuditEvent, fields: list[str]) -> None:
    """Exchange `fields` between two rows, going through a placeholder so unique hashes never clash."""
    rows = AuditEvent.objects.filter(pk__in=[first.pk, second.pk])
    values = {row.pk: {f: getattr(row, f) for f in fields} for row in rows}
    placeholder = {f: "x" * 64 for f in fields if f in ("prev_hash", "hash")}
    AuditEvent.objects.filter(pk=first.pk).update(**placeholder)
    AuditEvent.objects.filter(pk=second.pk).update(**values[first.pk])
    AuditEvent.objects.filter(pk=first.pk).update(**values[second.pk])


CONTENT = ["occurred_at", "actor_key", "action", "target_type", "target_id", "data"]


@pytest.mark.parametrize(
    "positions, fields",
    [
        ((1, 3), CONTENT + ["prev_hash", "hash"]),  # whole rows exchanged
        ((1, 3), CONTENT),  # contents exchanged, stored hashes left in place
        ((2, 3), CONTENT + ["prev_hash", "hash"]),  # neighbours exchanged
    ],
)
def test_a_swapped_pair_of_events_is_caught_at_the_earlier_id(five_events, positions, fields):
    first, second = (five_events[p] for p in positions)

    bad_id = _bad_id_after(lambda: _swap(first, second, fields))

    assert bad_id == first.pk


def test_verify_audit_names_the_first_bad_event_and_exits_non_zero(five_events):
    AuditEvent.objects.filter(pk=five_events[1].pk).update(data={"n": "changed"})
    AuditEvent.objects.filter(pk=five_events[3].pk).update(action="changed")

    with pytest.raises(CommandError) as refused:
        call_command("verify_audit", stdout=StringIO())

    assert refused.value.returncode == 1
    assert f"broken at event {five_events[1].pk}:" in str(refused.value)
    assert "changed after it was written" in str(refused.value)


def test_removing_the_newest_events_is_caught_only_against_a_published_head(five_events):
    published = five_events[-1].hash
    AuditEvent.objects.filter(pk=five_events[-1].pk).delete()

    assert audit_verify().ok
    assert not audit_verify(published_head=published).ok
    with pytest.raises(CommandError, match="published checkpoint"):
        call_command("verify_audit", published_head=published, stdout=StringIO())


# --- audit_checkpoint -------------------------------------------------------------------------


@pytest.mark.django_db
def test_audit_checkpoint_records_the_head_and_count_before_it_and_prints_them():
    events = _record_events(3)
    out = StringIO()

    call_command("audit_checkpoint", stdout=out)

    checkpoint = AuditEvent.objects.order_by("-id").first()
    assert checkpoint.action == "audit.checkpoint"
    assert checkpoint.data == {"head_hash": events[-1].hash, "count": 3, "key": signing.public_key(),
                               "signature": signing.sign(3, events[-1].hash)}
    assert checkpoint.prev_hash == events[-1].hash
    assert events[-1].hash in out.getvalue() and "3 events" in out.getvalue()
    assert audit_verify().count == 4


def test_audit_checkpoint_refuses_to_vouch_for_a_broken_chain(five_events):
    AuditEvent.objects.filter(pk=five_events[2].pk).update(action="changed")

    with pytest.raises(CommandError, match=f"event {five_events[2].pk}"):
        call_command("audit_checkpoint", stdout=StringIO())

    assert not AuditEvent.objects.filter(action="audit.checkpoint").exists()


# --- PostgreSQL: the trigger and concurrent appends -------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_refuses_a_payload_whose_stored_form_would_not_verify():
    audit_record(actor=None, action="test.before", target=None)

    with pytest.raises(ValueError, match="changes when stored"):
        audit_record(actor=None, action="test.huge_float", data={"n": 1e20})

    assert audit_head()[0] == 1 and audit_verify().ok


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_threads_appending_at_once_leave_one_unbroken_chain(user_factory):
    threads_count, per_thread = 20, 5
    shared_actor = user_factory()
    start = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def append(thread_no: int) -> None:
        try:
            start.wait()
            for n in range(per_thread):
                target = ("tests.thing", f"{thread_no}-{n}")
                audit_record(actor=shared_actor, action="test.concurrent", target=target)
        except BaseException as error:  # noqa: BLE001 - reported by the assert below
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=append, args=(t,)) for t in range(threads_count)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    result = audit_verify()
    assert result.ok, result.reason
    assert result.count == threads_count * per_thread
    assert AuditEvent.objects.values("target_id").distinct().count() == threads_count * per_thread
    assert ActorPseudonym.objects.count() == 1


# --- Wagtail admin ----------------------------------------------------------------------------


@pytest.fixture
def role_user(user_factory):
    """Makes a person holding one role; re-creates the role groups if a flush removed them."""
    if not Group.objects.filter(name=roles.ANALYSTS).exists():
        roles.apply_roles(django_apps)

    def make(role: str):
        return user_factory(roles=[role])

    return make


INDEX_URL_NAME = "audit_ledger:index"


def test_editor_does_not_see_the_audit_ledger_and_is_refused_its_page(client, role_user):
    event = _record_events(1)[0]
    client.force_login(role_user(roles.EDITORS))

    dashboard = client.get(reverse("wagtailadmin_home"))
    listing = client.get(reverse(INDEX_URL_NAME))
    inspect = client.get(reverse("audit_ledger:inspect", args=[event.pk]), follow=True)

    assert dashboard.status_code == 200
    assert reverse(INDEX_URL_NAME) not in dashboard.content.decode()
    assert (listing.status_code, listing["Location"]) == (302, reverse("wagtailadmin_home"))
    assert "you do not have permission" in inspect.content.decode()
    assert event.hash not in inspect.content.decode()


@pytest.mark.parametrize(
    "role", [roles.ANALYSTS, roles.SECRETARIES, roles.TRUSTEES, roles.RETURNING_OFFICERS]
)
def test_audit_roles_see_the_ledger_in_the_menu_and_can_list_and_inspect_it(client, role_user, role):
    event = _record_events(1)[0]
    client.force_login(role_user(role))

    dashboard = client.get(reverse("wagtailadmin_home"))
    listing = client.get(reverse(INDEX_URL_NAME))
    inspect = client.get(reverse("audit_ledger:inspect", args=[event.pk]))
    export = client.get(reverse(INDEX_URL_NAME), {"export": "csv"})

    assert reverse(INDEX_URL_NAME) in dashboard.content.decode()
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "test.event_0" in html and event.hash[:12] in html and event.hash not in html
    assert inspect.status_code == 200 and event.hash in inspect.content.decode()
    assert event.hash in b"".join(export.streaming_content).decode()


def test_analyst_listing_filters_by_action(client, role_user):
    audit_record(actor=None, action="ballot.opened", target=("governance.ballot", "ballot-opened-71"))
    audit_record(actor=None, action="ballot.closed", target=("governance.ballot", "ballot-closed-72"))
    client.force_login(role_user(roles.ANALYSTS))

    everything = client.get(reverse(INDEX_URL_NAME))
    closed_only = client.get(reverse(INDEX_URL_NAME), {"action": "ballot.closed"})

    assert [e.target_id for e in everything.context["object_list"]] == ["ballot-closed-72", "ballot-opened-71"]
    assert [e.target_id for e in closed_only.context["object_list"]] == ["ballot-closed-72"]
    assert "Ballot closed" in closed_only.content.decode()  # the action in words, in the filter and the list


def test_the_admin_offers_no_way_to_add_edit_or_delete_an_event(client, role_user, admin_user):
    event = _record_events(1)[0]
    policy = policy_registry.get_by_type(AuditEvent)

    for person in (role_user(roles.ANALYSTS), admin_user):
        assert policy.user_has_permission(person, "view")
        assert not policy.user_has_any_permission(person, ["add", "change", "delete"])
    for name, args in (("add", []), ("edit", [event.pk]), ("delete", [event.pk]), ("copy", [event.pk])):
        with pytest.raises(NoReverseMatch):
            reverse(f"audit_ledger:{name}", args=args)
    client.force_login(admin_user)
    assert client.post(f"/admin/audit_ledger/delete/{event.pk}/").status_code == 404
    assert client.post(f"/admin/audit_ledger/edit/{event.pk}/", {"action": "x"}).status_code == 404
    assert "/admin/audit_ledger/edit/" not in client.get(reverse(INDEX_URL_NAME)).content.decode()
    assert AuditEvent.objects.get(pk=event.pk).action == event.action


@pytest.mark.parametrize("data", [
    {}, {"n": 1}, {"b": [1, 2.5, None, True], "a": {"z": "x", "y": "é\u2028\"q\"\\"}}, {"text": "naïve 😀 <b>"},
    {"big": 10**18, "neg": -0.5, "nested": [{"k": []}]},
])
def test_the_verifiers_fast_hash_is_the_writers_hash(data):
    from datetime import UTC, datetime

    from portal.audit.hashing import canonical_data, fast_hash

    event = AuditEvent(occurred_at=datetime(2026, 3, 1, 12, 30, 5, 123, tzinfo=UTC), actor_key="k\u00e9y",
                       action="test.\"quoted\"", target_type="tests.thing", target_id="1/2", data=data)
    assert fast_hash("0" * 64, event.occurred_at.isoformat(), event.actor_key, event.action, event.target_type, event.target_id,
                     canonical_data(data)) == compute_hash("0" * 64, event)


@pytest.mark.django_db
@pytest.mark.parametrize("moment", ["2026-03-01 12:30:05", "2026-03-01 12:30:05.000001", "2026-03-01 12:30:05.5"])
def test_events_written_on_a_whole_second_or_not_verify_alike(moment):
    """The verifier formats times itself (in SQL on PostgreSQL): microseconds appear only when not zero."""
    from freezegun import freeze_time

    with freeze_time(moment):
        audit_record(actor=None, action="test.event", data={"n": 1})
    audit_record(actor=None, action="test.event", data={"n": 2})
    assert audit_verify().ok and audit_verify().count == 2


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_hashes_every_row_itself_and_python_has_the_last_word(ledger_rows_editable):
    """The million-row walk lets PostgreSQL hash each row's canonical text from its stored `data_text`,
    flat or nested data, every kind of string; a changed row comes back for Python, which names it."""
    from portal.audit.selectors import _ledger_rows
    from portal.audit.services import audit_record

    payloads = [{}, {"n": 1, "big": 10**18, "t": True, "none": None}, {"text": "naïve 😀 <b>\u2028\"q\"\\\n\t\x01"},
                {"Z": 1, "a": 2, "é": 3, "_": 4, "aa": 5, "b": "x"}, {"half": -0.5}, {"nested": {"k": []}},
                {"list": [1, "two"]}]
    for data in payloads:
        audit_record(actor=None, action="test.\"quoted\" é", target=("tests.thing", "1/2\n"), data=data)
    rows = list(_ledger_rows(3, hash_in_database=True))
    assert [r.hash_checked for r in rows] == [True] * len(payloads)
    assert audit_verify().ok
    bad = AuditEvent.objects.order_by("id")[1]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET data = '{\"n\": 2, \"big\": 1, \"t\": true, \"none\": null}' WHERE id = %s", [bad.pk])
    assert [r.hash_checked for r in _ledger_rows(100, hash_in_database=True)][1] is False
    result = audit_verify()
    assert not result.ok and result.first_bad_id == bad.pk and "does not match its hash" in result.reason


@pytest.mark.django_db
@pytest.mark.parametrize("stored", ['{"n":2}', '{"n": 1}', '{"n":1.0}', "not json"])
def test_changing_the_stored_hashed_text_is_caught(ledger_rows_editable, stored):
    """`data_text` is what the hash covers: changing it (even to the same value written another way, or to
    text that is not JSON) names that row, on SQLite and on PostgreSQL alike."""
    for n in range(3):
        audit_record(actor=None, action="test.event", data={"n": n})
    second = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=second.pk).update(data_text=stored)
    result = audit_verify()
    assert (result.ok, result.first_bad_id, result.count) == (False, second.pk, 1)
    assert "does not match its hash" in result.reason


@pytest.mark.django_db
def test_a_rehashed_row_whose_data_differs_from_its_hashed_text_is_caught(ledger_rows_editable):
    """A forger who changes `data` and re-hashes the row over `data` but leaves `data_text` as it was."""
    for n in range(3):
        audit_record(actor=None, action="test.event", data={"n": n})
    last = AuditEvent.objects.order_by("id").last()
    last.data = {"n": 99}
    AuditEvent.objects.filter(pk=last.pk).update(data=last.data, hash=compute_hash(last.prev_hash, last))
    result = audit_verify()
    assert (result.ok, result.first_bad_id, result.count) == (False, last.pk, 2)


@pytest.mark.django_db
def test_hashed_text_that_is_not_json_but_matches_its_hash_is_named_not_a_crash(ledger_rows_editable):
    """PostgreSQL parses `data_text` only once the hash matches; a forger who hashes broken text on
    purpose makes it refuse the cast, and the walk in Python names the row instead (as on SQLite)."""
    for n in range(3):
        audit_record(actor=None, action="test.event", data={"n": n})
    last = AuditEvent.objects.order_by("id").last()
    text = canonical_json(last).replace('"data":{"n":2}', '"data":{"n":2')
    forged = hashlib.sha256((last.prev_hash + text).encode()).hexdigest()
    AuditEvent.objects.filter(pk=last.pk).update(data_text='{"n":2', hash=forged)
    result = audit_verify()
    assert (result.ok, result.first_bad_id, result.count) == (False, last.pk, 2)
    assert AuditEvent.objects.count() == 3  # and the test's transaction is still usable


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, reset_sequences=True)  # the walk's own connections see committed rows
def test_the_parallel_walk_on_postgresql_checks_every_range_in_order(monkeypatch):
    from portal.audit import guards, selectors
    from portal.audit.services import audit_record

    monkeypatch.setattr(selectors, "_RANGE", 3)  # ten events make four ranges, hashed two at a time
    for n in range(10):
        audit_record(actor=None, action="test.walk", target=("tests.thing", n),
                     data={"n": n} if n % 2 else {"nested": {"n": n}})
    walked, real = [], selectors._hashed_range
    monkeypatch.setattr(selectors, "_hashed_range", lambda low, high: walked.append((low, high)) or real(low, high))
    result = audit_verify()
    assert result.ok and result.count == 10 and walked[:4] == [(0, 3), (3, 6), (6, 9), (9, 10)]
    seventh = AuditEvent.objects.order_by("id")[6]
    with guards.guards_lifted(connection), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET target_id = 'x' WHERE id = %s", [seventh.pk])
    result = audit_verify()
    assert not result.ok and result.first_bad_id == seventh.pk and result.count == 6

