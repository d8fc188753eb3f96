"""Long jobs for data rights: "My data", the person's own download (portal.jobs runs it, with progress)."""

from datetime import timedelta

from django.utils import timezone

from portal.jobs.long_jobs import JobFile, long_job

from .selectors import person_data_json

MY_DATA_JOB = "privacy.my_data"


@long_job(MY_DATA_JOB, label="Your data", keep=timedelta(days=1))
def my_data(*, job, progress) -> JobFile:
    """Everything held about the person who started the job, as one JSON file, kept for a day.

    It is built when it runs (not when it was asked for), so it is up to date; the file is private to
    that person and deleted by the long-jobs tick when it expires.
    """
    progress(10, "Collecting everything we hold about you")
    content = person_data_json(person=job.started_by)
    progress(90, "Writing the file")
    return JobFile(name=f"my-data-{timezone.localdate():%Y-%m-%d}.json", content_type="application/json", content=content)
