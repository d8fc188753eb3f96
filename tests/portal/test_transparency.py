"""The public transparency page, the monthly checkpoint, and recording the minutes that quote one."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from governance.minutes import minutes_approve, minutes_circulate
from governance.models import Body, Decision, Meeting, MinutesIndexPage, MinutesPage
from portal.accounts import roles
from portal.audit import signing
from portal.audit.models import AuditEvent, CheckpointPublication
from portal.audit.selectors import CHECKPOINT_ACTION
from portal.audit.services import audit_checkpoint, audit_record, checkpoint_publication_record
from portal.audit.tasks import monthly_checkpoint
from portal.home.models import SiteSettings, StandardPage
from portal.home.page_cache import page_cache_clear

pytestmark = pytest.mark.django_db

URL = "/transparency/"
PUBLIC_QUERY_BUDGET = 12


def _events(count: int) -> None:
    for n in range(count):
        audit_record(actor=None, action="test.event", target=("tests.thing", n), data={"n": n})


@pytest.fixture
def checkpoint(home_page):
    _events(3)
    return audit_checkpoint()


@pytest.fixture
def secretary(user_factory, home_page):
    return user_factory(roles=[roles.SECRETARIES])


def _minutes(home_page, secretary, public: str, confidential: str = "Nothing to add.") -> MinutesPage:
    """Minutes of a meeting, approved by a later meeting's decision: published and locked."""
    body = Body.objects.create(name="Board", slug="board", code="TB")
    held = timezone.now() - timedelta(days=30)
    meeting = Meeting.objects.create(body=body, title="March board", status=Meeting.Status.HELD, starts_at=held)
    later = Meeting.objects.create(body=body, title="April board", status=Meeting.Status.HELD,
                                   starts_at=timezone.now() - timedelta(days=2))
    index = MinutesIndexPage.objects.first() or home_page.add_child(
        instance=MinutesIndexPage(title="Minutes", slug="minutes")
    )
    page = MinutesPage(
        title="Minutes: Board, March", slug="board-march", meeting=meeting, live=False,
        easy_read_summary="<p>We met.</p>",
        sections=[
            {"type": "section", "value": {"heading": "Audit", "text": f"<p>{public}</p>", "confidential": False}},
            {"type": "section", "value": {"heading": "Private", "text": f"<p>{confidential}</p>", "confidential": True}},
        ],
    )
    index.add_child(instance=page)
    page.save_revision()
    minutes_circulate(minutes=page, user=secretary)
    decision = Decision.objects.create(body=body, meeting=later, reference="TB-2026-001", title="Approve minutes",
                                       text="A true record.", outcome=Decision.Outcome.CARRIED)
    return minutes_approve(minutes=page, by_decision=decision, user=secretary)


def _standard_page(home_page, summary: str, live: bool = True) -> StandardPage:
    page = StandardPage(title="Annual report", slug=f"report-{StandardPage.objects.count()}", summary=summary)
    home_page.add_child(instance=page)
    if live:
        page.save_revision().publish()
    else:
        page.live = False
        page.save()
    return page


# --- the public page --------------------------------------------------------------------------------


def test_transparency_page_shows_each_checkpoints_hash_count_date_and_the_approved_minutes_quoting_it(
    client, checkpoint, secretary, home_page
):
    head = checkpoint.data["head_hash"]
    minutes = _minutes(home_page, secretary, public=f"The audit checkpoint head hash is {head}.")
    checkpoint_publication_record(checkpoint=checkpoint, page=minutes, user=secretary)

    page = client.get(URL).content.decode()

    assert head in page
    assert ">3<" in page  # the events before the checkpoint
    assert timezone.localtime(checkpoint.occurred_at).strftime("%-d %B %Y") in page
    assert "Minutes: Board, March" in page and minutes.url in page


def test_a_checkpoint_not_yet_in_minutes_says_so(client, checkpoint):
    page = client.get(URL).content.decode()

    assert checkpoint.data["head_hash"] in page
    assert "Not in approved minutes yet" in page


def test_transparency_page_explains_the_chain_and_how_to_check_in_plain_words(client, home_page):
    page = client.get(URL).content.decode()

    assert "No checkpoints have been published yet" in page
    assert "chain" in page and "head hash" in page
    assert "python manage.py verify_audit --checkpoint-file" in page and "verify_export.py" in page
    assert "The audit ledger is intact" in page


def test_only_the_newest_twelve_checkpoints_are_listed_newest_first(client, home_page):
    made = []
    for _ in range(14):
        _events(1)
        made.append(audit_checkpoint())

    page = client.get(URL).content.decode()

    shown = [c for c in made if c.data["head_hash"] in page]
    assert shown == made[2:]
    assert page.index(made[-1].data["head_hash"]) < page.index(made[2].data["head_hash"])


def test_the_public_page_needs_no_sign_in_and_can_be_shared_by_caches(client, checkpoint):
    reply = client.get(URL)

    assert reply.status_code == 200
    assert "private" not in reply.get("Cache-Control", "") and "no-store" not in reply.get("Cache-Control", "")
    assert "csrfmiddlewaretoken" not in reply.content.decode()


def test_anonymous_visitors_are_served_from_the_page_cache_until_a_new_checkpoint(
    client, checkpoint, settings, home_page, django_capture_on_commit_callbacks
):
    SiteSettings.for_site(home_page.get_site())  # created on first use, which clears the cache
    cache.clear()
    settings.PAGE_CACHE_SECONDS = 300
    client.get(URL)
    with CaptureQueriesContext(connection) as queries:
        assert checkpoint.data["head_hash"] in client.get(URL).content.decode()
    assert len(queries) == 0

    _events(1)
    with django_capture_on_commit_callbacks(execute=True):
        newer = audit_checkpoint()

    assert newer.data["head_hash"] in client.get(URL).content.decode()


def test_query_count_is_within_budget_and_does_not_grow_with_checkpoints(client, secretary, home_page):
    def count_queries() -> tuple[int, int]:
        """Queries once warm, and for the first request after a change (nothing kept can be used)."""
        counts = []
        for cold in (False, True):
            client.get(URL)  # warms the per-process caches (content types, site roots, menu links)
            if cold:
                page_cache_clear()
            with CaptureQueriesContext(connection) as queries:
                assert client.get(URL).status_code == 200
            counts.append(len(queries))
        return counts[0], counts[1]

    _events(1)
    first = audit_checkpoint()
    checkpoint_publication_record(
        checkpoint=first, page=_standard_page(home_page, first.data["head_hash"]), user=secretary
    )
    few = count_queries()
    for _ in range(8):
        _events(2)
        event = audit_checkpoint()
        checkpoint_publication_record(
            checkpoint=event, page=_standard_page(home_page, event.data["head_hash"]), user=secretary
        )

    assert count_queries() == few and max(few) <= PUBLIC_QUERY_BUDGET


def test_unpublishing_the_minutes_that_quote_a_checkpoint_shows_at_once(client, checkpoint, secretary, home_page):
    head = checkpoint.data["head_hash"]
    minutes = _minutes(home_page, secretary, public=f"The audit checkpoint head hash is {head}.")
    checkpoint_publication_record(checkpoint=checkpoint, page=minutes, user=secretary)
    assert minutes.url in client.get(URL).content.decode()
    assert minutes.url in client.get(URL).content.decode()  # kept
    url = minutes.url
    minutes.unpublish()
    assert url not in client.get(URL).content.decode()


@pytest.mark.parametrize(
    "query",
    ["?page=99999999999", "?page=-1", "?page=abc", "?q=%00", "?checkpoint=' OR 1=1 --", "?" + "x=1&" * 200,
     "?date_from=31/2/2026"],
)
def test_odd_query_strings_never_cause_a_server_error(client, checkpoint, query):
    reply = client.get(URL + query)

    assert reply.status_code == 200
    assert checkpoint.data["head_hash"] in reply.content.decode()


def test_only_get_and_head_are_answered(client, home_page):
    assert client.post(URL).status_code == 405
    assert client.head(URL).status_code == 200


# --- the monthly checkpoint ---------------------------------------------------------------------------


def test_monthly_task_records_one_checkpoint_a_month_however_often_it_runs(home_page):
    _events(2)

    first = monthly_checkpoint.apply().get()
    again = monthly_checkpoint.apply().get()
    _events(1)
    third = monthly_checkpoint.apply().get()

    checkpoints = list(AuditEvent.objects.filter(action=CHECKPOINT_ACTION))
    assert first == again == third == checkpoints[0].pk
    assert len(checkpoints) == 1
    head = AuditEvent.objects.get(pk=first - 1).hash
    assert checkpoints[0].data == {
        "head_hash": head, "count": 2, "period": f"{timezone.localdate():%Y-%m}",
        "key": signing.public_key(), "signature": signing.sign(2, head),
    }
    assert checkpoints[0].actor_key == ""  # recorded as the system's own act


def test_next_month_the_task_records_a_new_checkpoint(home_page, monkeypatch):
    _events(1)
    monthly_checkpoint.apply()
    next_month = (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args: next_month)

    monthly_checkpoint.apply()

    periods = [e.data["period"] for e in AuditEvent.objects.filter(action=CHECKPOINT_ACTION)]
    assert periods == [f"{next_month - timedelta(days=1):%Y-%m}", f"{next_month:%Y-%m}"]


def test_a_manual_checkpoint_does_not_stop_the_monthly_one(home_page):
    _events(1)
    audit_checkpoint()

    monthly_checkpoint.apply()

    assert AuditEvent.objects.filter(action=CHECKPOINT_ACTION).count() == 2


def test_monthly_task_is_scheduled_by_beat_on_the_first_of_each_month(settings):
    from portal.celery import app

    [entry] = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == monthly_checkpoint.name]
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1} and len(schedule.month_of_year) == 12
    assert len(schedule.hour) == 1 and len(schedule.minute) == 1
    assert monthly_checkpoint.name in app.tasks


def test_monthly_task_refuses_a_broken_chain_and_says_so_in_the_ledger(home_page, caplog, ledger_rows_editable):
    _events(3)
    bad = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=bad.pk).update(data={"n": 99})

    assert monthly_checkpoint.apply().get() is None

    assert not AuditEvent.objects.filter(action=CHECKPOINT_ACTION).exists()
    refusal = AuditEvent.objects.get(action="audit.checkpoint_refused")
    assert refusal.data == {"period": f"{timezone.localdate():%Y-%m}", "first_bad_id": bad.pk}
    assert "refused" in caplog.text


# --- where a checkpoint was published -----------------------------------------------------------------


def test_recording_checks_the_minutes_really_quote_the_hash_and_writes_it_to_the_ledger(
    checkpoint, secretary, home_page
):
    head = checkpoint.data["head_hash"]
    grouped = " ".join(head[i:i + 8] for i in range(0, 64, 8)).upper()
    minutes = _minutes(home_page, secretary, public=f"Checkpoint head hash: {grouped}")

    publication = checkpoint_publication_record(checkpoint=checkpoint, page=minutes, user=secretary)
    again = checkpoint_publication_record(checkpoint=checkpoint, page=minutes, user=secretary)

    assert again == publication and CheckpointPublication.objects.count() == 1
    [event] = AuditEvent.objects.filter(action="audit.checkpoint_published")
    assert (event.target_type, event.target_id) == ("governance.minutespage", str(minutes.pk))
    assert event.data == {"checkpoint": checkpoint.pk, "head_hash": head}


def test_minutes_that_quote_the_hash_only_in_a_confidential_section_are_refused(checkpoint, secretary, home_page):
    minutes = _minutes(home_page, secretary, public="Nothing about audit.", confidential=checkpoint.data["head_hash"])

    with pytest.raises(ValueError, match="does not contain the head hash"):
        checkpoint_publication_record(checkpoint=checkpoint, page=minutes, user=secretary)
    assert not CheckpointPublication.objects.exists()


def test_part_of_a_hash_is_not_enough(checkpoint, secretary, home_page):
    page = _standard_page(home_page, checkpoint.data["head_hash"][:60])

    with pytest.raises(ValueError):
        checkpoint_publication_record(checkpoint=checkpoint, page=page, user=secretary)


def test_an_unpublished_page_is_refused(checkpoint, secretary, home_page):
    page = _standard_page(home_page, checkpoint.data["head_hash"], live=False)

    with pytest.raises(ValueError, match="not published"):
        checkpoint_publication_record(checkpoint=checkpoint, page=page, user=secretary)


def test_an_event_that_is_not_a_checkpoint_is_refused(checkpoint, secretary, home_page):
    other = AuditEvent.objects.exclude(action=CHECKPOINT_ACTION).first()
    page = _standard_page(home_page, other.hash)

    with pytest.raises(ValueError, match="not a checkpoint"):
        checkpoint_publication_record(checkpoint=other, page=page, user=secretary)


@pytest.mark.parametrize("role", [roles.TRUSTEES, roles.EDITORS, roles.SERVICE_USERS])
def test_only_people_who_see_the_ledger_and_edit_the_page_may_record(checkpoint, user_factory, home_page, role):
    page = _standard_page(home_page, checkpoint.data["head_hash"])

    with pytest.raises(PermissionDenied):
        checkpoint_publication_record(checkpoint=checkpoint, page=page, user=user_factory(roles=[role]))


def test_an_unpublished_page_drops_off_the_transparency_page(client, checkpoint, secretary, home_page):
    page = _standard_page(home_page, checkpoint.data["head_hash"])
    checkpoint_publication_record(checkpoint=checkpoint, page=page, user=secretary)
    assert "Annual report" in client.get(URL).content.decode()

    page.unpublish()

    assert "Annual report" not in client.get(URL).content.decode()


def test_secretary_records_a_publication_in_the_admin(client, checkpoint, secretary, home_page):
    page = _standard_page(home_page, f"Head hash {checkpoint.data['head_hash']}")
    client.force_login(secretary)
    url = reverse("audit_checkpoint_publications")

    assert client.get(url).status_code == 200
    reply = client.post(url, {"checkpoint": checkpoint.pk, "page": page.pk})

    assert reply.status_code == 302
    assert CheckpointPublication.objects.filter(checkpoint=checkpoint, page=page).exists()


def test_the_admin_form_explains_a_page_without_the_hash(client, checkpoint, secretary, home_page):
    page = _standard_page(home_page, "No hash here")
    client.force_login(secretary)

    reply = client.post(reverse("audit_checkpoint_publications"), {"checkpoint": checkpoint.pk, "page": page.pk})

    assert reply.status_code == 200
    assert "does not contain the head hash" in reply.content.decode()
    assert not CheckpointPublication.objects.exists()


@pytest.mark.parametrize("role", [roles.TRUSTEES, roles.ANALYSTS, roles.EDITORS])
def test_other_roles_cannot_open_the_admin_recording_screen(client, user_factory, home_page, role):
    client.force_login(user_factory(roles=[role]))

    assert client.get(reverse("audit_checkpoint_publications")).status_code in (302, 403)


# --- checking against a published head -----------------------------------------------------------------


def test_verify_audit_accepts_the_head_as_copied_from_the_page_in_groups(checkpoint):
    head = checkpoint.data["head_hash"]
    grouped = " ".join(head[i:i + 8] for i in range(0, 64, 8)).upper()
    out = StringIO()

    call_command("verify_audit", "--head", grouped, stdout=out)

    assert "intact" in out.getvalue()


def test_verify_audit_head_fails_for_a_hash_not_in_the_chain(checkpoint):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="published checkpoint"):
        call_command("verify_audit", "--head", "ab" * 32)


def test_demo_seed_records_one_checkpoint_however_often_it_runs(home_page):
    from portal.audit import demo

    demo.seed()
    demo.seed()

    [event] = AuditEvent.objects.filter(action=CHECKPOINT_ACTION)
    assert event.data["period"] == f"{timezone.localdate():%Y-%m}"


def test_each_signed_checkpoint_can_be_downloaded_and_verifies_the_ledger(client, home_page, tmp_path):
    import json

    from django.core.management import call_command

    _events(3)
    checkpoint = audit_checkpoint()
    page = client.get(URL).content.decode()
    assert signing.public_key() in page
    download = client.get(reverse("audit:checkpoint-file", args=[checkpoint.pk]))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    saved = json.loads(download.content)
    assert saved["count"] == 3 and saved["public_key"] == signing.public_key() and saved["signature"]
    path = tmp_path / "kept.json"
    path.write_text(download.content.decode())
    out = StringIO()
    call_command("verify_audit", "--checkpoint-file", str(path), stdout=out)
    assert "The audit ledger is intact: 4 events" in out.getvalue()


def test_each_new_checkpoint_is_emailed_to_every_trustee_as_a_signed_file(
    home_page, user_factory, mailoutbox, django_capture_on_commit_callbacks, tmp_path
):
    import json

    trustees = [user_factory(roles=[roles.TRUSTEES]) for _ in range(2)]
    user_factory(roles=[roles.SERVICE_USERS])  # not a trustee: not sent
    user_factory(roles=[roles.TRUSTEES], is_active=False)  # switched off: not sent
    _events(2)
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = audit_checkpoint()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(t.email for t in trustees)
    name, content, kind = mailoutbox[0].attachments[0]
    saved = json.loads(content)
    assert kind == "application/json" and saved["count"] == 2 and saved["signature"] == checkpoint.data["signature"]
    assert checkpoint.data["head_hash"] in mailoutbox[0].body
    path = tmp_path / name
    path.write_text(content)
    out = StringIO()
    call_command("verify_audit", "--checkpoint-file", str(path), stdout=out)
    assert "intact" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        assert audit_checkpoint(period="") != checkpoint  # a second checkpoint: sent once more, the first not again
    assert len(mailoutbox) == 4
