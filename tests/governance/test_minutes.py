"""Minutes through their life cycle, the approval rules, and locked meaning locked (admin, revision
publish, service layer), with the ledger still verifying and the PDF carrying the ledger's hash."""

import io
from datetime import timedelta

import pypdf
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Revision
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from governance.minutes import (
    MinutesRefused,
    minutes_approve,
    minutes_circulate,
    minutes_lock,
    minutes_update,
)
from governance.models import (
    Body,
    Decision,
    Meeting,
    Membership,
    MinutesIndexPage,
    MinutesLocked,
    MinutesNotApproved,
    MinutesPage,
)
from portal.accounts import roles
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

SECRET = "The landlord has offered a rent cut"
PUBLIC = "We agreed to open on Saturdays"


# --- small builders (tests/governance/factories.py may replace these) -------------------------------

def make_body(code="TB", chair_may_approve_minutes=False) -> Body:
    return Body.objects.create(name=f"Body {code}", slug=code.lower(), code=code,
                               chair_may_approve_minutes=chair_may_approve_minutes)


def make_meeting(body, days_ago=30) -> Meeting:
    return Meeting.objects.create(body=body, title=f"Meeting {days_ago} days ago", status=Meeting.Status.HELD,
                                  starts_at=timezone.now() - timedelta(days=days_ago))


def make_decision(body, meeting, outcome=Decision.Outcome.CARRIED) -> Decision:
    number = Decision.objects.count() + 1
    return Decision.objects.create(body=body, meeting=meeting, reference=f"{body.code}-2026-{number:03d}",
                                   title="Approve the minutes", text="The minutes are a true record.",
                                   outcome=outcome)


def sections(secret=SECRET, public=PUBLIC):
    return [
        {"type": "section",
         "value": {"heading": "Opening times", "text": f"<p>{public}</p>", "confidential": False}},
        {"type": "section",
         "value": {"heading": "Lease talks", "text": f"<p>{secret}</p>", "confidential": True}},
    ]


EASY_READ = "<p>We met and talked about opening times.</p>"


def make_minutes(home_page, meeting, easy_read=EASY_READ) -> MinutesPage:
    index = MinutesIndexPage.objects.first() or home_page.add_child(
        instance=MinutesIndexPage(title="Minutes", slug="minutes")
    )
    page = MinutesPage(title=f"Minutes of {meeting.title}", slug=f"minutes-{meeting.pk}", meeting=meeting,
                       easy_read_summary=easy_read, sections=sections(), live=False)
    index.add_child(instance=page)
    page.save_revision()
    return page


def make_member(user_factory, body, role=Membership.Role.TRUSTEE, groups=(roles.TRUSTEES,)):
    person = user_factory(roles=list(groups))
    Membership.objects.create(body=body, person=person, role=role)
    return person


@pytest.fixture
def secretary(user_factory, home_page):
    return user_factory(roles=[roles.SECRETARIES])


@pytest.fixture
def setting(home_page):
    body = make_body()
    meeting = make_meeting(body, days_ago=30)
    later = make_meeting(body, days_ago=2)
    return body, meeting, later, make_minutes(home_page, meeting)


def locked_minutes(setting, secretary):
    body, meeting, later, page = setting
    minutes_circulate(minutes=page, user=secretary)
    decision = make_decision(body, later)
    return minutes_approve(minutes=page, by_decision=decision, user=secretary), decision


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


# --- life cycle and approval rules --------------------------------------------------------------------

def test_circulating_moves_draft_to_circulated_and_records_ids_only(setting, secretary):
    page = minutes_circulate(minutes=setting[3], user=secretary)
    assert page.status == MinutesPage.Status.CIRCULATED and not page.live
    [event] = events("governance.minutes_circulated")
    assert event.data == {"page": page.pk}
    with pytest.raises(MinutesRefused):
        minutes_circulate(minutes=page, user=secretary)


def test_service_users_cannot_circulate_minutes(setting, service_user):
    with pytest.raises(PermissionDenied):
        minutes_circulate(minutes=setting[3], user=service_user)
    assert MinutesPage.objects.get().status == MinutesPage.Status.DRAFT


def test_a_later_meetings_decision_approves_publishes_and_locks_with_the_hash_in_the_ledger(
    setting, secretary
):
    page, decision = locked_minutes(setting, secretary)
    assert page.status == MinutesPage.Status.LOCKED and page.live
    assert page.approved_by_decision == decision and page.approved_at is not None
    assert page.locked_hash == page.content_hash() and len(page.locked_hash) == 64
    [approved] = events("governance.minutes_approved")
    assert approved.data == {"page": page.pk, "decision": decision.pk, "by_chair": False}
    [locked] = events("governance.minutes_locked")
    assert locked.data == {"page": page.pk, "hash": page.locked_hash}


def test_approval_without_locking_leaves_them_approved_until_locked(setting, secretary):
    body, meeting, later, page = setting
    minutes_circulate(minutes=page, user=secretary)
    page = minutes_approve(minutes=page, by_decision=make_decision(body, later), user=secretary, lock=False)
    assert page.status == MinutesPage.Status.APPROVED and page.locked_hash == ""
    # Publishing an older revision never moves the life cycle back.
    page.revisions.order_by("id").first().publish()
    assert MinutesPage.objects.get(pk=page.pk).status == MinutesPage.Status.APPROVED
    assert minutes_lock(minutes=page, user=secretary).status == MinutesPage.Status.LOCKED


@pytest.mark.parametrize("which", ["same meeting", "earlier meeting", "other body", "not carried"])
def test_approval_by_anything_but_a_carried_decision_of_a_later_meeting_of_the_body_is_refused(
    setting, secretary, which
):
    body, meeting, later, page = setting
    minutes_circulate(minutes=page, user=secretary)
    decision = {
        "same meeting": lambda: make_decision(body, meeting),
        "earlier meeting": lambda: make_decision(body, make_meeting(body, days_ago=60)),
        "other body": lambda: make_decision((other := make_body("SUC")), make_meeting(other, days_ago=1)),
        "not carried": lambda: make_decision(body, later, outcome=Decision.Outcome.DEFERRED),
    }[which]()
    with pytest.raises(MinutesRefused):
        minutes_approve(minutes=page, by_decision=decision, user=secretary)
    stored = MinutesPage.objects.get(pk=page.pk)
    assert stored.status == MinutesPage.Status.CIRCULATED and not stored.live
    assert not events("governance.minutes_approved")


def test_the_chair_approves_only_where_the_bodys_rules_allow(setting, secretary, user_factory):
    body, meeting, later, page = setting
    chair = make_member(user_factory, body, role=Membership.Role.CHAIR)
    minutes_circulate(minutes=page, user=secretary)
    with pytest.raises(PermissionDenied):
        minutes_approve(minutes=page, by_chair=chair, user=chair)
    body.chair_may_approve_minutes = True
    body.save()
    trustee = make_member(user_factory, body)
    with pytest.raises(PermissionDenied):
        minutes_approve(minutes=page, by_chair=trustee, user=trustee)
    page = minutes_approve(minutes=page, by_chair=chair, user=chair)
    assert page.status == MinutesPage.Status.LOCKED and page.approved_by_decision is None
    assert events("governance.minutes_approved")[0].data["by_chair"] is True


def test_draft_minutes_cannot_be_approved_before_circulation(setting, secretary):
    body, meeting, later, page = setting
    with pytest.raises(MinutesRefused, match="circulated"):
        minutes_approve(minutes=page, by_decision=make_decision(body, later), user=secretary)


def test_approval_needs_an_easy_read_summary(setting, secretary):
    body, meeting, later, page = setting
    minutes_update(minutes=page, user=secretary, easy_read_summary="")
    minutes_circulate(minutes=page, user=secretary)
    with pytest.raises(MinutesRefused, match="easy read"):
        minutes_approve(minutes=page, by_decision=make_decision(body, later), user=secretary)


def test_the_hash_covers_confidential_sections(setting):
    page = setting[3]
    before = page.content_hash()
    page.sections = sections(secret="Something else entirely")
    assert page.content_hash() != before


# --- locked means locked ------------------------------------------------------------------------------

def test_an_admin_edit_of_locked_minutes_is_refused_with_the_message_and_changes_nothing(
    setting, secretary, client, user_factory
):
    page, _ = locked_minutes(setting, secretary)
    revisions = Revision.objects.count()
    client.force_login(user_factory(roles=[roles.EDITORS]))
    assert MinutesLocked.message in client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    reply = client.post(f"/admin/pages/{page.pk}/edit/", nested_form_data({
        "title": "Rewritten", "slug": page.slug, "meeting": page.meeting_id,
        "easy_read_summary": rich_text("<p>Changed.</p>"),
        "sections": streamfield([("section", {"heading": "New", "text": rich_text("<p>New</p>"),
                                              "confidential": False})]),
        "action-publish": "publish",
    }))
    assert reply.status_code == 200
    assert MinutesLocked.message in reply.content.decode()
    stored = MinutesPage.objects.get(pk=page.pk)
    assert stored.title == page.title and stored.content_hash() == page.locked_hash
    assert Revision.objects.count() == revisions
    call_command("verify_audit")


def test_publishing_any_revision_of_locked_minutes_raises_and_changes_nothing(setting, secretary):
    page, _ = locked_minutes(setting, secretary)
    revisions = Revision.objects.count()
    with pytest.raises(MinutesLocked):
        page.revisions.order_by("id").first().publish()
    with pytest.raises(MinutesLocked):
        page.latest_revision.publish()
    page.title = "Rewritten"
    with pytest.raises(MinutesLocked):
        page.save_revision().publish()
    with pytest.raises(MinutesLocked):
        page.save()
    stored = MinutesPage.objects.get(pk=page.pk)
    assert stored.title != "Rewritten" and stored.content_hash() == stored.locked_hash
    assert Revision.objects.count() == revisions
    call_command("verify_audit")


def test_every_minutes_service_refuses_locked_minutes(setting, secretary):
    page, decision = locked_minutes(setting, secretary)
    ledger = AuditEvent.objects.count()
    for attempt in (
        lambda: minutes_update(minutes=page, user=secretary, title="Rewritten"),
        lambda: minutes_circulate(minutes=page, user=secretary),
        lambda: minutes_approve(minutes=page, by_decision=decision, user=secretary),
        lambda: minutes_lock(minutes=page, user=secretary),
    ):
        with pytest.raises(MinutesLocked):
            attempt()
    assert AuditEvent.objects.count() == ledger
    assert MinutesPage.objects.get(pk=page.pk).content_hash() == page.locked_hash
    call_command("verify_audit")


# --- the PDF ------------------------------------------------------------------------------------------

def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_shows_the_ledger_hash_and_the_approving_decision(setting, secretary, client):
    page, decision = locked_minutes(setting, secretary)
    text = pdf_text(client.get(page.url + "pdf/"))
    [locked] = events("governance.minutes_locked")
    assert locked.data["hash"] in text.replace("\n", "")
    assert decision.reference in text and page.meeting.title in text
    assert PUBLIC in text and SECRET not in text


def test_a_members_pdf_includes_confidential_sections_and_is_private(
    setting, secretary, client, user_factory
):
    page, _ = locked_minutes(setting, secretary)
    client.force_login(make_member(user_factory, setting[0]))
    reply = client.get(page.url + "pdf/")
    assert SECRET in pdf_text(reply)
    assert "no-store" in reply["Cache-Control"] and "private" in reply["Cache-Control"]


def test_minutes_not_yet_approved_cannot_be_published_so_have_no_pdf(setting, secretary, client):
    page = setting[3]
    with pytest.raises(MinutesNotApproved):
        page.save_revision().publish()
    assert not MinutesPage.objects.get(pk=page.pk).live
    assert client.get(f"/minutes/{page.slug}/pdf/").status_code == 404


def test_the_index_lists_published_minutes_with_their_status_and_not_drafts(setting, secretary, client):
    page, _ = locked_minutes(setting, secretary)
    draft = make_minutes(None, make_meeting(setting[0], days_ago=1))
    html = client.get(MinutesIndexPage.objects.get().url).content.decode()
    assert page.title in html and "Locked" in html
    assert draft.title not in html


def test_the_public_minutes_page_shows_locking_and_meeting_changes_at_once(setting, secretary, client):
    """The minutes page (with its meeting and group) is kept in the cache between changes
    (portal/home/stable.py): locking it, or changing its meeting in the admin, must show on the next visit."""
    body, meeting, later, page = setting
    minutes_circulate(minutes=page, user=secretary)
    approved = minutes_approve(minutes=page, by_decision=make_decision(body, later), user=secretary, lock=False)
    first = client.get(approved.url).content.decode()
    assert "Approved" in first and "Fingerprint of these minutes" not in first
    minutes_lock(minutes=approved, user=secretary)
    assert "Fingerprint of these minutes" in client.get(approved.url).content.decode()
    meeting.location = "The Friends Meeting House"
    meeting.save()
    body.name = "Board of Trustees (renamed)"
    body.save()
    html = client.get(approved.url).content.decode()
    assert "The Friends Meeting House" in html and "Board of Trustees (renamed)" in html


def test_a_visitors_copy_of_the_minutes_is_kept_without_the_confidential_text_and_members_still_read_it(
    setting, secretary, client, user_factory
):
    """What the cache keeps for visitors has the confidential sections' words taken out: an attacker who
    reads the cache (Redis in production) finds no confidential text, and members still read it all."""
    import pickle

    from django.core.cache import cache

    page, _ = locked_minutes(setting, secretary)
    for _ in range(2):  # the second visit is served from what the first kept
        html = client.get(page.url).content.decode()
        assert PUBLIC in html and SECRET not in html and "This part is confidential." in html
        assert "Lease talks" not in html
    kept = [pickle.dumps(value) for value in cache._cache.values()]
    assert any(b"minutes" in key.encode() for key in cache._cache)  # a copy was kept
    assert not any(SECRET.encode() in value or b"Lease talks" in value for value in kept)

    assert any(":minutes-body:" in key for key in cache._cache)  # the rendered text too, for visitors

    client.force_login(make_member(user_factory, setting[0]))
    for _ in range(2):  # a member is never given the visitors' kept text, and what they read is not kept
        html = client.get(page.url).content.decode()
        assert SECRET in html and "Lease talks" in html
    assert not any(SECRET.encode() in pickle.dumps(value) for value in cache._cache.values())
    visitor = client.__class__()
    html = visitor.get(page.url).content.decode()
    assert PUBLIC in html and SECRET not in html and "This part is confidential." in html
    kept_copy = MinutesPage.objects.get(pk=page.pk)  # the stored minutes are whole, hash and all
    assert kept_copy.content_hash() == kept_copy.locked_hash
