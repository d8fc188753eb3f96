"""The audit ledger's long job: a check of the whole chain, with progress, as a small JSON report."""

import json
import logging
from datetime import timedelta

from django.utils import timezone

from portal.jobs.long_jobs import JobFile, long_job
from portal.jobs.models import LongJob

from .selectors import audit_verify

logger = logging.getLogger(__name__)

VERIFY_JOB = "audit.verify"


@long_job(VERIFY_JOB, label="Check of the audit ledger", keep=timedelta(days=7))
def verify_ledger(*, job, progress):
    """Walk the whole chain (in chunks, memory flat) and report what `verify_audit` would print.

    Progress is written only when the whole per cent changes, so a million events cost about a
    hundred small updates, not five hundred.
    """
    shown = {"percent": -1}

    def on_chunk(checked: int, total: int) -> None:
        percent = min(99, checked * 100 // total) if total else 99
        if percent != shown["percent"]:
            shown["percent"] = percent
            progress(percent, f"Checked {checked:,} of {total:,} events")

    started = timezone.now()
    result = audit_verify(progress=on_chunk)
    report = {
        "ok": result.ok,
        "count": result.count,
        "head_hash": result.head_hash,
        "first_bad_id": result.first_bad_id,
        "reason": result.reason,
        "started_at": started.isoformat(),
        "finished_at": timezone.now().isoformat(),
    }
    stamp = f"{timezone.localtime(started):%Y-%m-%d-%H%M}"
    content = json.dumps(report, indent=2).encode()
    return JobFile(name=f"audit-check-{stamp}.json", content_type="application/json", content=content)


def verify_report(job: LongJob) -> dict | None:
    """The finished check's report, or None while it runs, after it failed, or once its file expired."""
    if job.status != LongJob.Status.DONE or not job.result:
        return None
    try:
        with job.result.open("rb") as file:
            return json.loads(file.read())
    except (OSError, ValueError):
        logger.warning("The report of audit check %s could not be read.", job.pk)
        return None
