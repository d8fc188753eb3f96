"""Long jobs: started by a person, run once in the background with progress, downloadable, then expired."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.jobs import long_jobs
from portal.jobs.long_jobs import JobFile, long_job, long_job_run, long_job_start, long_jobs_tick
from portal.jobs.models import LongJob

pytestmark = pytest.mark.django_db

SEEN: list[int] = []


@long_job("tests.count_to_three", label="Counting file")
def count_to_three(*, job, progress):
    for n in range(3):
        progress(n * 33, f"Counting {n + 1}")
        SEEN.append(LongJob.objects.get(pk=job.pk).progress)
    return JobFile(name="count.txt", content_type="text/plain", content=f"1 2 3 for {job.params['who']}".encode())


@long_job("tests.breaks", label="Broken file")
def breaks(*, job, progress):
    raise RuntimeError("secret detail that must not reach the person")


@pytest.fixture
def person(client, user_factory, home_page):
    someone = user_factory()
    client.force_login(someone)
    return someone


def test_a_job_runs_with_visible_progress_and_its_file_downloads(client, person):
    SEEN.clear()
    job = long_job_start(kind="tests.count_to_three", user=person, params={"who": "me"})
    # The embedded default runs it on commit; in a test the transaction never commits, so run it here.
    assert long_job_run(job_id=job.pk) == "done"
    assert SEEN == [0, 33, 66]  # each progress call was visible outside the job at once
    job.refresh_from_db()
    assert job.status == LongJob.Status.DONE and job.progress == 100 and job.expires_at > timezone.now()
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Your file is ready" in page and "count.txt" in page
    reply = client.get(f"/jobs/{job.pk}/download/")
    assert reply.status_code == 200 and b"".join(reply.streaming_content) == b"1 2 3 for me"
    assert "no-store" in reply["Cache-Control"] and "attachment" in reply["Content-Disposition"]
    assert client.get(f"/jobs/{job.pk}/progress/").json()["status"] == "done"
    assert "Counting file" in client.get("/jobs/").content.decode()


def test_a_job_runs_once_however_often_it_is_delivered(person):
    job = long_job_start(kind="tests.count_to_three", user=person, params={"who": "me"})
    assert long_job_run(job_id=job.pk) == "done"
    assert long_job_run(job_id=job.pk) == "skipped"


def test_a_failure_is_logged_for_us_and_plain_for_the_person(client, person, caplog):
    job = long_job_start(kind="tests.breaks", user=person)
    assert long_job_run(job_id=job.pk) == "failed"
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert long_jobs.FAILED_MESSAGE in page and "secret detail" not in page
    assert "secret detail" in caplog.text  # the traceback reaches the logs


def test_someone_elses_job_is_not_found(client, person, user_factory):
    job = long_job_start(kind="tests.count_to_three", user=user_factory(), params={"who": "them"})
    long_job_run(job_id=job.pk)
    for url in ("", "progress/", "download/"):
        assert client.get(f"/jobs/{job.pk}/{url}").status_code == 404


def test_files_expire_and_the_person_is_told_plainly(client, person):
    job = long_job_start(kind="tests.count_to_three", user=person, params={"who": "me"})
    long_job_run(job_id=job.pk)
    job.refresh_from_db()
    path = job.result.path
    result = long_jobs_tick(now=job.expires_at + timedelta(seconds=1))
    assert result["expired"] == 1
    job.refresh_from_db()
    assert job.status == LongJob.Status.EXPIRED and not job.result
    import os

    assert not os.path.exists(path)
    reply = client.get(f"/jobs/{job.pk}/download/")
    assert reply.status_code == 410 and "This download has expired" in reply.content.decode()


def test_the_tick_resends_a_job_the_broker_lost_and_a_worker_that_died(person):
    job = long_job_start(kind="tests.count_to_three", user=person, params={"who": "me"})
    LongJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert long_jobs_tick()["resent"] == 1  # eager mode: resending runs it
    job.refresh_from_db()
    assert job.status == LongJob.Status.DONE

    stuck = long_job_start(kind="tests.count_to_three", user=person, params={"who": "me"})
    LongJob.objects.filter(pk=stuck.pk).update(
        status=LongJob.Status.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(minutes=11),
        dispatched_at=timezone.now(),
    )
    long_jobs_tick()
    stuck.refresh_from_db()
    assert stuck.status == LongJob.Status.DONE and stuck.attempts == 2


def test_anonymous_people_are_sent_to_sign_in(client, home_page):
    assert client.get("/jobs/").status_code == 302
