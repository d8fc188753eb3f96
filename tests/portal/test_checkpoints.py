"""Checkpoints that bind: every way of quietly rewriting the ledger that we know of is caught by
`verify_audit`, which names the first bad event or the missing events, on SQLite and PostgreSQL alike."""

import json
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from portal.audit import signing, verify_export
from portal.audit.hashing import canonical_data, compute_hash
from portal.audit.models import AuditEvent
from portal.audit.selectors import checkpoint_file
from portal.audit.services import audit_checkpoint, audit_record

pytestmark = pytest.mark.django_db


def _events(count: int, start: int = 0) -> list[AuditEvent]:
    return [audit_record(actor=None, action="test.event", target=("tests.thing", n), data={"n": n})
            for n in range(start, start + count)]


@pytest.fixture
def ledger(ledger_rows_editable):
    """Five events, a signed checkpoint (event 6), four more events: ten in all."""
    _events(5)
    checkpoint = audit_checkpoint()
    _events(4, start=5)
    return checkpoint


def verify(*args) -> str:
    try:
        call_command("verify_audit", *args, stdout=(out := __import__("io").StringIO()))
    except CommandError as refused:
        return f"REFUSED {refused}"
    return out.getvalue()


def rehash_from(first_id: int) -> None:
    """What a careful forger does after changing an event: re-hash it and every event after it."""
    prev = AuditEvent.objects.filter(id__lt=first_id).order_by("-id").values_list("hash", flat=True).first()
    prev = prev or AuditEvent.GENESIS_HASH
    for event in AuditEvent.objects.filter(id__gte=first_id).order_by("id"):
        event.prev_hash, event.data_text = prev, canonical_data(event.data)
        event.hash = compute_hash(prev, event)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, hash=event.hash, data_text=event.data_text)
        prev = event.hash


def test_a_whole_ledger_with_a_signed_checkpoint_verifies(ledger):
    assert ledger.data["signature"] and ledger.data["key"] == signing.public_key()
    assert "intact: 10 events" in verify() and "1 checkpoint checked" in verify()


def test_an_edited_event_is_named(ledger):
    third = AuditEvent.objects.order_by("id")[2]
    AuditEvent.objects.filter(pk=third.pk).update(data={"n": 99})
    assert f"broken at event {third.pk}" in verify() and "changed after it was written" in verify()


def test_a_deleted_event_is_named_by_the_one_after_it(ledger):
    third, fourth = AuditEvent.objects.order_by("id")[2:4]
    third.delete()
    assert f"broken at event {fourth.pk}" in verify()


def test_two_swapped_events_are_caught(ledger):
    first, second = AuditEvent.objects.order_by("id")[:2]
    a = {f: getattr(first, f) for f in ("occurred_at", "action", "target_id", "data", "prev_hash", "hash")}
    b = {f: getattr(second, f) for f in a}
    AuditEvent.objects.filter(pk=first.pk).update(hash="x" * 64, prev_hash="y" * 64)  # out of the way of the unique hashes
    AuditEvent.objects.filter(pk=second.pk).update(**a)
    AuditEvent.objects.filter(pk=first.pk).update(**b)
    assert f"broken at event {first.pk}" in verify()


def test_a_truncated_ledger_is_caught_by_a_saved_checkpoint(ledger):
    saved = f"{ledger.data['count']}:{ledger.data['head_hash']}"
    AuditEvent.objects.all().delete()
    assert "intact: 0 events" in verify()  # nothing in the database can tell: that is what saved checkpoints are for
    refused = verify("--checkpoint", saved)
    assert "REFUSED" in refused and "events 1 to 5 were removed" in refused


def test_deleting_the_newest_events_is_caught_by_a_saved_checkpoint_file(ledger, tmp_path):
    _events(2, start=9)
    newest = audit_checkpoint()  # event 13, quoting 12 events
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(checkpoint_file(newest)))
    AuditEvent.objects.filter(id__gt=AuditEvent.objects.order_by("id")[9].pk).delete()  # keep the first 10
    refused = verify("--checkpoint-file", str(path))
    assert "REFUSED" in refused and "has 10 events" in refused and "events 11 to 12 were removed" in refused


def test_rewriting_from_an_early_event_and_rehashing_is_caught_by_the_checkpoint_in_the_chain(ledger):
    second = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=second.pk).update(data={"n": "rewritten"})
    rehash_from(second.pk)
    refused = verify()
    assert f"broken at event {ledger.pk}" in refused and "one of events 1 to 5 was changed" in refused


def test_rewriting_everything_checkpoints_included_is_caught_by_a_saved_signed_checkpoint(ledger, tmp_path):
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(checkpoint_file(ledger)))  # a trustee's saved copy
    second = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=second.pk).update(data={"n": "rewritten"})
    rehash_from(second.pk)  # re-hash up to the checkpoint ...
    new_head = AuditEvent.objects.filter(id__lt=ledger.pk).order_by("-id").first().hash
    forged = {**ledger.data, "head_hash": new_head, "signature": "00" * 64}
    AuditEvent.objects.filter(pk=ledger.pk).update(data=forged)  # ... rewrite the checkpoint itself ...
    rehash_from(ledger.pk)  # ... and everything after it
    assert "signature is not the portal's" in verify()
    unsigned = {k: v for k, v in forged.items() if k not in ("signature", "key")}
    AuditEvent.objects.filter(pk=ledger.pk).update(data=unsigned)  # a forger without the key drops the signature
    rehash_from(ledger.pk)
    assert "intact: 10 events" in verify()  # the database alone is now consistent ...
    refused = verify("--checkpoint-file", str(path))  # ... but the saved copy is not
    assert "REFUSED" in refused and f"event {second.pk + 3}" in refused and "rewritten" in refused


def test_a_saved_checkpoint_changed_by_hand_is_refused(ledger, tmp_path):
    file = checkpoint_file(ledger) | {"count": 4}
    path = tmp_path / "checkpoint.json"
    path.write_text(json.dumps(file))
    assert "not signed by this portal's key" in verify("--checkpoint-file", str(path))
    assert "not a count and a 64-character hash" in verify("--checkpoint", "5:nothex")


# --- the standalone verifier ---------------------------------------------------------------------------

def _copy_verifier(tmp_path: Path) -> Path:
    """The verifier alone in an empty folder: run with -I, it sees neither Django nor this project."""
    copy = tmp_path / "verify_export.py"
    shutil.copy(verify_export.__file__, copy)
    return copy


def test_the_standalone_verifier_agrees_with_the_portal_on_a_real_export(ledger, tmp_path):
    export = tmp_path / "ledger.json"
    call_command("export_audit", str(export))
    checkpoint = tmp_path / "checkpoint.json"
    checkpoint.write_text(json.dumps(checkpoint_file(ledger)))
    script = _copy_verifier(tmp_path)
    good = subprocess.run([sys.executable, "-I", str(script), str(export), str(checkpoint)], capture_output=True, text=True)
    assert good.returncode == 0 and "Intact: 10 events, matching 1 signed checkpoint" in good.stdout
    document = json.loads(export.read_text())
    document["events"][2]["data"] = {"n": 99}
    export.write_text(json.dumps(document))
    bad = subprocess.run([sys.executable, "-I", str(script), str(export), str(checkpoint)], capture_output=True, text=True)
    assert bad.returncode == 1 and f"Event {document['events'][2]['id']} does not match its hash" in bad.stdout


def test_the_standalone_verifier_checks_100000_events_against_a_signed_checkpoint(tmp_path):
    events, prev = [], verify_export.GENESIS_HASH
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(100_000):
        row = {"id": n + 1, "occurred_at": (start + timedelta(seconds=n)).isoformat(), "actor_key": "",
               "action": "test.event", "target_type": "tests.thing", "target_id": str(n), "data": {"n": n}}
        row["prev_hash"], row["hash"] = prev, verify_export.row_hash(prev, row)
        prev = row["hash"]
        events.append(row)
    export = tmp_path / "ledger.json"
    export.write_text(json.dumps({"events": events}))
    checkpoint = tmp_path / "checkpoint.json"
    checkpoint.write_text(json.dumps({"count": 100_000, "head_hash": prev, "public_key": signing.public_key(),
                                      "signature": signing.sign(100_000, prev)}))
    script = _copy_verifier(tmp_path)
    began = time.perf_counter()
    good = subprocess.run([sys.executable, "-I", str(script), str(export), str(checkpoint)], capture_output=True, text=True)
    took = time.perf_counter() - began
    assert good.returncode == 0 and "Intact: 100000 events" in good.stdout, good.stdout + good.stderr
    print(f"standalone verifier: 100,000 events in {took:.1f} s")
    events.pop()  # the newest event removed
    export.write_text(json.dumps({"events": events}))
    short = subprocess.run([sys.executable, "-I", str(script), str(export), str(checkpoint)], capture_output=True, text=True)
    assert short.returncode == 1 and "events 100000 to 100000 were removed" in short.stdout
