"""Check an exported audit ledger against signed checkpoints, without Django or the database.

    python -m portal.audit.verify_export LEDGER.json CHECKPOINT.json [CHECKPOINT.json ...]

LEDGER.json is the ledger as the portal exports it (`manage.py export_audit`, or the download at the end
of the web check): {"events": [{"id", "occurred_at", "actor_key", "action", "target_type",
"target_id", "data", "prev_hash", "hash"}, ...]}, oldest first. Each CHECKPOINT.json is a signed
checkpoint as the portal hands them out (downloaded from /transparency/ or emailed to trustees):
{"count", "head_hash", "public_key", "signature", ...}.

Exit 0 when every event follows the one before it and matches its hash, every checkpoint's signature
is good, and the ledger at each checkpoint's count ends in that checkpoint's head hash. Otherwise exit 1
and say, in plain words, the first thing that does not hold.

Only the standard library and PyNaCl (for Ed25519) are needed: copy this one file anywhere. The portal
itself uses the same functions, so the two can never disagree about what a checkpoint says.
"""

import hashlib
import json
import sys

from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

GENESIS_HASH = "0" * 64
CHECKPOINT_ACTION = "audit.checkpoint"
HASHED_FIELDS = ("occurred_at", "actor_key", "action", "target_type", "target_id", "data")


def checkpoint_message(count: int, head_hash: str) -> bytes:
    """The exact bytes a checkpoint's signature covers."""
    return f"together-voices audit checkpoint v1\ncount={int(count)}\nhead={head_hash}\n".encode()


def signature_ok(public_key: str, count: int, head_hash: str, signature: str) -> bool:
    try:
        VerifyKey(bytes.fromhex(public_key)).verify(checkpoint_message(count, head_hash), bytes.fromhex(signature))
    except (BadSignatureError, ValueError, TypeError):
        return False
    return True


def row_hash(prev_hash: str, row: dict) -> str:
    """sha256(prev_hash + canonical JSON) of an exported row, whose `occurred_at` is already UTC ISO 8601."""
    body = {name: row[name] for name in HASHED_FIELDS}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + text).encode("utf-8")).hexdigest()


def verify(events, checkpoints: list[dict]) -> tuple[bool, str]:
    """(ok, a sentence saying what was found). `events` is any iterable of exported rows, oldest first."""
    for checkpoint in checkpoints:
        if not signature_ok(checkpoint.get("public_key", ""), checkpoint.get("count", -1),
                            checkpoint.get("head_hash", ""), checkpoint.get("signature", "")):
            return False, (f"The checkpoint for {checkpoint.get('count')} events has a signature that does not "
                           "match its figures: it was changed, or not made by the portal.")
    wanted = {int(c["count"]): c for c in checkpoints}
    count, prev_hash = 0, GENESIS_HASH
    for row in events:
        if row["prev_hash"] != prev_hash:
            return False, (f"Event {row.get('id')} does not follow the event before it: an event was removed, "
                           f"moved or changed there (after {count} good events).")
        if row_hash(prev_hash, row) != row["hash"]:
            return False, f"Event {row.get('id')} does not match its hash: it was changed after it was written."
        count, prev_hash = count + 1, row["hash"]
        if count in wanted and wanted[count]["head_hash"] != prev_hash:
            return False, (f"After {count} events the ledger ends in {prev_hash}, but the signed checkpoint says "
                           f"{wanted[count]['head_hash']}: the ledger up to there was rewritten.")
    missing = [c for c in sorted(wanted) if c > count]
    if missing:
        return False, (f"The ledger has {count} events, but a signed checkpoint says there were {missing[-1]}: "
                       f"events {count + 1} to {missing[-1]} were removed.")
    return True, (f"Intact: {count} events, matching {len(checkpoints)} signed checkpoint"
                  f"{'' if len(checkpoints) == 1 else 's'}. Head hash {prev_hash}.")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as ledger:
        events = json.load(ledger)["events"]
    checkpoints = []
    for path in argv[1:]:
        with open(path, encoding="utf-8") as saved:
            checkpoints.append(json.load(saved))
    ok, sentence = verify(events, checkpoints)
    print(sentence)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
