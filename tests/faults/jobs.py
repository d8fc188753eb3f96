"""Slow jobs for the fault tests, imported by the test process and by the worker (`--include`).

Each writes "started <pid>" to a log in FAULTS_DIR when it begins, then waits (reporting progress,
so its claim stays fresh) until the test creates the `release` file, then writes "finished <pid>".
The test kills the process between the two lines and counts them afterwards.
"""

import os
import time
from pathlib import Path

from portal.jobs.long_jobs import JobFile, long_job
from portal.jobs.registry import job

WAIT_LIMIT_SECONDS = 60


def faults_dir() -> Path:
    return Path(os.environ["FAULTS_DIR"])


def _log(name: str, line: str) -> None:
    with (faults_dir() / name).open("a") as log:
        log.write(f"{line} {os.getpid()}\n")


def _wait_for_release(beat=None) -> None:
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while not (faults_dir() / "release").exists():
        if time.monotonic() > deadline:
            raise TimeoutError("The fault test never released the job.")
        if beat is not None:
            beat()
        time.sleep(0.1)


@long_job("faults.slow_file", label="Slow file (fault tests)")
def slow_file(*, job, progress):
    _log("long_job.log", "started")
    _wait_for_release(lambda: progress(50, "Waiting"))
    _log("long_job.log", "finished")
    return JobFile(name="slow.txt", content_type="text/plain", content=f"made for {job.params['label']}".encode())


@job("faults.slow_handler")
def slow_handler(*, number: int) -> None:
    _log("outbox.log", f"started {number}")
    _wait_for_release()
    _log("outbox.log", f"finished {number}")
