"""Builders shared by the governance tests (names kept stable: other test files use them).

- `make_body(code="TB", members=5, lived=3)`: a body with `members` current members, the first
  `lived` of them in lived-experience seats (the first member chairs, the rest are members).
- `make_meeting(body, held=True, present=...)`: a meeting with attendance copied from memberships;
  `present` is how many members came (default all) or a list of people.
- `make_decision(body, meeting=None, themes=[...], **fields)`: recorded through the service (so it has
  a real reference, snapshot and ledger event), citing `themes` as adopted, or with a no-input reason.
- `make_theme(consultation=None, name=..., published=...)`: a consultation theme with a "we did".
"""

import itertools
from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from consultations.models import ResponseStatement, Theme
from governance import selectors, services
from governance.models import Attendance, Body, Decision, EvidenceLink, Meeting, Membership
from portal.accounts import roles
from tests.consultations.factories import make_consultation
from tests.factories import UserFactory

_numbers = itertools.count(1)


def recorder():
    """A secretary who records everything the builders make (one per test database)."""
    user = UserFactory._meta.model.objects.filter(email="builder-secretary@example.org").first()
    if user is None:
        user = UserFactory(email="builder-secretary@example.org", display_name="Builder Secretary")
        group, _ = Group.objects.get_or_create(name=roles.SECRETARIES)
        user.groups.add(group)
    return user


def make_body(code: str = "TB", members: int = 5, lived: int = 3, **fields) -> Body:
    """A body whose current members are listed by `body.memberships`; quorum 3 unless `fields` say."""
    name = fields.pop("name", f"Body {code}")
    body = Body.objects.create(name=name, slug=fields.pop("slug", code.lower()), code=code, **fields)
    start = timezone.localdate() - timedelta(days=365)
    for index in range(members):
        person = UserFactory()
        Membership.objects.create(
            body=body,
            person=person,
            role=Membership.Role.CHAIR if index == 0 else Membership.Role.MEMBER,
            seat=Membership.Seat.LIVED_EXPERIENCE if index < lived else Membership.Seat.GENERAL,
            starts_on=start,
        )
    return body


def make_meeting(body: Body, held: bool = True, present=None, **fields) -> Meeting:
    """A meeting (two days ago when held, in a week otherwise) with attendance for every member."""
    when = timezone.now() + (timedelta(days=-2) if held else timedelta(days=7))
    meeting = Meeting.objects.create(
        body=body, title=fields.pop("title", f"Meeting {next(_numbers)}"), starts_at=fields.pop("starts_at", when), **fields
    )
    memberships = list(selectors.current_memberships(body, timezone.localdate(meeting.starts_at)))
    if isinstance(present, int):
        came = {m.person_id for m in memberships[:present]}
    elif present is None:
        came = {m.person_id for m in memberships}
    else:
        came = {p.pk for p in present}
    for membership in memberships:
        status = Attendance.Status.PRESENT if membership.person_id in came else Attendance.Status.APOLOGIES
        Attendance.objects.create(
            meeting=meeting, person=membership.person, status=status, role=membership.role, seat=membership.seat
        )
    if held:
        services.meeting_mark_held(meeting=meeting, user=recorder())
        meeting.refresh_from_db()
    return meeting


def make_theme(consultation=None, name: str = "", published: bool = True) -> Theme:
    consultation = consultation or make_consultation()
    theme = Theme.objects.create(
        consultation=consultation, name=name or f"Theme {next(_numbers)}", summary="People asked for evening opening."
    )
    ResponseStatement.objects.create(theme=theme, text="We will open until 8pm.", published=published)
    return theme


def make_decision(body: Body, meeting: Meeting | None = None, themes=(), **fields) -> Decision:
    """A decision through `services.decision_record`; `themes` become adopted evidence links."""
    evidence = fields.pop("evidence", None)
    if evidence is None:
        evidence = [{"theme": theme, "relation": EvidenceLink.Relation.ADOPTED} for theme in themes]
    number = next(_numbers)
    values = {
        "title": f"Decision {number}",
        "text": "We agreed to open the drop-in until 8pm on Thursdays.",
        "no_input_reason": "" if evidence else "Routine business with no service-user impact.",
        **fields,
    }
    return services.decision_record(body=body, meeting=meeting, evidence=evidence, user=recorder(), **values)
