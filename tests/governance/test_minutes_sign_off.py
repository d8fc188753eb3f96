"""Minutes are signed off through screens only: circulated (members are told), approved by the chair or
by a later meeting's decision, locked; and Publish, by any path, cannot put unapproved minutes live."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Revision
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from governance.models import Membership, MinutesNotApproved, MinutesPage
from portal.accounts import roles
from portal.audit.models import AuditEvent

from .test_minutes import make_decision, make_member, setting  # noqa: F401 - setting is a fixture

pytestmark = pytest.mark.django_db


def sign_off_url(page) -> str:
    return reverse("governance_minutes_sign_off", args=[page.pk])


def test_a_secretary_circulates_from_the_screen_and_members_are_emailed_a_link(
    setting, client, user_factory, mailoutbox, django_capture_on_commit_callbacks  # noqa: F811
):
    body, meeting, later, page = setting
    members = [make_member(user_factory, body) for _ in range(2)]
    Membership.objects.filter(person__in=members).update(starts_on=timezone.localdate() - timedelta(days=365))
    make_member(user_factory, body)  # joined after the meeting: not asked to check its minutes
    client.force_login(user_factory(roles=[roles.SECRETARIES]))
    screen = client.get(sign_off_url(page)).content.decode()
    assert "Status: Draft" in screen and "2 members of the Body TB who accept email will be emailed" in screen
    with django_capture_on_commit_callbacks(execute=True):
        reply = client.post(sign_off_url(page), {"step": "circulate"})
    assert reply.status_code == 302
    assert MinutesPage.objects.get(pk=page.pk).status == MinutesPage.Status.CIRCULATED
    assert AuditEvent.objects.filter(action="governance.minutes_circulated").count() == 1
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in members)
    link = reverse("governance:minutes-circulated", args=[page.pk])
    assert link in mailoutbox[0].body and "landlord" not in mailoutbox[0].body  # a link, never the text
    client.force_login(members[0])
    draft = client.get(link)
    assert draft.status_code == 200 and "These are draft minutes" in draft.content.decode()
    assert "landlord" in draft.content.decode() and "no-store" in draft["Cache-Control"]
    client.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    assert client.get(link).status_code == 403
    assert not MinutesPage.objects.get(pk=page.pk).live


def test_the_chair_approves_from_the_screen_and_the_minutes_are_published_and_locked(
    setting, client, user_factory  # noqa: F811
):
    body, meeting, later, page = setting
    body.chair_may_approve_minutes = True
    body.save()
    secretary = user_factory(roles=[roles.SECRETARIES])
    client.force_login(secretary)
    client.post(sign_off_url(page), {"step": "circulate"})
    assert "Approve and publish as chair" not in client.get(sign_off_url(page)).content.decode()
    chair = make_member(user_factory, body, role=Membership.Role.CHAIR)
    client.force_login(chair)
    assert "Approve and publish as chair" in client.get(sign_off_url(page)).content.decode()
    client.post(sign_off_url(page), {"step": "approve_chair"})
    stored = MinutesPage.objects.get(pk=page.pk)
    assert stored.status == MinutesPage.Status.LOCKED and stored.live and stored.locked_hash
    screen = client.get(sign_off_url(page)).content.decode()
    assert stored.locked_hash in screen
    public = client.get(stored.url).content.decode()
    assert stored.locked_hash in public and "Locked" in public


def test_a_secretary_records_approval_by_a_later_meetings_decision(setting, client, user_factory):  # noqa: F811
    body, meeting, later, page = setting
    client.force_login(user_factory(roles=[roles.SECRETARIES]))
    client.post(sign_off_url(page), {"step": "circulate"})
    refused = client.post(sign_off_url(page), {"step": "approve_decision", "decision": "999999"}, follow=True)
    assert "Choose the decision of a later meeting" in refused.content.decode()
    decision = make_decision(body, later)
    assert decision.reference in client.get(sign_off_url(page)).content.decode()
    done = client.post(sign_off_url(page), {"step": "approve_decision", "decision": decision.pk}, follow=True)
    assert f"approved by decision {decision.reference}" in done.content.decode()
    stored = MinutesPage.objects.get(pk=page.pk)
    assert stored.status == MinutesPage.Status.LOCKED and stored.approved_by_decision == decision


def test_people_who_may_not_sign_off_are_refused(setting, client, user_factory):  # noqa: F811
    page = setting[3]
    client.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    assert client.get(sign_off_url(page)).status_code in (302, 403)
    client.force_login(user_factory(roles=[roles.TRUSTEES]))
    assert client.get(sign_off_url(page)).status_code in (302, 403)  # Wagtail sends refused staff to its home
    assert client.post(sign_off_url(page), {"step": "circulate"}).status_code in (302, 403)
    assert MinutesPage.objects.get(pk=page.pk).status == MinutesPage.Status.DRAFT


# --- publishing around the sign-off, every way we know -----------------------------------------------

def _edit_form(page, **extra) -> dict:
    return nested_form_data({
        "title": page.title, "slug": page.slug, "meeting": page.meeting_id,
        "easy_read_summary": rich_text("<p>We met.</p>"),
        "sections": streamfield([("section", {"heading": "A", "text": rich_text("<p>B</p>"), "confidential": False})]),
        **extra,
    })


@pytest.mark.parametrize("status", ["draft", "circulated"])
def test_an_editor_cannot_publish_unapproved_minutes_in_any_way(setting, client, user_factory, status):  # noqa: F811
    page = setting[3]
    MinutesPage.objects.filter(pk=page.pk).update(status=status)
    page.refresh_from_db()
    editor = user_factory(roles=[roles.EDITORS])
    client.force_login(editor)
    ledger = AuditEvent.objects.count()

    editor_page = client.get(f"/admin/pages/{page.pk}/edit/").content.decode()
    assert 'name="action-publish"' not in editor_page and "Sign off minutes" in editor_page

    pressed = client.post(f"/admin/pages/{page.pk}/edit/", _edit_form(page, **{"action-publish": "publish"}))
    assert "Minutes go on the public site only once they are approved" in pressed.content.decode()

    future = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    scheduled = client.post(f"/admin/pages/{page.pk}/edit/", _edit_form(page, go_live_at=future))
    assert "cannot be scheduled" in scheduled.content.decode()

    bulk = client.post(f"/admin/bulk/wagtailcore/page/publish/?id={page.pk}", {"include_descendants": ""},
                       follow=True)
    assert "Nothing was published" in bulk.content.decode()

    with pytest.raises(MinutesNotApproved):
        page.save_revision(user=editor).publish()
    with pytest.raises(MinutesNotApproved):
        Revision.objects.filter(object_id=str(page.pk)).order_by("id").first().publish()
    page.live = True
    with pytest.raises(MinutesNotApproved):
        page.save()

    stored = MinutesPage.objects.get(pk=page.pk)
    assert not stored.live and stored.status == status
    client.logout()
    index = client.get(stored.get_parent().url)
    assert index.status_code == 200 and stored.title not in index.content.decode()  # not on the public list
    assert not AuditEvent.objects.filter(action="governance.minutes_approved").exists()
    assert AuditEvent.objects.count() >= ledger


def test_new_minutes_cannot_be_created_live(setting, home_page):  # noqa: F811
    body, meeting, later, page = setting
    index = page.get_parent()
    with pytest.raises(MinutesNotApproved):
        index.add_child(instance=MinutesPage(title="Sneaked", slug="sneaked", meeting=later, live=True,
                                             easy_read_summary="<p>x</p>"))
    assert not MinutesPage.objects.filter(slug="sneaked", live=True).exists()
