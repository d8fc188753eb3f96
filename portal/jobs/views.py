"""The person who started a long job watches its progress here and downloads the file when it is ready."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control

from .long_jobs import kind_of
from .models import LongJob


def _private(response):
    patch_cache_control(response, private=True, no_store=True)
    return response


def _mine(request, pk) -> LongJob:
    # Someone else's job is "not found", not "forbidden": its existence is nobody else's business.
    return get_object_or_404(LongJob, pk=pk, started_by=request.user)


def _label(job: LongJob) -> str:
    kind = kind_of(job)
    return kind.label if kind else "File"


@login_required
def job_list(request):
    jobs = [(job, _label(job)) for job in LongJob.objects.filter(started_by=request.user)[:20]]
    return _private(TemplateResponse(request, "jobs/list.html", {"jobs": jobs}))


@login_required
def job_status(request, pk):
    """Progress while the job runs; once done, its file (or, for kinds that have one, the page that says
    what it found)."""
    job = _mine(request, pk)
    kind = kind_of(job)
    if job.status == LongJob.Status.DONE and kind and kind.result_url:
        return redirect(kind.result_url(job))
    return _private(TemplateResponse(request, "jobs/status.html", {"job": job, "label": _label(job)}))


@login_required
def job_progress(request, pk):
    """What the status page's script polls: status, per cent and what it is doing."""
    job = _mine(request, pk)
    return _private(JsonResponse({
        "status": job.status, "status_label": job.get_status_display(), "progress": job.progress, "note": job.note,
        "error": job.error,
    }))


@login_required
def job_download(request, pk):
    job = _mine(request, pk)
    if job.status == LongJob.Status.EXPIRED:
        return _private(TemplateResponse(request, "jobs/expired.html", {"job": job, "label": _label(job)}, status=410))
    if job.status != LongJob.Status.DONE or not job.result:
        raise Http404("This file is not ready.")
    response = FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result_name,
                            content_type=job.content_type or "application/octet-stream")
    return _private(response)
