"""The audit ledger's background work: a check of the whole chain (a long job, with progress and a
small JSON report), and sending each new checkpoint to the trustees (outbox jobs), so that copies of it
are kept where nobody who can reach the database can change them.
"""

import json
import logging
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from portal.accounts import roles
from portal.dates import gov_date
from portal.emails import site_link
from portal.jobs.long_jobs import JobFile, long_job
from portal.jobs.models import LongJob
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue

from .models import AuditEvent
from .selectors import CHECKPOINT_ACTION, audit_verify, checkpoint_file

logger = logging.getLogger(__name__)

VERIFY_JOB = "audit.verify"


def verdict_url(job: LongJob) -> str:
    return reverse("audit:verify-result", args=[job.pk])


@long_job(VERIFY_JOB, label="Check of the audit ledger", keep=timedelta(days=7), result_url=verdict_url)
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
        "checkpoints_checked": result.checkpoints_checked,
        "last_checkpoint_at": result.last_checkpoint_at.isoformat() if result.last_checkpoint_at else None,
        "head_at": result.head_at.isoformat() if result.head_at else None,
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


def checkpoint_sent_enqueue(event: AuditEvent) -> None:
    """In the checkpoint's own transaction: queue sending it to the trustees, once per checkpoint."""
    outbox_enqueue(job="audit.send_checkpoint", payload={"checkpoint_id": event.pk},
                   idempotency_key=f"audit-checkpoint-{event.pk}")


def trustees():
    return get_user_model().objects.filter(is_active=True, groups__name=roles.TRUSTEES).distinct()


@job("audit.send_checkpoint")
def send_checkpoint(*, checkpoint_id: int) -> None:
    """Fan out one email per active trustee (each keyed, so a repeat run adds none). Trustees get it
    whatever their contact preference: keeping a copy is part of their duty, not news."""
    for user_id in trustees().order_by("pk").values_list("pk", flat=True):
        outbox_enqueue(job="audit.send_checkpoint_email", payload={"checkpoint_id": checkpoint_id, "user_id": user_id},
                       idempotency_key=f"audit-checkpoint-{checkpoint_id}-{user_id}")


@job("audit.send_checkpoint_email")
def send_checkpoint_email(*, checkpoint_id: int, user_id: int) -> None:
    """One trustee's copy of a signed checkpoint, as an attached file, with what it is for."""
    event = AuditEvent.objects.filter(pk=checkpoint_id, action=CHECKPOINT_ACTION).first()
    trustee = trustees().filter(pk=user_id).first()
    if event is None or trustee is None:
        return
    saved = checkpoint_file(event)
    body = (
        f"Dear {trustee.display_name or 'trustee'},\n\n"
        f"A new checkpoint of the portal's audit ledger was taken on {gov_date(event.occurred_at)}: "
        f"{saved['count']} events, ending in the head hash\n{saved['head_hash']}\n\n"
        "Please keep the attached file (for example in your own email or files). It is signed by the portal. "
        "If anyone ever rewrote the ledger, checking it against your copy would show it:\n"
        "python manage.py verify_audit --checkpoint-file audit-checkpoint.json\n\n"
        f"How checking works: {site_link(reverse('audit:transparency'))}\n"
    )
    message = EmailMessage(subject=f"Audit checkpoint to keep: {saved['count']} events", body=body, to=[trustee.email])
    message.attach(f"audit-checkpoint-{saved['count']}.json", json.dumps(saved, indent=1), "application/json")
    message.send()
