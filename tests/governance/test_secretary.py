"""The secretaries' screens: who may use them, attendance and quorum before the decision form, and a
decision recorded with evidence; refused forms keep what was typed."""

import pytest
from django.utils import timezone

from governance.models import Action, Attendance, Decision, EvidenceLink, Outcome
from portal.accounts import roles

from .factories import make_body, make_decision, make_meeting, make_theme


@pytest.fixture
def board(home_page):
    return make_body(members=5, lived=3, quorum=4, lived_experience_quorum=2)


def people_in(role, user_factory):
    return {
        "anonymous": None,
        "service user": user_factory(roles=[roles.SERVICE_USERS]),
        "trustee": user_factory(roles=[roles.TRUSTEES]),
        "editor": user_factory(roles=[roles.EDITORS]),
        "secretary": user_factory(roles=[roles.SECRETARIES]),
    }[role]


@pytest.mark.parametrize(
    "role, expected",
    [("anonymous", 302), ("service user", 403), ("trustee", 403), ("editor", 403), ("secretary", 200)],
)
@pytest.mark.parametrize("page", ["meeting", "decision-new", "meeting-list", "action-new", "outcome-new"])
def test_who_may_use_the_secretary_pages(client, board, user_factory, role, expected, page):
    meeting = make_meeting(board)
    decision = make_decision(board, meeting)
    url = {
        "meeting": f"/governance/meetings/{meeting.pk}/",
        "decision-new": f"/governance/meetings/{meeting.pk}/decisions/new/",
        "meeting-list": "/governance/meetings/",
        "action-new": f"/governance/decisions/{decision.reference}/actions/new/",
        "outcome-new": f"/governance/decisions/{decision.reference}/outcomes/new/",
    }[page]
    person = people_in(role, user_factory)
    if person:
        client.force_login(person)

    response = client.get(url)

    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith("/account/")


def test_the_body_secretary_may_record_for_their_own_body_only(client, board, user_factory):
    own = user_factory()
    board.memberships.create(person=own, role="secretary", starts_on=timezone.localdate())
    other = make_body("SUC")
    client.force_login(own)

    assert client.get(f"/governance/meetings/{make_meeting(board).pk}/").status_code == 200
    assert client.get(f"/governance/meetings/{make_meeting(other).pk}/").status_code == 403


def test_attendance_then_quorum_shown_plainly_before_the_decision_form(client, board, secretary):
    meeting = make_meeting(board, held=False, present=0)
    client.force_login(secretary)
    members = list(board.memberships.order_by("pk"))
    data = {f"person_{m.person_id}": "present" for m in members}
    data[f"person_{members[-1].person_id}"] = "apologies"

    response = client.post(f"/governance/meetings/{meeting.pk}/", {**data, "save_attendance": "1"}, follow=True)
    html = response.content.decode()

    assert "Quorate: 4 of 4 needed; 3 with lived experience of 2 needed" in html
    assert html.index("Quorate: 4 of 4") < html.index("Record a decision")
    assert Attendance.objects.filter(meeting=meeting, status="present").count() == 4

    client.post(f"/governance/meetings/{meeting.pk}/", {"mark_held": "1"})
    meeting.refresh_from_db()
    assert (meeting.status, meeting.members_present, meeting.quorate) == ("held", 4, True)


def test_a_meeting_that_is_not_quorate_offers_no_decision_form(client, board, secretary):
    meeting = make_meeting(board, present=2)
    client.force_login(secretary)

    meeting_html = client.get(f"/governance/meetings/{meeting.pk}/").content.decode()
    form_html = client.get(f"/governance/meetings/{meeting.pk}/decisions/new/").content.decode()

    assert "Not quorate: 2 of 4 needed" in meeting_html and "Record a decision</a>" not in meeting_html
    assert "Decisions cannot be recorded" in form_html and 'name="title"' not in form_html


def _decision_post(meeting, **extra):
    data = {
        "title": "Open until 8pm", "text": "We will open until 8pm on Thursdays.", "outcome": "carried",
        "rationale": "People asked for it.", "votes_for": "4", "votes_against": "0", "votes_abstain": "0",
        "evidence-TOTAL_FORMS": "3", "evidence-INITIAL_FORMS": "0", "evidence-MIN_NUM_FORMS": "0",
        "evidence-MAX_NUM_FORMS": "20",
    }
    for index in range(3):
        data[f"evidence-{index}-relation"] = "informed_by"
    data.update(extra)
    return data


def test_secretary_records_a_decision_citing_a_theme(client, board, secretary):
    meeting = make_meeting(board)
    theme = make_theme(name="Evening opening")
    mover = board.memberships.order_by("pk").first().person
    client.force_login(secretary)

    response = client.post(
        f"/governance/meetings/{meeting.pk}/decisions/new/",
        _decision_post(meeting, **{"evidence-0-theme": str(theme.pk), "evidence-0-relation": "adopted",
                                   "mover": str(mover.pk)}),
    )

    decision = Decision.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/governance/decisions/{decision.reference}/"
    assert decision.mover == mover and decision.members_present == 5 and decision.lived_experience_present == 3
    assert list(EvidenceLink.objects.values_list("theme_id", "relation")) == [(theme.pk, "adopted")]


def test_no_evidence_and_no_reason_is_refused_on_the_form_and_nothing_typed_is_lost(client, board, secretary):
    meeting = make_meeting(board)
    client.force_login(secretary)

    response = client.post(f"/governance/meetings/{meeting.pk}/decisions/new/", _decision_post(meeting))
    html = response.content.decode()

    assert response.status_code == 400 and not Decision.objects.exists()
    assert "There is a problem" in html and 'href="#id_no_input_reason"' in html
    assert "Say why no service-user input shaped this decision" in html
    assert 'value="Open until 8pm"' in html and "We will open until 8pm on Thursdays." in html
    assert "Fill in at least one row below" in html


def test_mover_choices_are_the_people_present(client, board, secretary):
    meeting = make_meeting(board, present=4)
    absent = board.memberships.order_by("pk").last().person
    client.force_login(secretary)

    form = client.get(f"/governance/meetings/{meeting.pk}/decisions/new/").context["form"]

    assert absent not in form.fields["mover"].queryset and form.fields["mover"].queryset.count() == 4


def test_actions_and_outcomes_are_added_and_action_owners_update_their_actions(client, board, secretary):
    decision = make_decision(board, make_meeting(board))
    owner = board.memberships.order_by("pk").first().person
    client.force_login(secretary)
    today = timezone.localdate()

    client.post(f"/governance/decisions/{decision.reference}/actions/new/", {
        "title": "Change the rota", "owner": str(owner.pk),
        "due_on_0": str(today.day), "due_on_1": str(today.month), "due_on_2": str(today.year),
    })
    client.post(f"/governance/decisions/{decision.reference}/outcomes/new/", {"what_changed": "More people came."})
    action = Action.objects.get()
    client.force_login(owner)
    client.post(f"/governance/actions/{action.pk}/", {"status": "done", "text": "Rota changed."})

    action.refresh_from_db()
    assert (action.title, action.owner, action.due_on, action.status) == ("Change the rota", owner, today, "done")
    assert Outcome.objects.get().what_changed == "More people came."
    assert action.updates.get().text == "Rota changed."


def test_an_empty_outcome_is_refused_with_a_plain_message(client, board, secretary):
    decision = make_decision(board)
    client.force_login(secretary)

    response = client.post(f"/governance/decisions/{decision.reference}/outcomes/new/", {"evidence": "Kept"})

    assert response.status_code == 400
    assert "Say what changed because of this decision" in response.content.decode()
    assert "Kept" in response.content.decode()
