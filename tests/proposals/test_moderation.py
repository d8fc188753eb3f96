"""Moderation built for a mental-health community: hold, hide and publish with a reason in the ledger;
held items kept from everyone but their author (who reads why, kindly, and can send it again); reports;
the moderators' queue; words that suggest someone may be at risk; and comments signed "a member"."""

import pytest
from django.core import mail
from django.urls import reverse

from governance.models import AgendaItem
from portal.accounts import roles
from portal.audit.models import AuditEvent
from portal.jobs.models import OutboxMessage
from proposals import moderation, services, words
from proposals.models import Comment, ModerationReason, Proposal, ProposalRules, Report
from proposals.screening import may_be_at_risk
from tests.governance.factories import make_body, make_meeting
from tests.proposals.factories import council, make_proposal

pytestmark = pytest.mark.django_db

CRISIS = "I don't want to be here any more and nobody would miss me."


@pytest.fixture
def body(home_page):
    made = make_body(code="SUC", members=2, lived=1, name="Service User Council")
    ProposalRules.objects.create(body=made, support_threshold=3)
    return made


@pytest.fixture
def author(user_factory):
    return user_factory(roles=[roles.SERVICE_USERS], display_name="Rowan Author")


@pytest.fixture
def moderator(user_factory):
    return user_factory(roles=[roles.MODERATORS], display_name="Mo Moderator")


@pytest.fixture
def proposal(body, author):
    return services.proposal_raise(body=body, title="Longer opening hours", change="Open the drop-in on Sundays.",
                                   reason="Weekends are lonely.", user=author)


def comment_by(user, proposal, text="I agree, Sundays are hard.", show_name=False) -> Comment:
    return moderation.comment_post(proposal=proposal, text=text, show_name=show_name, user=user)


def alerts() -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(job=moderation.ALERT_JOB).order_by("pk"))


def run_outbox(captured) -> None:
    """Run the jobs the captured commits would hand to the worker (eager here), then any they queued."""
    for callback in captured:
        callback()


# --- hold, hide, publish and the ledger ---------------------------------------------------------
def test_a_moderators_hide_takes_a_comment_down_and_the_ledger_holds_the_reason_code_only(proposal, user_factory, moderator):
    writer = user_factory(roles=[roles.SERVICE_USERS], display_name="Kit Writer")
    comment = comment_by(writer, proposal, text="Jo Bloggs on the front desk is useless.", show_name=True)

    moderation.hide(item=comment, reason=ModerationReason.PERSONAL, note="Please leave out staff names.", user=moderator)

    comment.refresh_from_db()
    assert comment.status == Comment.Status.HIDDEN
    event = AuditEvent.objects.get(action="proposals.comment_hidden")
    assert event.data == {"comment": comment.pk, "proposal": proposal.pk, "reason": "personal", "reports_resolved": 0}
    assert (event.target_type, event.target_id) == ("proposals.comment", str(comment.pk))
    stored = str(event.data) + event.actor_key
    for secret in ("Jo Bloggs", "useless", "staff names", "Kit Writer", writer.email, str(writer.pk) + ","):
        assert secret not in stored


def test_hold_and_hide_need_a_reason_from_the_list_and_a_moderator(proposal, author, moderator, user_factory):
    secretary = user_factory(roles=[roles.SECRETARIES])
    with pytest.raises(moderation.PermissionDenied):
        moderation.hide(item=proposal, reason=ModerationReason.UNKIND, user=secretary)
    with pytest.raises(moderation.ValidationError):
        moderation.hold(item=proposal, reason="because", user=moderator)
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.OPEN and not AuditEvent.objects.filter(action__startswith="proposals.proposal_h").exists()


def test_publishing_a_hidden_proposal_returns_it_to_the_step_it_had_reached(proposal, moderator):
    Proposal.objects.filter(pk=proposal.pk).update(status=Proposal.Status.ON_AGENDA)
    proposal.refresh_from_db()
    moderation.hide(item=proposal, reason=ModerationReason.UNKIND, user=moderator)
    moderation.publish(item=proposal, user=moderator)
    proposal.refresh_from_db()
    assert (proposal.status, proposal.moderation_reason) == (Proposal.Status.OPEN, "")  # no agenda item: open again


# --- held items are not public; their author reads why, kindly --------------------------------------
def test_a_held_proposal_is_not_found_by_others_and_its_author_reads_why_kindly(client, proposal, author, moderator, user_factory):
    moderation.hold(item=proposal, reason=ModerationReason.PERSONAL, note="Leave out the name, please.", user=moderator)
    detail = reverse("proposals:detail", kwargs={"pk": proposal.pk})

    assert client.get(detail).status_code == 404
    client.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    assert client.get(detail).status_code == 404
    assert "Longer opening hours" not in client.get(reverse("proposals:list")).content.decode()

    client.force_login(author)
    kind = "We have not put your proposal up yet, because it names someone who could be recognised. You can change it and send it again."
    assert words.author_sentence(proposal.__class__.objects.get(pk=proposal.pk)) == kind
    for url in (detail, reverse("accounts:profile")):
        page = client.get(url).content.decode()
        assert kind in page and "Leave out the name, please." in page, url
        assert reverse("proposals:proposal-resubmit", kwargs={"pk": proposal.pk}) in page, url


def test_the_author_is_emailed_the_kind_words_once_without_the_text(proposal, author, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        moderation.hide(item=proposal, reason=ModerationReason.UNKIND, user=moderator)
    [email] = mail.outbox
    assert email.to == [author.email]
    assert "We have taken your proposal down, because some of the words could hurt or upset someone." in email.body
    assert "Sundays" not in email.body and "lonely" not in email.body


def test_a_held_comment_shows_only_to_its_author_with_the_kind_words(client, proposal, author, moderator, user_factory):
    writer = user_factory(roles=[roles.SERVICE_USERS])
    comment = comment_by(writer, proposal, text="The new key worker is rude to everyone.")
    moderation.hold(item=comment, reason=ModerationReason.UNKIND, user=moderator)
    detail = reverse("proposals:detail", kwargs={"pk": proposal.pk})

    client.force_login(author)
    assert "rude to everyone" not in client.get(detail).content.decode()
    assert client.get(reverse("proposals:comment-report", kwargs={"pk": comment.pk})).status_code == 404

    client.force_login(writer)
    page = client.get(detail).content.decode()
    assert "rude to everyone" in page
    assert "Only you can see this comment. We have not put your comment up yet, because some of the words could hurt" in page


# --- resubmitting ------------------------------------------------------------------------------------
def test_a_changed_comment_goes_back_to_the_queue_and_alerts_once_per_moderator_decision(client, proposal, moderator, user_factory):
    writer = user_factory(roles=[roles.SERVICE_USERS])
    comment = comment_by(writer, proposal, text="Sam in group said something awful.")
    moderation.hide(item=comment, reason=ModerationReason.PERSONAL, user=moderator)
    url = reverse("proposals:comment-resubmit", kwargs={"pk": comment.pk})

    client.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    assert client.get(url).status_code == 404  # someone else's
    client.force_login(writer)
    assert "because it names someone who could be recognised" in client.get(url).content.decode()
    client.post(url, {"text": "Someone in group said something awful."})
    client.post(url, {"text": "Someone in group said something unkind."})

    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason, comment.text) == (Comment.Status.HELD, "", "Someone in group said something unkind.")
    assert len(alerts()) == 1  # two sends after one decision: one alert
    assert AuditEvent.objects.filter(action="proposals.comment_resubmitted").count() == 2


def test_a_changed_proposal_stays_held_even_when_the_words_are_fine(client, proposal, author, moderator):
    moderation.hold(item=proposal, reason=ModerationReason.OFF_TOPIC, user=moderator)
    client.force_login(author)
    response = client.post(reverse("proposals:proposal-resubmit", kwargs={"pk": proposal.pk}),
                           {"title": "Sunday drop-in", "change": "Open on Sundays.", "reason": "Weekends are long.", "easy_read": ""})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.title) == (Proposal.Status.HELD, "Sunday drop-in")
    assert [m.payload["kind"] for m in alerts()] == ["proposal"]


def test_a_resubmission_with_nothing_typed_keeps_the_page_and_says_what_to_do(client, proposal, author, moderator):
    moderation.hold(item=proposal, reason=ModerationReason.OFF_TOPIC, user=moderator)
    client.force_login(author)
    response = client.post(reverse("proposals:proposal-resubmit", kwargs={"pk": proposal.pk}),
                           {"title": "Kept title", "change": "", "reason": "Still why"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say what you want to change" in page and "Kept title" in page and "Still why" in page


# --- reports -------------------------------------------------------------------------------------------
def test_a_report_alerts_moderators_once_and_a_decision_resolves_it(client, proposal, moderator, user_factory):
    writer, reader = user_factory(roles=[roles.SERVICE_USERS]), user_factory(roles=[roles.SERVICE_USERS])
    comment = comment_by(writer, proposal)
    url = reverse("proposals:comment-report", kwargs={"pk": comment.pk})
    assert client.get(url).status_code == 302  # sign in first

    client.force_login(reader)
    assert client.post(url, {"reason": "x" * 501}).status_code == 400
    client.post(url, {"reason": "It feels like a dig at me."})
    client.post(url, {"reason": "Again."})  # the same person again: the same report

    report = Report.objects.get()
    assert (report.comment, report.reporter, report.reason) == (comment, reader, "It feels like a dig at me.")
    assert [(m.payload["kind"], m.payload["item_id"]) for m in alerts()] == [("report", report.pk)]
    assert AuditEvent.objects.get(action="proposals.reported").actor_key == ""

    moderation.publish(item=comment, user=moderator)
    report.refresh_from_db()
    assert report.resolved_by == moderator and report.resolved_at is not None
    assert AuditEvent.objects.get(action="proposals.comment_published").data["reports_resolved"] == 1


# --- the queue ---------------------------------------------------------------------------------------
def test_only_moderators_and_superusers_reach_the_queue(client, moderator, user_factory, django_user_model):
    url = reverse("proposals:moderation-queue")
    assert client.get(url)["Location"].startswith(reverse("accounts:login"))
    for role in (roles.SERVICE_USERS, roles.PEER_WORKERS, roles.SECRETARIES, roles.TRUSTEES):
        client.force_login(user_factory(roles=[role]))
        assert client.get(url).status_code == 403, role
        assert client.post(reverse("proposals:moderate-proposal", kwargs={"pk": 1}), {}).status_code == 403, role
    for person in (moderator, django_user_model.objects.create_superuser(email="root@example.org", password="x")):
        client.force_login(person)
        assert client.get(url).status_code == 200


def test_the_queue_puts_flagged_posts_first_then_other_held_ones_then_reports(client, body, proposal, author, moderator, user_factory):
    writer = user_factory(roles=[roles.SERVICE_USERS])
    named = comment_by(writer, proposal, text="Mention of Dr Jones.")
    moderation.hold(item=named, reason=ModerationReason.PERSONAL, user=moderator)
    flagged = comment_by(writer, proposal, text=CRISIS)
    moderation.report_make(item=proposal, reason="Not sure about this one.", user=writer)

    client.force_login(moderator)
    page = client.get(reverse("proposals:moderation-queue")).content.decode()
    order = [page.index(text) for text in ("May need a safety check", "nobody would miss me", "Mention of Dr Jones", "Not sure about this one")]
    assert order == sorted(order)
    assert "1 of these has words that suggest someone may be at risk" in page
    assert "Crisis routes to share" in page
    assert reverse("proposals:moderate-comment", kwargs={"pk": flagged.pk}) in page


def test_a_moderator_hides_a_comment_from_its_page_with_a_reason(client, proposal, moderator, user_factory):
    comment = comment_by(user_factory(roles=[roles.SERVICE_USERS]), proposal, text="Everyone here is stupid.")
    url = reverse("proposals:moderate-comment", kwargs={"pk": comment.pk})
    client.force_login(moderator)
    assert "Everyone here is stupid." in client.get(url).content.decode()

    missing = client.post(url, {"action": "hide", "reason": "", "note": ""})
    assert missing.status_code == 400 and "Choose a reason" in missing.content.decode()
    done = client.post(url, {"action": "hide", "reason": "unkind", "note": ""})
    assert done.status_code == 302
    comment.refresh_from_db()
    assert (comment.status, comment.moderation_reason) == (Comment.Status.HIDDEN, "unkind")
    client.logout()
    assert "Everyone here is stupid." not in client.get(reverse("proposals:detail", kwargs={"pk": proposal.pk})).content.decode()


# --- words that suggest someone may be at risk -------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Sometimes I want to die.", "I don’t want to be here anymore", "thinking about ending it all",
    "I've been self-harming again", "I could kill meself", "I can't go on like this.", "I wish I was dead",
])
def test_phrases_that_suggest_risk_are_caught_however_they_are_typed(text):
    assert may_be_at_risk(text)


@pytest.mark.parametrize("text", [
    "A killer timetable", "My phone died on the bus", "We cannot go on with the old rota", "Dead good idea",
])
def test_ordinary_talk_is_not_caught(text):
    assert not may_be_at_risk(text)


def test_a_comment_with_crisis_words_stays_back_shows_the_crisis_box_and_alerts_each_moderator(
    client, proposal, moderator, user_factory, django_capture_on_commit_callbacks
):
    second = user_factory(roles=[roles.MODERATORS])
    writer = user_factory(roles=[roles.SERVICE_USERS])
    client.force_login(writer)
    form = client.get(reverse("proposals:detail", kwargs={"pk": proposal.pk})).content.decode()
    assert "this is not a crisis service" in form and 'href="#crisis-support"' in form

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("proposals:comment-new", kwargs={"pk": proposal.pk}), {"text": CRISIS, "show_name": "no"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "If you need help now" in page and "We have not put your comment up yet" in page
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.HELD
    assert sorted(m.payload["user_id"] for m in alerts()) == sorted([moderator.pk, second.pk])
    assert sorted(e.to[0] for e in mail.outbox) == sorted([moderator.email, second.email])
    assert all("someone may need support" in e.subject and "miss me" not in e.body for e in mail.outbox)
    client.logout()
    assert "miss me" not in client.get(reverse("proposals:detail", kwargs={"pk": proposal.pk})).content.decode()


def test_a_proposal_with_crisis_words_stays_back_shows_the_crisis_box_and_alerts_the_moderator(
    client, body, author, moderator
):
    client.force_login(author)
    raise_page = client.get(reverse("proposals:new")).content.decode()
    assert "this is not a crisis service" in raise_page

    response = client.post(reverse("proposals:new"), {
        "body": body.pk, "title": "Evenings", "change": "More evening groups.", "reason": CRISIS,
        "easy_read": "", "show_name": "no"}, follow=True)

    proposal = Proposal.objects.get()
    assert proposal.status == Proposal.Status.HELD
    assert "If you need help now" in response.content.decode()
    assert [(m.payload["kind"], m.payload["user_id"]) for m in alerts()] == [("proposal", moderator.pk)]
    client.logout()
    assert client.get(reverse("proposals:detail", kwargs={"pk": proposal.pk})).status_code == 404


# --- "a member" ---------------------------------------------------------------------------------------
def test_a_comment_signed_a_member_never_shows_the_commenters_name_to_others(client, proposal, moderator, user_factory):
    writer = user_factory(roles=[roles.SERVICE_USERS], display_name="Quinn Quietly")
    comment_by(writer, proposal, text="Sundays please.", show_name=False)
    comment_by(user_factory(roles=[roles.SERVICE_USERS], display_name="Open Olu"), proposal, text="Yes!", show_name=True)
    detail = reverse("proposals:detail", kwargs={"pk": proposal.pk})

    for viewer in (None, user_factory(roles=[roles.SERVICE_USERS]), moderator):
        client.logout()
        if viewer:
            client.force_login(viewer)
        page = client.get(detail).content.decode()
        assert "Sundays please." in page and "A member" in page and "Open Olu" in page
        assert "Quinn" not in page and writer.email not in page
    client.force_login(moderator)
    assert "Quinn" not in client.get(reverse("proposals:moderation-queue")).content.decode()
    assert not AuditEvent.objects.get(action="proposals.comment_posted", data__comment=Comment.objects.get(text="Sundays please.").pk).actor_key


def test_comments_are_plain_text_newest_last_and_paginated(client, proposal, user_factory):
    writer = user_factory(roles=[roles.SERVICE_USERS])
    for n in range(23):
        comment_by(writer, proposal, text=f"Comment number {n:02d} <b>bold</b>")
    detail = reverse("proposals:detail", kwargs={"pk": proposal.pk})
    first = client.get(detail).content.decode()
    assert first.index("Comment number 00") < first.index("Comment number 19") and "Comment number 20" not in first
    assert "&lt;b&gt;bold&lt;/b&gt;" in first and "<b>bold</b>" not in first
    last = client.get(detail + "?comments=2").content.decode()
    assert "Comment number 22" in last and "Comment number 00" not in last


def test_a_comment_too_long_is_refused_and_kept(client, proposal, user_factory):
    client.force_login(user_factory(roles=[roles.SERVICE_USERS]))
    response = client.post(reverse("proposals:comment-new", kwargs={"pk": proposal.pk}), {"text": "y" * 1001, "show_name": "no"})
    assert response.status_code == 400
    assert "1000 characters or fewer. You typed 1001" in response.content.decode() and "y" * 1001 in response.content.decode()
    assert not Comment.objects.exists()


# --- hostile input on the author's forms (the sweep reaches them only as their author) ------------------
def test_script_payloads_in_the_resubmit_forms_are_stored_as_typed_and_shown_escaped(client, proposal, author, moderator, user_factory):
    payload = '<script>alert("hx-resubmit")</script>'
    comment = comment_by(author, proposal, text="First words.")
    moderation.hide(item=comment, reason=ModerationReason.OTHER, note=payload, user=moderator)
    moderation.hold(item=proposal, reason=ModerationReason.OTHER, note=payload, user=moderator)
    client.force_login(author)
    for url in (reverse("proposals:comment-resubmit", kwargs={"pk": comment.pk}), reverse("accounts:profile")):
        page = client.get(url).content.decode()
        assert payload not in page and "&lt;script&gt;alert(&quot;hx-resubmit&quot;)&lt;/script&gt;" in page, url

    client.post(reverse("proposals:comment-resubmit", kwargs={"pk": comment.pk}), {"text": payload})
    client.post(reverse("proposals:proposal-resubmit", kwargs={"pk": proposal.pk}),
                {"title": payload, "change": payload, "reason": payload, "easy_read": payload})
    comment.refresh_from_db()
    proposal.refresh_from_db()
    assert comment.text == payload and (proposal.title, proposal.change, proposal.easy_read) == (payload, payload, payload)
    client.force_login(moderator)
    for url in (reverse("proposals:moderation-queue"), reverse("proposals:moderate-proposal", kwargs={"pk": proposal.pk}),
                reverse("proposals:moderate-comment", kwargs={"pk": comment.pk})):
        response = client.get(url)
        assert response.status_code == 200 and payload not in response.content.decode(), url


def test_hiding_a_proposal_on_an_agenda_takes_its_words_off_the_public_meeting_page_and_back_on(
    client, home_page, moderator
):
    body = council(threshold=1)
    make_meeting(body, held=False)
    proposal = make_proposal(body, supporters=1, title="Rename the Tuesday group", change="Call it the Quiet Hour.")
    item = AgendaItem.objects.get(pk=proposal.agenda_item_id)
    assert "Rename the Tuesday group" in item.title

    moderation.hide(item=proposal, reason=ModerationReason.PERSONAL, user=moderator)
    item.refresh_from_db()
    assert "Rename the Tuesday group" not in item.title and "Quiet Hour" not in item.description
    # Nor do the item's earlier versions, which staff read in its history and the audit explorer.
    versions = AgendaItem.history.filter(id=item.pk)
    assert versions.count() >= 2
    assert not versions.filter(title__contains="Rename").exists()
    assert not versions.filter(description__contains="Quiet Hour").exists()

    proposal.refresh_from_db()
    moderation.publish(item=proposal, user=moderator)
    proposal.refresh_from_db()
    item.refresh_from_db()
    assert proposal.status == Proposal.Status.ON_AGENDA and "Rename the Tuesday group" in item.title


def test_a_proposal_past_its_threshold_with_no_meeting_yet_stays_on_the_agenda_after_hide_and_publish(
    home_page, moderator
):
    proposal = make_proposal(council(threshold=1), supporters=1)
    assert proposal.agenda_item_id is None and proposal.threshold_reached_at is not None
    moderation.hide(item=proposal, reason=ModerationReason.OTHER, note="Checking", user=moderator)
    moderation.publish(item=Proposal.objects.get(pk=proposal.pk), user=moderator)
    assert Proposal.objects.get(pk=proposal.pk).status == Proposal.Status.ON_AGENDA
