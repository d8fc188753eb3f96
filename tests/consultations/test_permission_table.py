"""Who may do what, on every consultation route, before it opens, while open and after it closes.

The consultation here is the strictest kind: for service users only, results after close. Each cell of
the table is the exact outcome a person gets: a status code and, where two outcomes share a status, the
words that tell them apart.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import ConsultationPage, Response
from portal.accounts import roles
from portal.accounts.models import User
from portal.home.setup import ensure_home_page
from tests.factories import UserFactory

from .factories import make_consultation

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "service_user", "peer_worker", "editor", "analyst", "trustee"]
GROUP = {
    "service_user": roles.SERVICE_USERS,
    "peer_worker": roles.PEER_WORKERS,
    "editor": roles.EDITORS,
    "analyst": roles.ANALYSTS,
    "trustee": roles.TRUSTEES,
}
PHASES = {
    "before": (timedelta(days=2), timedelta(days=9)),
    "open": (timedelta(days=-1), timedelta(days=6)),
    "closed": (timedelta(days=-9), timedelta(days=-1)),
}
NOT_YET = "Results are not ready yet"
RESULTS = "<h1 class=\"govuk-heading-xl\">Results</h1>"

A, S, P, E, N, T = ROLES


def everyone(outcome):
    return {role: outcome for role in ROLES}


def only(role, outcome, others):
    return {r: (outcome if r == role else others) for r in ROLES}


EXPECTED = {
    "page": {phase: everyone(200) for phase in PHASES},
    "start": {
        "before": everyone(403),
        "open": {A: 302, S: 200, P: 403, E: 403, N: 403, T: 403},
        "closed": everyone(403),
    },
    "assisted": {
        "before": {**everyone(403), A: 302},
        "open": {**everyone(403), A: 302, P: 200},
        "closed": {**everyone(403), A: 302},
    },
    "question": {"before": everyone(403), "open": everyone(200), "closed": everyone(403)},
    "check": {"before": everyone(403), "open": everyone(200), "closed": everyone(403)},
    "results": {
        "before": {**everyone(403), S: (200, NOT_YET), N: (200, RESULTS)},
        "open": {**everyone(403), S: (200, NOT_YET), N: (200, RESULTS)},
        "closed": {**everyone(403), S: (200, RESULTS), N: (200, RESULTS)},
    },
    "analysis": {phase: only(N, 200, 403) for phase in PHASES},
    "themes": {phase: only(N, 200, 403) for phase in PHASES},
    "export-csv": {phase: only(N, 200, 403) for phase in PHASES},
    "export-json": {phase: only(N, 200, 403) for phase in PHASES},
}

CELLS = [(route, phase, role) for route in EXPECTED for phase in PHASES for role in ROLES]


def url_for(page, route, token):
    if route == "page":
        return page.url
    if route in ("question", "check"):
        args = [token, 1] if route == "question" else [token]
        return page.url + page.reverse_subpage(route, args=args)
    return page.url + page.reverse_subpage(route)


@pytest.fixture(scope="module")
def made_once(module_db) -> tuple[dict, dict]:
    """For each phase a consultation (with an anonymous draft), and one person in each role: made once for
    the module's 180 cells instead of once for each (tests/conftest.py's module_db). Each cell runs in its
    own savepoint, so whatever its request changes is undone before the next. Kept as primary keys, so
    each cell reads its own copies."""
    with module_db.unblock():
        ensure_home_page()
        now = timezone.now()
        phases = {}
        for phase, (opens_in, closes_in) in PHASES.items():
            page = make_consultation(
                audience="service_users",
                identity="choose",
                results_visibility="after_close",
                opens_at=now + opens_in,
                closes_at=now + closes_in,
            )
            draft = Response.objects.create(consultation=page, idempotency_key=f"draft-{phase}")
            phases[phase] = (page.pk, draft.pk)
        people = {role: UserFactory(roles=[group]).pk for role, group in GROUP.items()}
    return phases, people


@pytest.mark.parametrize("route, phase, role", CELLS, ids=[f"{r}-{p}-{who}" for r, p, who in CELLS])
def test_permission_table(client, home_page, made_once, route, phase, role):
    phases, people = made_once
    page_pk, draft_pk = phases[phase]
    page, draft = ConsultationPage.objects.get(pk=page_pk), Response.objects.get(pk=draft_pk)
    if role != "anonymous":
        client.force_login(User.objects.get(pk=people[role]))

    reply = client.get(url_for(page, route, draft.resume_token))

    expected = EXPECTED[route][phase][role]
    status, words = expected if isinstance(expected, tuple) else (expected, None)
    assert reply.status_code == status
    if words:
        assert words in reply.content.decode()
    if status == 302:
        assert "/account/sign-in/" in reply["Location"]
