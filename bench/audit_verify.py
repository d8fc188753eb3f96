"""verify_audit over 1,000,000 ledger events, and appends per second (figures only, never asserted).

Builds a valid chain of EVENTS rows directly (hashes computed exactly as `audit_record` does, inserted in
batches; the append path itself is measured by bench/run.py), then times `audit_verify` over it and
reports events per second and the peak Python memory, beside the same walk over a tenth of the ledger
so the two figures can be compared in one run. Then appends through `audit_record` on that long ledger,
from 1 writer and from WRITERS at once (processes, each on its own connection; PostgreSQL only, as
SQLite takes one writer at a time). Own process, own SQLite file; PostgreSQL as well when
BENCH_POSTGRES_URL names a database whose name contains "bench".
"""

import os
import secrets
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SQLITE_FILE = ROOT / "var" / "bench-audit.sqlite3"
EVENTS = int(os.environ.get("BENCH_AUDIT_EVENTS", "1000000"))
BATCH = 20_000
APPEND_SECONDS = float(os.environ.get("BENCH_AUDIT_APPEND_SECONDS", "5"))
WRITERS = 8


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import run_on_each_database

    run_on_each_database(__file__, SQLITE_FILE)


def _verify():
    from portal.audit.selectors import audit_verify

    start = time.perf_counter()
    result = audit_verify(progress=lambda checked, total: None)
    seconds = time.perf_counter() - start  # timed on its own: tracing memory slows Python down
    tracemalloc.start()
    audit_verify(progress=lambda checked, total: None)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak


def run_one(label: str, url: str) -> None:
    sys.path.insert(0, str(ROOT))
    from bench.fresh_db import setup_django

    setup_django(url, SQLITE_FILE)
    from portal.audit.models import AuditEvent

    if AuditEvent.objects.exists():
        print("  (the ledger already had events from set-up; they are part of the chain)")
    print(f"\nverify_audit on {label}")
    tenth = EVENTS // 10
    built = _build_more(tenth)
    small, small_s, small_peak = _verify()
    built += _build_more(EVENTS - tenth)
    big, big_s, big_peak = _verify()
    print(f"  built {big.count:,} chained events in {built:.0f} s")
    print(f"  verify {small.count:>9,} events: {small_s:6.2f} s, {small.count / small_s:>8,.0f} events/s, peak memory {small_peak / 1e6:5.1f} MB, ok={small.ok}")
    print(f"  verify {big.count:>9,} events: {big_s:6.2f} s, {big.count / big_s:>8,.0f} events/s, peak memory {big_peak / 1e6:5.1f} MB, ok={big.ok}")
    print(f"  memory ratio (x10 events): {big_peak / max(small_peak, 1):.2f}   (load average {_load()})")
    from django.db import connection

    for writers in (1, WRITERS) if connection.vendor == "postgresql" else (1,):
        appended, seconds = _appends(writers)
        print(f"  appends, {writers} writer process{'es' if writers > 1 else ''}: {appended:,} in {seconds:.1f} s, "
              f"{appended / seconds:,.0f} events/s   (load average {_load()})")
    result = _verify()[0]
    print(f"  after the appends: {result.count:,} events, ok={result.ok}")


def _load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def _appends(writers: int) -> tuple[int, float]:
    """Events `writers` processes append through `audit_record` in APPEND_SECONDS, each with its own actor
    and connection. Processes, as a deployment's web and Celery workers are: threads in one process
    would share one interpreter lock and measure Python's lock, not the ledger's."""
    import multiprocessing

    from django.db import connection

    from portal.accounts.models import User
    from portal.audit.services import audit_record

    run = secrets.token_hex(4)
    actors = [User.objects.create_user(email=f"bench-writer-{run}-{n}@example.org", password=None)
              for n in range(writers)]
    connection.close()  # each process opens its own
    context = multiprocessing.get_context("fork")
    ready, stop, counts = context.Barrier(writers + 1), context.Event(), context.Array("i", writers)

    def write(n: int) -> None:
        done = 0
        ready.wait()
        while not stop.is_set():
            audit_record(actor=actors[n], action="bench.append", target=("bench.thing", n), data={"n": done})
            done += 1
        counts[n] = done
        connection.close()

    processes = [context.Process(target=write, args=(n,)) for n in range(writers)]
    for process in processes:
        process.start()
    ready.wait()
    start = time.perf_counter()
    time.sleep(APPEND_SECONDS)
    stop.set()
    for process in processes:
        process.join()
    return sum(counts), time.perf_counter() - start


def _build_more(n: int) -> float:
    """Continue the chain from the current head: rows hashed exactly as `audit_record` hashes them
    (`fast_hash`, which tests hold equal to `compute_hash`), written with COPY on PostgreSQL and one
    prepared INSERT on SQLite, as the ORM's bulk_create spent most of the build making objects."""
    from django.db import connection

    from portal.audit.hashing import canonical_data, fast_hash
    from portal.audit.models import AuditEvent

    last = AuditEvent.objects.order_by("-id").first()
    start = time.perf_counter()
    prev = last.hash if last else AuditEvent.GENESIS_HASH
    offset = AuditEvent.objects.count()
    when = datetime(2026, 1, 1, tzinfo=UTC)
    columns = "occurred_at, actor_key, action, target_type, target_id, data, data_text, prev_hash, hash"
    rows, postgres = [], connection.vendor == "postgresql"

    def write(batch):
        with connection.cursor() as cursor:
            if postgres:
                with cursor.cursor.copy(f"COPY {AuditEvent._meta.db_table} ({columns}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {AuditEvent._meta.db_table} ({columns}) "  # nosec B608 - constant
                                   "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", batch)

    for i in range(offset, offset + n):
        occurred_at = when + timedelta(seconds=i)
        actor_key, target_id, data_text = f"k{i % 500:05d}", str(i % 5000), canonical_data({"i": i})
        digest = fast_hash(prev, occurred_at.isoformat(), actor_key, "bench.event", "bench.thing", target_id, data_text)
        rows.append((occurred_at if postgres else connection.ops.adapt_datetimefield_value(occurred_at), actor_key,
                     "bench.event", "bench.thing", target_id, data_text, data_text, prev, digest))
        prev = digest
        if len(rows) == BATCH:
            write(rows)
            rows = []
    if rows:
        write(rows)
    return time.perf_counter() - start


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3])
    else:
        main()
