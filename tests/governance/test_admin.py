"""The Wagtail admin menu for governance records: secretaries keep them, trustees read them."""

import pytest

from governance.models import Membership
from portal.accounts import roles
from portal.audit.models import AuditEvent

from .factories import make_body

pytestmark = pytest.mark.django_db


def test_a_secretary_adds_a_membership_and_the_ledger_records_it(client, home_page, user_factory):
    body = make_body(code="SU", members=1, lived=1)
    person = user_factory(display_name="New member")
    client.force_login(user_factory(roles=[roles.SECRETARIES]))
    reply = client.post(
        "/admin/governance/memberships/new/",
        {"body": body.pk, "person": person.pk, "role": "member", "seat": "lived_experience", "starts_on": "2026-11-01",
         "ends_on": ""},
    )
    assert reply.status_code == 302, reply.content.decode()[:2000]
    assert Membership.objects.filter(body=body, person=person, seat="lived_experience").exists()
    assert AuditEvent.objects.filter(action="governance.membership_changed").count() >= 1


@pytest.mark.parametrize(
    "role, can_list, can_add",
    [(roles.SECRETARIES, True, True), (roles.TRUSTEES, True, False), (roles.EDITORS, False, False)],
)
def test_governance_records_in_the_admin_follow_the_role(client, home_page, user_factory, role, can_list, can_add):
    client.force_login(user_factory(roles=[role]))
    assert (client.get("/admin/governance/bodies/").status_code == 200) is can_list
    assert (client.get("/admin/governance/bodies/new/").status_code == 200) is can_add
