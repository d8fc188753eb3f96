"""The load run: service users answering a consultation and voting, against gunicorn on PostgreSQL.

    .venv/bin/python bench/load/run.py [--users 100] [--seconds 120] [--spawn-rate 20]

(`make load`, and `make bench` when PostgreSQL answers.) On its own, with the production settings:

1. drops and creates the PostgreSQL database `portal_load` (127.0.0.1:5432, user postgres) and empties
   Redis databases 9 (broker) and 10 (cache); migrates; collects static files;
2. seeds the load world (bench/load/world.py: service-user accounts with a known password, an open
   consultation for service users, two open secret ballots whose roll is every service user);
3. makes the runtime role (grant_runtime_role) and starts gunicorn as it on a free loopback port as the
   Dockerfile and .env.example run it (sync workers, 2 per
   core, timeout 60 s, DB_CONN_MAX_AGE=60) and a Celery worker, each in its own process group;
4. runs locust headless (bench/load/locustfile.py) with the given number of people for the given time;
5. waits up to 60 s for the worker to run every outbox message (world.py outbox-wait), closes the
   ballots and checks every receipt code shown through the receipts page by POST (world.py
   close-and-check), stops gunicorn and the worker, greps their logs for any receipt code (gunicorn
   logs in the production format, gunicorn.conf.py), then prints the requests by name (count, failures, median, p95, p99), the server
   errors seen by locust and in gunicorn's access log, connection errors, worker timeouts, unexpected
   answers and how far people got, and reconciles the database against what locust saw accepted
   (world.py reconcile, the outbox included).

Exits 1 on any server error, connection error, other failed request, unexpected answer (a page other
than the one expected), too little progress (progress_check), mismatch, receipt code not found after
close, or receipt code in a log. Everything it started
is stopped on exit, also on Ctrl+C or failure. Locust's CSV files and the server logs are kept in a
temporary folder, whose path is printed.
"""

import argparse
import csv
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
PG = ["-h", "127.0.0.1", "-U", "postgres"]
STARTED: list[tuple[str, subprocess.Popen]] = []
WORK: list[Path] = []  # the run's temporary folder, once made


class Failed(Exception):
    pass


def say(text: str) -> None:
    print(text, flush=True)


def step(text: str) -> None:
    say(f"\n--- load: {text}")


def stop_all() -> None:
    """Stop every process group we started: TERM, up to 15 s, then KILL."""
    for _, proc in STARTED:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + 15
    for _, proc in STARTED:
        while time.monotonic() < deadline and _group_alive(proc):
            time.sleep(0.2)
        _signal_group(proc, signal.SIGKILL)
        proc.poll()
    STARTED.clear()


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(proc: subprocess.Popen) -> bool:
    proc.poll()
    try:
        os.killpg(proc.pid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def start(name: str, cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    """Start `cmd` in a new session (its own process group), output to `log`."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    STARTED.append((name, proc))
    return proc


def run(cmd: list[str], env: dict, what: str) -> None:
    result = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise Failed(f"{what} failed (exit {result.returncode})")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def wait_for_http(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failed("gunicorn stopped by itself (see gunicorn.log)")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError as error:
            raise Failed(f"GET {url} answered {error.code}") from error
        except OSError:
            pass
        time.sleep(0.5)
    raise Failed(f"gunicorn did not answer {url} within {seconds:.0f} s")


def environment(db_name: str, work: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.production",
        SECRET_KEY=secrets.token_hex(40),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain http on loopback: no TLS here, so no redirect to https (a real server keeps the default).
        SECURE_SSL_REDIRECT="false",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db_name}",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/9",
        REDIS_URL="redis://127.0.0.1:6379/10",
        MEDIA_ROOT=str(work / "media"),
        PRIVATE_ROOT=str(work / "private"),
        # As .env.example sets it for the compose deployment: keep each worker's connection between
        # requests (opening one per request costs about 20 ms of a 30-50 ms page here).
        DB_CONN_MAX_AGE="60",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def fresh_services(db_name: str, env: dict) -> None:
    if subprocess.run(["pg_isready", "-q", *PG[:2]]).returncode != 0:
        raise Failed("PostgreSQL is not answering on 127.0.0.1:5432")
    for url in (env["CELERY_BROKER_URL"], env["REDIS_URL"]):
        out = subprocess.run(["redis-cli", "-u", url, "flushdb"], capture_output=True, text=True)
        if out.returncode != 0 or "OK" not in out.stdout:
            raise Failed("Redis is not answering on 127.0.0.1:6379")
    run(["dropdb", *PG, "--if-exists", "--force", db_name], env, "dropdb")
    run(["psql", *PG, "-qAtc", f"DROP ROLE IF EXISTS {RUNTIME_ROLE}"], env, "drop the runtime role")
    run(["createdb", *PG, db_name], env, "createdb")
    say(f"fresh database {db_name}; Redis databases 9 (broker) and 10 (cache) emptied")


def stats_rows(prefix: Path) -> list[dict]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        raise Failed(f"locust wrote no {path.name} (see locust.log)")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def access_log(path: Path) -> tuple[Counter, Counter, list[int]]:
    """Status classes (2xx...), the 5xx requests and the milliseconds each request spent in a worker
    (not counting its wait in the listen queue), from lines in the production format (gunicorn.conf.py)."""
    classes, server_errors, millis = Counter(), Counter(), []
    if not path.exists():
        return classes, server_errors, millis
    for line in path.read_text(errors="replace").splitlines():
        found = ACCESS_LINE.search(line)
        if not found:
            continue
        method, url, status, ms = found.groups()
        classes[f"{status[0]}xx"] += 1
        if ms.isdigit():
            millis.append(int(ms))
        if status.startswith("5"):
            server_errors[f"{status} {method} {url}"] += 1
    return classes, server_errors, millis


def percentile(values: list[int], share: float) -> int:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0


# gunicorn.conf.py's access_log_format: '... "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'.
# gunicorn and the worker run as this role, as production does: it owns nothing and may only read and
# add to the audit ledger (manage.py grant_runtime_role). Seeding and the checks run as the owner.
RUNTIME_ROLE = "portal_load_app"
ACCESS_LINE = re.compile(r'"(\S+) (\S+) [^"]*" (\d{3}) \S+ (\d+)ms ')


def codes_in_logs(work: Path, outcomes: Path) -> list[str]:
    """Log lines (access, error, worker) holding any receipt code shown in the run, in any spelling."""
    result = json.loads(outcomes.read_text()) if outcomes.exists() else {}
    codes = {code for codes in result.get("receipts", {}).values() for code in codes}
    spellings = {form for code in codes for form in (code, code.replace("-", ""), code.lower(), code.replace("-", "").lower())}
    found = []
    for log in sorted(work.glob("*.log")) + sorted(work.glob("*.out")):
        for line in log.read_text(errors="replace").splitlines():
            if any(form in line for form in spellings):
                found.append(f"{log.name}: {line[:200]}")
    return found


def print_stats(rows: list[dict]) -> dict:
    say(f"\n{'request':<44}{'count':>7}{'fail':>6}{'median':>8}{'p95':>8}{'p99':>8}{'max':>8}  (ms)")
    total = None
    for row in rows:
        if row["Name"] == "Aggregated":
            total = row
            continue
        _row(row["Name"], row)
    if total:
        _row("all requests", total)
    return total or {}


def _row(name: str, row: dict) -> None:
    def ms(key: str) -> str:
        value = row.get(key, "")
        return "N/A" if value in ("", "N/A") else f"{float(value):.0f}"

    say(f"{name[:43]:<44}{row['Request Count']:>7}{row['Failure Count']:>6}{ms('50%'):>8}{ms('95%'):>8}"
        f"{ms('99%'):>8}{ms('Max Response Time'):>8}")


def progress_check(seconds: int, people: int, voted: set, sent: set, journeys: int) -> tuple[int, int, str]:
    """What a healthy run of this length must reach: (got, needed, what is counted).

    A journey is about 20 pages with 1 to 4 s of thinking before each, so a minute or more; half the
    people vote first (a first receipt after about 6 pages), half answer first (sent after about 14).
    Healthy runs on the loaded 2-core machine: 20 people for 30 s, 13 voted or sent; 50 for 45 s, 32;
    100 for 120 s, 47 finished the journey. A quarter leaves a wide margin for queued sign-ins.
    """
    needed = -(-people // 4)
    if seconds >= 100:
        return journeys, needed, "finished the journey"
    return len(voted | sent), needed, "voted at least once or sent answers"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", 100)))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("LOAD_SECONDS", 120)))
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("LOAD_WORKERS", 2 * (os.cpu_count() or 1))),
                        help="gunicorn sync workers (default: 2 per core, as .env.example's WEB_CONCURRENCY says)")
    parser.add_argument("--db", default="portal_load", help="the PostgreSQL database to drop and create")
    args = parser.parse_args()
    if "load" not in args.db:
        raise Failed(f"refusing to drop {args.db!r}: its name must contain 'load'")
    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="portal-load."))
    WORK.append(work)
    env = environment(args.db, work)
    py = str(BIN / "python")
    accounts = max(120, -(-args.users * 6 // 5))
    say(f"Load run: {args.users} service users for {args.seconds} s (spawn {args.spawn_rate:g}/s) against gunicorn "
        f"({args.workers} sync workers) and a Celery worker, PostgreSQL database {args.db}")
    say(f"machine: {os.cpu_count()} cores, load average {load_average()} (1, 5, 15 min) before the run")
    say(f"logs and locust's CSV: {work}")

    step("services")
    fresh_services(args.db, env)
    step("migrate and collect static files")
    t = time.monotonic()
    run([py, "manage.py", "migrate", "--noinput", "-v", "0"], env, "migrate")
    run([py, "manage.py", "collectstatic", "--noinput", "-v", "0"], env, "collectstatic")
    run([py, "manage.py", "grant_runtime_role", RUNTIME_ROLE], env, "grant_runtime_role")
    runtime_env = dict(env, DATABASE_URL=f"postgres://{RUNTIME_ROLE}@127.0.0.1:5432/{args.db}")
    say(f"done in {time.monotonic() - t:.0f} s")
    step("seed the load world")
    world = work / "world.json"
    run([py, "bench/load/world.py", "seed", "--accounts", str(accounts), "--out", str(world)], env, "seeding")

    step("start gunicorn and a Celery worker")
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    access_file, gunicorn_log = work / "access.log", work / "gunicorn.log"
    gunicorn = start("gunicorn", [
        str(BIN / "gunicorn"), "portal.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
        "--timeout", "60", "--access-logfile", str(access_file), "--error-logfile", str(gunicorn_log),
    ], runtime_env, work / "gunicorn.out")
    worker = start("worker", [
        str(BIN / "celery"), "-A", "portal", "worker", "--loglevel=WARNING", "--concurrency=1",
        "--without-gossip", "--without-mingle", "-n", f"load-{os.getpid()}@%h",
    ], runtime_env, work / "worker.log")
    wait_for_http(host + "/", gunicorn)
    if worker.poll() is not None:
        raise Failed("the Celery worker stopped by itself (see worker.log)")
    say(f"gunicorn on {host} (pid {gunicorn.pid}), worker pid {worker.pid}")

    step(f"locust: {args.users} users for {args.seconds} s")
    prefix = work / "locust"
    outcomes = work / "outcomes.json"
    locust_env = dict(env, LOAD_WORLD=str(world), LOAD_OUTCOMES=str(outcomes))
    t = time.monotonic()
    locust = start("locust", [
        str(BIN / "locust"), "-f", str(ROOT / "bench" / "load" / "locustfile.py"), "--headless",
        "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s", "--host", host,
        "--csv", str(prefix), "--stop-timeout", "60", "--only-summary", "--loglevel", "WARNING",
    ], locust_env, work / "locust.log")
    peak = 0.0
    while locust.poll() is None:
        peak = max(peak, os.getloadavg()[0])
        if gunicorn.poll() is not None:
            raise Failed("gunicorn stopped during the run (see gunicorn.log)")
        time.sleep(2)
    run_seconds = time.monotonic() - t
    say(f"locust finished in {run_seconds:.0f} s (exit {locust.returncode}); "
        f"load average peaked at {peak:.2f}, now {load_average()}")
    STARTED.remove(("locust", locust))
    worker_alive = worker.poll() is None
    # Let the worker run everything the requests queued before it is stopped (reconcile checks the outbox).
    run([py, "bench/load/world.py", "outbox-wait", "--seconds", "60"], env, "waiting for the outbox")
    worker_alive = worker_alive and worker.poll() is None
    receipts_checked = subprocess.run(
        [py, "bench/load/world.py", "close-and-check", "--world", str(world), "--outcomes", str(outcomes),
         "--host", host], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
    ).returncode == 0 if outcomes.exists() else False
    stop_all()
    leaked = codes_in_logs(work, outcomes)
    say(f"Receipt codes in gunicorn's access and error logs and the worker's log: {len(leaked)}")
    for line in leaked[:5]:
        say(f"  {line}")

    rows = stats_rows(prefix)
    total = print_stats(rows)
    result = json.loads(outcomes.read_text()) if outcomes.exists() else {}
    locust_5xx = sum(result.get("server_errors", {}).values())
    connection = sum(result.get("connection_errors", {}).values())
    unexpected = result.get("unexpected", {})
    classes, log_5xx, millis = access_log(access_file)
    timeouts = gunicorn_log.read_text(errors="replace").count("WORKER TIMEOUT") if gunicorn_log.exists() else 0
    failures = int(total.get("Failure Count", 0) or 0)
    say(f"\nServer errors (5xx): {locust_5xx} seen by locust, {sum(log_5xx.values())} in gunicorn's access log"
        f" ({', '.join(f'{k} {v}' for k, v in sorted(classes.items()))})")
    for path, n in log_5xx.most_common():
        say(f"  {n} x {path}")
    say(f"Connection errors: {connection}; gunicorn worker timeouts: {timeouts}; "
        f"Celery worker {'ran throughout' if worker_alive else 'STOPPED during the run'}")
    if unexpected:
        say("Unexpected answers: " + ", ".join(f"{k} {v}" for k, v in unexpected.items()))
    people = result.get("people", 0)
    signed_in, voted, sent = (set(result.get(key, [])) for key in ("signed_in", "voted", "answers_sent"))
    journeys = result.get("journeys_done", 0)
    progress, needed, what = progress_check(args.seconds, min(args.users, accounts), voted, sent, journeys)
    say(f"People: {people}; signed in {len(signed_in)}, voted at least once {len(voted)}, sent answers {len(sent)}, "
        f"both {len(voted & sent)}, finished the journey (answered, voted in every ballot) {journeys}")
    say(f"Progress needed for a {args.seconds} s run: {what} >= {needed}; got {progress}")
    if total:
        say(f"Throughput: {float(total['Requests/s']):.1f} requests/s over the run")
    if millis:
        say(f"Time inside gunicorn's workers (without the wait for a free worker): median "
            f"{percentile(millis, 0.5)} ms, p95 {percentile(millis, 0.95)} ms, p99 {percentile(millis, 0.99)} ms")

    reconciled = subprocess.run(
        [py, "bench/load/world.py", "reconcile", "--world", str(world), "--outcomes", str(outcomes)],
        cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
    ).returncode == 0 if outcomes.exists() else False

    by_name = {row["Name"]: row for row in rows}
    p95 = ", ".join(
        f"{name} {float(by_name[name]['95%']):.0f}"
        for name in ("sign-in [POST]", "question [POST]", "send answers [POST]", "send vote [POST]", "Aggregated")
        if name in by_name and by_name[name]["95%"] not in ("", "N/A")
    )
    say(f"\np95 (ms): {p95}")
    problems = []
    if locust_5xx or log_5xx:
        problems.append("server errors")
    if connection:
        problems.append("connection errors")
    if failures:
        problems.append(f"{failures} failed requests")
    if unexpected:
        problems.append(f"{sum(unexpected.values())} unexpected answers")
    if progress < needed:
        problems.append(f"too few people got far enough ({what}: {progress} < {needed})")
    if not worker_alive:
        problems.append("the Celery worker stopped")
    if not reconciled:
        problems.append("the database does not match what was accepted")
    if not receipts_checked:
        problems.append("a receipt code shown was not found after close")
    if leaked:
        problems.append(f"{len(leaked)} log lines hold a receipt code")
    say(f"wall time {time.monotonic() - began:.0f} s; logs and CSV kept in {work}")
    if problems:
        say("load run: FAILED: " + "; ".join(problems))
        return 1
    say("load run: passed (0 server errors, the database matches what was accepted)")
    return 0


def _terminate(signum, _frame):
    say(f"\nload run: stopped by signal {signum}; stopping what it started")
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    # Ctrl+C stops the run even when a shell started it in the background with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        status = main()
    except Failed as error:
        stop_all()
        for log in sorted(WORK[0].glob("*.log")) if WORK else []:
            say(f"----- last lines of {log.name}")
            say("\n".join(log.read_text(errors="replace").splitlines()[-30:]))
        say(f"load run: FAILED: {error}")
        status = 1
    except KeyboardInterrupt:
        say("\nload run: interrupted")
        status = 130
    finally:
        stop_all()
    sys.exit(status)
