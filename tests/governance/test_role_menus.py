"""One menu per role in the Wagtail admin: each role's tasks are in its menu (so nobody types an inner
address), and nobody sees another role's menu. The sidebar is drawn from JSON in the admin's page, so
the labels and addresses are looked for there. Then the menus' new pages: the analysts' list of
consultations with results, coding and exports, and the secretaries' minutes list and meeting page."""

import pytest
from django.urls import reverse

from consultations.models import ConsultationIndexPage
from governance.models import AgendaItem
from portal.accounts import roles
from tests.consultations.factories import make_consultation

from .factories import make_body, make_meeting
from .test_minutes import make_minutes

pytestmark = pytest.mark.django_db

MENUS = {
    roles.ANALYSTS: {"Analysis": "consultations_admin_analysis"},
    roles.SECRETARIES: {
        "Meetings and decisions": None, "Bodies": "governance_admin_bodies:index",
        "Meetings": "governance_admin_meetings:index", "Record attendance and decisions": "governance:meeting-list",
        "Minutes": "governance_admin_minutes", "Decision register and actions": "governance:decision-register",
    },
    roles.TRUSTEES: {
        "For trustees": None, "Decision register": "governance:decision-register",
        "Evidence report": "governance:evidence", "Audit explorer and ledger check": "audit:explorer",
    },
    roles.RETURNING_OFFICERS: {"Ballots": "voting_admin_ballots:index"},
}


@pytest.mark.parametrize("role", list(MENUS))
def test_each_role_has_its_menu_and_no_one_elses(client, home_page, user_factory, role):
    client.force_login(user_factory(roles=[role]))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    for label, url_name in MENUS[role].items():
        assert f'"{label}"' in page, (role, label)
        if url_name:
            assert reverse(url_name) in page, (role, url_name)
    others = {label for other, menu in MENUS.items() if other != role for label in menu if label not in MENUS[role]}
    others -= {"Bodies", "Meetings"}  # trustees may read the governance records too
    if role in (roles.TRUSTEES, roles.RETURNING_OFFICERS):  # they read bodies (officers choose one for a ballot)
        others -= {"Meetings and decisions"}
    for label in others:
        assert f'"{label}"' not in page, (role, label)


def test_the_analysts_list_reaches_results_coding_and_export_of_each_consultation(client, home_page, user_factory):
    page = make_consultation(title="Evening groups")
    client.force_login(user_factory(roles=[roles.ANALYSTS]))
    listing = client.get(reverse("consultations_admin_analysis")).content.decode()
    for route in ("results", "analysis", "themes", "export-csv"):
        link = page.url + page.reverse_subpage(route)
        assert f'href="{link}"' in listing
        assert client.get(link).status_code == 200, route
    assert "Evening groups" in listing and ConsultationIndexPage.objects.exists()


def test_a_meetings_admin_page_shows_its_agenda_and_leads_to_the_recording_screen_and_back(
    client, home_page, user_factory
):
    body = make_body()
    meeting = make_meeting(body, held=False)
    AgendaItem.objects.create(meeting=meeting, order=1, title="Opening hours")
    client.force_login(user_factory(roles=[roles.SECRETARIES]))
    edit = client.get(reverse("governance_admin_meetings:edit", args=[meeting.pk])).content.decode()
    assert "Opening hours" in edit and reverse("governance:meeting-detail", args=[meeting.pk]) in edit
    add = f"{reverse('governance_admin_agenda_items:add')}?meeting={meeting.pk}"
    assert add.replace("&", "&amp;") in edit or add in edit
    form = client.get(add).content.decode()
    assert f'<option value="{meeting.pk}" selected>' in form
    recording = client.get(reverse("governance:meeting-detail", args=[meeting.pk])).content.decode()
    assert reverse("governance_admin_meetings:edit", args=[meeting.pk]) in recording


def test_the_minutes_list_shows_where_each_is_in_sign_off(client, home_page, user_factory):
    body = make_body()
    minutes = make_minutes(home_page, make_meeting(body))
    client.force_login(user_factory(roles=[roles.SECRETARIES]))
    listing = client.get(reverse("governance_admin_minutes")).content.decode()
    assert minutes.title in listing and "Draft" in listing
    assert reverse("governance_minutes_sign_off", args=[minutes.pk]) in listing
