"""The minutes permission table: six roles x (public minutes, confidential section, papers, draft
minutes, decision history), each cell's exact outcome; and confidential text never leaving by search,
sitemap, API or a shared cache."""

from datetime import date

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import override_settings
from wagtail.documents import get_document_model
from wagtail.models import Page

from governance.documents import PAPERS_COLLECTION_NAME, can_view_paper, ensure_papers_collection
from governance.minutes_views import CONFIDENTIAL_PLACEHOLDER
from governance.models import AgendaItem, Membership, MinutesPage
from portal.accounts import roles
from portal.home.setup import ensure_home_page
from tests.factories import UserFactory

from .test_minutes import (
    PUBLIC,
    SECRET,
    locked_minutes,
    make_body,
    make_meeting,
    make_member,
    make_minutes,
)

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous", "service user", "trustee of this body", "trustee of another body", "secretary", "editor",
]
CONFIDENTIAL_HEADING = "Lease talks"


@pytest.fixture(scope="module")
def built_world(module_db, tmp_path_factory):
    """Locked minutes with a confidential section, a confidential paper, draft minutes, and one person
    per role: made once for the module's tests (tests/conftest.py's module_db), each of which runs in its
    own savepoint, with the settings below in force for all of them."""
    file_system = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    with override_settings(
        WAGTAILDOCS_SERVE_METHOD="serve_view",  # papers only ever leave through Wagtail's view
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),  # served from a real file, as in production
        STORAGES={**django_settings.STORAGES, "default": file_system},
    ):
        with module_db.unblock():
            home_page = ensure_home_page()
            body, other = make_body("TB"), make_body("SUC")
            meeting, later = make_meeting(body, days_ago=30), make_meeting(body, days_ago=2)
            people = {
                "anonymous": None,
                "service user": UserFactory(roles=[roles.SERVICE_USERS]),
                "trustee of this body": make_member(UserFactory, body),
                "trustee of another body": make_member(UserFactory, other),
                "secretary": UserFactory(roles=[roles.SECRETARIES]),
                "editor": UserFactory(roles=[roles.EDITORS]),
            }
            setting = (body, meeting, later, make_minutes(home_page, meeting))
            minutes, decision = locked_minutes(setting, people["secretary"])
            paper = get_document_model().objects.create(
                title="Lease heads of terms", file=ContentFile(b"lease figures", name="lease.txt"),
                collection=ensure_papers_collection(),
            )
            item = AgendaItem.objects.create(meeting=meeting, order=2, title="Lease talks", confidential=True)
            item.papers.add(paper)
            draft = make_minutes(home_page, make_meeting(body, days_ago=1))
        yield {"minutes": minutes, "decision": decision, "paper": paper, "draft": draft, "people": people}


@pytest.fixture
def world(built_world, home_page):
    """This test's copy of the world, every object read again from the database."""
    return {key: _reloaded(value) for key, value in built_world.items()}


def _reloaded(value):
    if isinstance(value, dict):
        return {key: _reloaded(item) for key, item in value.items()}
    return value if value is None else type(value)._default_manager.get(pk=value.pk)


def as_role(client, world, role):
    if world["people"][role] is not None:
        client.force_login(world["people"][role])
    return client


# --- the table ----------------------------------------------------------------------------------------

CAN_READ_CONFIDENTIAL = {"trustee of this body", "secretary"}


@pytest.mark.parametrize("role", ROLES)
def test_public_minutes_are_open_to_everyone_and_confidential_sections_only_to_members(client, world, role):
    reply = as_role(client, world, role).get(world["minutes"].url)
    html = reply.content.decode()
    assert reply.status_code == 200
    assert PUBLIC in html and world["minutes"].locked_hash in html and world["decision"].reference in html
    if role in CAN_READ_CONFIDENTIAL:
        assert SECRET in html and CONFIDENTIAL_HEADING in html
        assert "private" in reply["Cache-Control"] and "no-store" in reply["Cache-Control"]
    else:
        assert SECRET not in html and CONFIDENTIAL_HEADING not in html
        assert CONFIDENTIAL_PLACEHOLDER in html
        assert "no-store" not in reply.get("Cache-Control", "")


PAPER_OUTCOME = {
    "anonymous": 302,  # to sign in
    "service user": 403,
    "trustee of this body": 200,
    "trustee of another body": 403,
    "secretary": 200,
    "editor": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_a_paper_of_a_confidential_item_is_served_only_to_members_and_secretaries(client, world, role):
    reply = as_role(client, world, role).get(world["paper"].url)
    assert reply.status_code == PAPER_OUTCOME[role]
    if reply.status_code == 302:
        assert "/account/sign-in/" in reply["Location"]
    if reply.status_code == 200:
        assert b"".join(reply.streaming_content) == b"lease figures"


DRAFT_PREVIEW_OUTCOME = {
    "anonymous": 302,  # to the admin sign-in
    "service user": 302,  # no admin access: sent to the admin sign-in
    "trustee of this body": 302,  # admin access, but no page permissions
    "trustee of another body": 302,
    "secretary": 200,
    "editor": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_draft_minutes_are_not_public_and_only_editors_and_secretaries_preview_them(client, world, role):
    client = as_role(client, world, role)
    draft = world["draft"]
    assert client.get(draft.url or f"/minutes/{draft.slug}/").status_code == 404
    preview = client.get(f"/admin/pages/{draft.pk}/view_draft/")
    assert preview.status_code == DRAFT_PREVIEW_OUTCOME[role]
    if preview.status_code == 200:
        assert SECRET in preview.content.decode()  # editors preview everything they can edit


HISTORY_OUTCOME = {
    "anonymous": 302,
    "service user": 403,
    "trustee of this body": 200,
    "trustee of another body": 200,  # the decision history is for all trustees (governance/permissions.py)
    "secretary": 200,
    "editor": 403,
}


@pytest.mark.parametrize("role", ROLES)
def test_decision_history_of_the_approving_decision(client, world, role):
    reply = as_role(client, world, role).get(f"/governance/decisions/{world['decision'].reference}/history/")
    assert reply.status_code == HISTORY_OUTCOME[role]


# --- confidential text goes nowhere else -------------------------------------------------------------

def test_confidential_text_is_not_in_search_but_public_text_is(world):
    assert list(Page.objects.live().search("landlord")) == []
    assert list(MinutesPage.objects.search("landlord")) == []
    assert list(Page.objects.search("lease")) == []
    assert world["minutes"].page_ptr in list(Page.objects.live().search("Saturdays"))


def test_no_sitemap_and_no_api_expose_minutes(client, world):
    for url in ("/sitemap.xml", "/api/v2/pages/", f"/api/v2/pages/{world['minutes'].pk}/"):
        reply = client.get(url)
        assert reply.status_code == 404 and SECRET not in reply.content.decode()


def test_anonymous_cache_never_holds_a_members_view(client, world, settings, user_factory):
    settings.PAGE_CACHE_SECONDS = 60
    member = world["people"]["trustee of this body"]
    client.force_login(member)
    assert SECRET in client.get(world["minutes"].url).content.decode()
    client.logout()
    client.cookies.clear()
    assert SECRET not in client.get(world["minutes"].url).content.decode()


def test_the_pdf_omits_confidential_sections_for_non_members_only(client, world):
    url = world["minutes"].url + "pdf/"
    assert client.get(url).status_code == 200
    client.force_login(world["people"]["trustee of another body"])
    assert "no-store" not in client.get(url).get("Cache-Control", "")
    client.force_login(world["people"]["trustee of this body"])
    assert "no-store" in client.get(url)["Cache-Control"]


def test_papers_collection_is_private_and_made_once(world):
    collection = ensure_papers_collection()
    assert ensure_papers_collection() == collection and collection.name == PAPERS_COLLECTION_NAME
    assert collection.get_view_restrictions().count() == 1


def test_a_former_member_can_no_longer_read_confidential_papers(world):
    trustee = world["people"]["trustee of this body"]
    assert can_view_paper(trustee, world["paper"])
    membership = Membership.objects.get(person=trustee)
    membership.starts_on, membership.ends_on = date(2019, 1, 1), date(2020, 1, 1)
    membership.save()
    assert not can_view_paper(trustee, world["paper"])
