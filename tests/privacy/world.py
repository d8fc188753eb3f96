"""A person who has done everything the portal records, built through the real services.

`build_world(client)` returns a World: the person (signed up, with preferences, consents and a
lived-experience answer), their named, anonymous, assisted and draft responses among other people's,
governance records (a former trusteeship, a current council seat, attendance, a decision they moved,
an action they own and updated), a named motion and a secret election they voted in, a page they
edited in Wagtail, a failed and a good sign-in (django-axes), a session and a "My data" download.
"""

import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords
from wagtail.log_actions import log

from consultations import services as answering
from consultations.models import Identity, Question, Response
from governance import services as governance
from governance.minutes import minutes_update
from governance.models import Membership, MinutesIndexPage, MinutesPage
from portal.accounts import roles
from portal.accounts.services import profile_update, user_sign_up
from portal.home.models import StandardPage
from portal.home.setup import ensure_home_page
from portal.jobs.long_jobs import long_job_run
from portal.privacy.services import lived_experience_declare, my_data_request
from tests.consultations.factories import make_consultation, make_response
from tests.governance.factories import make_body, make_decision, make_meeting, recorder
from voting.models import Ballot, BallotOption
from voting.services import ballot_close, ballot_open, vote_cast

NAME = "Zephyrine Quillfeather"
EMAIL = "zephyrine.quill@example.org"
PASSWORD = "a quiet violet harbour 17"
KINDS = [Question.Kind.SINGLE_CHOICE, Question.Kind.SHORT_TEXT]


@dataclass
class World:
    person: object
    pages: list = field(default_factory=list)
    ballots: list = field(default_factory=list)
    named_response: object = None
    assisted_response: object = None
    draft: object = None


@contextmanager
def acting_as(user):
    """As if `user` made the request: django-simple-history records them as the history user."""
    request = RequestFactory().get("/")
    request.user = user
    HistoricalRecords.context.request = request
    try:
        yield
    finally:
        del HistoricalRecords.context.request


def answer(page, user, *, named=None, origin=Response.Origin.ONLINE, consent_statement="", submit=True,
           text="The evening group"):
    response = answering.response_start(
        consultation=page, user=user, idempotency_key=uuid.uuid4().hex, named=named, origin=origin,
        consent_statement=consent_statement, lived_experience="yes",
    )
    questions = list(page.questions.order_by("sort_order"))
    answering.response_save_step(response=response, question=questions[0], raw={"answer": "1"})
    answering.response_save_step(response=response, question=questions[1], raw={"answer": text})
    response.refresh_from_db()
    if submit:
        answering.response_submit(response=response, questions=questions, user=user)
        response.refresh_from_db()
    return response


def build_world(client) -> World:
    ensure_home_page()
    person = user_sign_up(email=EMAIL, display_name=NAME, password=PASSWORD)
    person.groups.add(*Group.objects.filter(name__in=[roles.PEER_WORKERS, roles.EDITORS]))
    world = World(person=person)
    with acting_as(person):
        profile_update(user=person, display_name=NAME, preferences={
            "easy_read_first": True, "larger_text": False, "contact_method": "email",
            "contact_about_consultations": True, "contact_about_meetings": False,
        })
        lived_experience_declare(person=person, answer="yes")
        _consultations(world)
    _governance(world)
    _voting(world)
    _wagtail(world)
    _sign_ins(world, client)
    job = my_data_request(person=person)
    long_job_run(job_id=job.pk)
    return world


def _consultations(world: World) -> None:
    person = world.person
    named_page = make_consultation(kinds=KINDS, identity=Identity.CHOOSE)
    other_page = make_consultation(kinds=KINDS, identity=Identity.ANONYMOUS)
    draft_page = make_consultation(kinds=KINDS, identity=Identity.NAMED)
    for page in (named_page, other_page):
        for n in range(6):
            make_response(page, {"single_choice": n % 3, "short_text": "Somewhere quiet"})
    own_words = f"I am {NAME} ({EMAIL}) and the evening group helped me"
    world.named_response = answer(named_page, person, named=True, text=own_words)
    answer(other_page, person, text=f"Write to me at {EMAIL}, love {NAME.upper()}")
    world.draft = answer(draft_page, person, submit=False)
    world.assisted_response = answer(
        named_page, person, origin=Response.Origin.ASSISTED,
        consent_statement=f"{NAME} read each question aloud. Jo agreed to every answer.",
    )
    world.pages = [named_page, other_page, draft_page]


def _governance(world: World) -> None:
    person, secretary = world.person, recorder()
    board = make_body(code="TB", members=4, lived=2, name="Board of Trustees")
    council = make_body(code="SC", members=4, lived=4, name="Service User Council")
    today = timezone.localdate()
    with acting_as(secretary):
        governance.membership_change(
            body=board, person=person, user=secretary, role=Membership.Role.TRUSTEE,
            starts_on=today - timedelta(days=800), ends_on=today - timedelta(days=30),
        )
        seat = governance.membership_change(
            body=council, person=person, user=secretary, role=Membership.Role.MEMBER,
            seat=Membership.Seat.LIVED_EXPERIENCE, starts_on=today - timedelta(days=200),
        )
        log(instance=seat, action="wagtail.edit", user=secretary)  # its label is "<name> – Member, ..."
        log(instance=person, action="wagtail.edit", user=secretary)  # about the account itself
        meeting = make_meeting(council)
        seconder = next(m.person for m in council.memberships.exclude(person=person))
        decision = make_decision(council, meeting, mover=person, seconder=seconder)
        action = governance.action_create(
            decision=decision, title=f"{NAME} to ask members about opening hours", owner=person,
            due_on=today + timedelta(days=14), user=secretary,
        )
    with acting_as(person):
        governance.action_update_status(
            action=action, status="in_progress", text=f"{NAME} has started asking people.", user=person
        )
    with acting_as(secretary):
        governance.action_update_status(action=action, status="in_progress", text=f"Chased {NAME}", user=secretary)
        governance.action_update_status(action=action, status="in_progress", text="Good progress", user=secretary)
    world.minutes = _draft_minutes(meeting, secretary)
    LogEntry.objects.create(
        user=secretary, content_type=ContentType.objects.get_for_model(person), object_id=str(person.pk),
        object_repr=str(person), action_flag=CHANGE, change_message=f"Changed {EMAIL}",
    )
    world.council = council


def _draft_minutes(meeting, secretary):
    """Draft minutes that name the person, saved twice (two revisions), never circulated."""
    index = MinutesIndexPage.objects.first() or ensure_home_page().add_child(
        instance=MinutesIndexPage(title="Minutes", slug="minutes")
    )
    section = {"heading": "Opening hours", "text": f"<p>{NAME} reported back on Thursdays.</p>", "confidential": False}
    page = MinutesPage(title=f"Minutes of {meeting.title}", slug=f"minutes-{meeting.pk}", meeting=meeting,
                       sections=[("section", section)], live=False)
    index.add_child(instance=page)
    page.save_revision(user=secretary)
    section = {**section, "text": f"<p>{NAME} ({EMAIL}) reported back on Thursdays.</p>"}
    return minutes_update(minutes=page, user=secretary, sections=[section])


def make_ballot(body, *, kind, secret, title):
    now = timezone.now()
    ballot = Ballot.objects.create(
        title=title, kind=kind, body=body, secret=secret, opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
    )
    for n, label in enumerate(("Ana", "Bo", "Cy") if kind != Ballot.Kind.MOTION else ()):
        BallotOption.objects.create(ballot=ballot, label=label, order=n)
    return ballot


def _voting(world: World) -> None:
    council = world.council
    motion = make_ballot(council, kind=Ballot.Kind.MOTION, secret=False, title="Open on Thursdays")
    election = make_ballot(council, kind=Ballot.Kind.IRV, secret=True, title="Council chair")
    for ballot in (motion, election):
        ballot_open(ballot=ballot, user=None)
    voters = [m.person for m in council.memberships.all()]
    options = list(election.options.order_by("order").values_list("pk", flat=True))
    for n, voter in enumerate(voters):
        vote_cast(ballot=motion, user=voter, choices="for" if n % 3 else "against")
        vote_cast(ballot=election, user=voter, choices=[options[n % 3], options[(n + 1) % 3]])
    world.ballots = [ballot_close(ballot=b) for b in (motion, election)]


def _wagtail(world: World) -> None:
    person = world.person
    home = ensure_home_page()
    page = StandardPage(title="Opening hours", slug=f"opening-hours-{uuid.uuid4().hex[:6]}", owner=person)
    home.add_child(instance=page)
    page.summary = "We are open on Thursdays."
    revision = page.save_revision(user=person, log_action=True)
    revision.publish(user=person)


def _sign_ins(world: World, client) -> None:
    login = reverse("accounts:login")
    client.post(login, {"username": EMAIL, "password": PASSWORD}, REMOTE_ADDR="10.1.2.3")
    assert client.session.get("_auth_user_id") == str(world.person.pk)
    # Later, on another device, a mistyped password (a successful sign-in would clear the attempt).
    Client().post(login, {"username": EMAIL, "password": "not the password"}, REMOTE_ADDR="10.9.8.7")
