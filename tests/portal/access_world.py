"""A small world for the access-control matrix (tests/portal/test_access_matrix.py).

`build_world()` makes one of each thing a URL can point at, and one person per viewer:

- a body "ACM" (3 members, plus the trustee viewer), a held meeting, a decision with a reference, an
  agenda item, and an action on the decision owned by the peer worker viewer;
- a draft, an open and a closed ballot for that body (the trustee viewer is on the open one's roll);
- a long job and a consent record owned by someone who is none of the viewers (so "someone else's"),
  and a long job started by the service user viewer;
- an open and a closed consultation, each with an anonymous draft response;
- published (approved, not yet locked) minutes of the meeting, with a confidential section;
- involvement: an open opportunity, a claim (with a receipt) by the service user viewer and one by the
  stranger, something the service user can still claim for, and a payment batch;
- viewers: anonymous, each of the nine roles (Finance included), and a superuser.

`our_url_patterns()` walks `get_resolver()` and keeps the URLs our apps define: front-end URLs whose
view or included urlconf lives in one of OUR_PACKAGES (portal., governance., ..., involvement.), and the
Wagtail admin URLs that our own `register_admin_viewset` / `register_admin_urls` hooks add.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Model
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from portal.accounts import roles

OUR_PACKAGES = ("portal.", "governance.", "voting.", "consultations.", "proposals.", "involvement.")

VIEWERS = {
    "anonymous": None,
    "service_user": roles.SERVICE_USERS,
    "peer_worker": roles.PEER_WORKERS,
    "editor": roles.EDITORS,
    "analyst": roles.ANALYSTS,
    "secretary": roles.SECRETARIES,
    "trustee": roles.TRUSTEES,
    "returning_officer": roles.RETURNING_OFFICERS,
    "moderator": roles.MODERATORS,
    "finance": roles.FINANCE,
    "superuser": "superuser",
}


@dataclass
class Route:
    name: str  # "namespace:name", as reverse() takes it
    route: str  # the pattern text, for messages
    kwarg_names: tuple
    admin: bool = False


def _ours(module: str) -> bool:
    return module.startswith(OUR_PACKAGES)


def _our_admin_hooks():
    """URL namespaces of our viewsets and URL names of our register_admin_urls views."""
    from wagtail import hooks
    from wagtail.admin.viewsets.base import ViewSetGroup

    namespaces, names = set(), set()
    for fn in hooks.get_hooks("register_admin_viewset"):
        if not _ours(fn.__module__):
            continue
        result = fn()
        viewsets = result.registerables if isinstance(result, ViewSetGroup) else [result]
        for viewset in viewsets:
            namespaces.add(viewset.url_namespace)
    for fn in hooks.get_hooks("register_admin_urls"):
        if _ours(fn.__module__):
            names.update(p.name for p in fn() if p.name)
    return namespaces, names


def _callback_module(pattern: URLPattern) -> str:
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None)
    return (view_class or callback).__module__


def our_url_patterns() -> list[Route]:
    admin_namespaces, admin_names = _our_admin_hooks()
    found: dict[str, Route] = {}

    def walk(patterns, prefix, namespace, in_ours, in_admin):
        for p in patterns:
            text = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                # A urlconf module (or its dotted name) is ours or not by its name; an included list
                # (e.g. Django's admin.site.urls under our django_admin_urls) is judged view by view.
                conf = p.urlconf_name
                conf_name = conf if isinstance(conf, str) else getattr(conf, "__name__", "")
                ns = ":".join(filter(None, [namespace, p.namespace]))
                walk(p.url_patterns, text, ns, _ours(conf_name), in_admin or text == "admin/")
                continue
            if not p.name:
                continue
            name = f"{namespace}:{p.name}" if namespace else p.name
            if in_admin:
                keep = namespace.split(":")[-1] in admin_namespaces or (not namespace and p.name in admin_names)
            else:
                keep = in_ours or _ours(_callback_module(p))
            if keep and name not in found:
                found[name] = Route(name, "/" + text, tuple(p.pattern.converters), admin=in_admin)

    walk(get_resolver().url_patterns, "", "", False, False)
    return sorted(found.values(), key=lambda r: r.name)


def our_page_routes() -> list[str]:
    """"<PageModel>:<route name>" for every RoutablePageMixin page model in our apps, plus "<PageModel>:"
    for the page itself."""
    from django.apps import apps
    from wagtail.contrib.routable_page.models import RoutablePageMixin

    names = []
    for model in apps.get_models():
        if issubclass(model, RoutablePageMixin) and _ours(model.__module__):
            label = model.__name__
            names.append(f"{label}:")
            names += [f"{label}:{p.name}" for p in model.get_subpage_urls() if p.name]
    return sorted(names)


@dataclass
class World:
    users: dict = field(default_factory=dict)
    kwargs: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)

    def reloaded(self) -> "World":
        """A copy with every object read again from the database, for a world built once and shared by a
        module's tests: what one test changes on an object in memory never reaches the next."""
        return World(users=_reloaded(self.users), kwargs=_reloaded(self.kwargs),
                     objects=_reloaded(self.objects))


def _reloaded(value):
    if isinstance(value, Model):
        return type(value)._default_manager.get(pk=value.pk)
    if isinstance(value, dict):
        return {key: _reloaded(item) for key, item in value.items()}
    return value


def build_world(user_factory, django_user_model) -> World:
    from consultations import services as consultation_services
    from governance import services as governance_services
    from voting import services as voting_services
    from governance.models import AgendaItem, Membership, MinutesIndexPage, MinutesPage
    from portal.home.setup import ensure_home_page
    from consultations.models import Response
    from portal.jobs.models import LongJob
    from portal.privacy.models import ConsentRecord
    from tests.consultations.factories import make_consultation
    from tests.governance.factories import make_body, make_decision, make_meeting, recorder
    from voting.models import Ballot, BallotOption
    from voting.services import ballot_close, ballot_open

    world = World()
    now = timezone.now()
    for viewer, group in VIEWERS.items():
        if group is None:
            world.users[viewer] = None
        elif group == "superuser":
            world.users[viewer] = django_user_model.objects.create_superuser(
                email="matrix-root@example.org", password="x", display_name="Matrix Root")
        else:
            world.users[viewer] = user_factory(roles=[group])
    users = world.users

    body = make_body(code="ACM", members=3, lived=2)
    # The trustee viewer also sits on the body, so is on the open ballot's roll (the only voter among viewers).
    Membership.objects.create(body=body, person=users["trustee"], role=Membership.Role.MEMBER,
                              seat=Membership.Seat.GENERAL, starts_on=timezone.localdate() - timedelta(days=30))
    meeting = make_meeting(body)
    decision = make_decision(body, meeting=meeting)
    agenda_item = AgendaItem.objects.create(meeting=meeting, order=1, title="Opening hours")
    # Owned by the peer worker viewer: the owner (not only secretaries) may move their action on.
    action = governance_services.action_create(
        decision=decision, title="Open on Thursdays", owner=users["peer_worker"],
        due_on=timezone.localdate() + timedelta(days=30), user=recorder(),
    )

    def ballot(title, **fields):
        made = Ballot.objects.create(title=title, kind=Ballot.Kind.IRV, body=body, opens_at=now - timedelta(hours=1),
                                     closes_at=now + timedelta(days=1), **fields)
        for n, label in enumerate(["Ana", "Bo"]):
            BallotOption.objects.create(ballot=made, label=label, order=n)
        return made

    draft = ballot("Draft ballot")
    open_ballot = ballot_open(ballot=ballot("Open ballot"), user=None)
    closed = ballot_open(ballot=ballot("Closed ballot"), user=None)
    ballot_close(ballot=closed)
    closed.refresh_from_db()

    # Someone else's things: a person who is none of the viewers.
    stranger = user_factory(roles=[roles.SERVICE_USERS])
    job = LongJob.objects.create(kind="governance.evidence_csv", started_by=stranger)
    own_job = LongJob.objects.create(kind="governance.evidence_csv", started_by=users["service_user"])
    consent = ConsentRecord.objects.create(kind=ConsentRecord.Kind.CONTACT, person=stranger, wording_version="1",
                                           wording_hash="0" * 64)
    open_consultation = make_consultation(title="Open consultation")
    closed_consultation = make_consultation(title="Closed consultation", opens_at=now - timedelta(days=9),
                                            closes_at=now - timedelta(days=1))
    for page in (open_consultation, closed_consultation):
        # An anonymous draft: its resume token is a bearer secret, so anyone holding it may continue.
        world.objects[f"draft_{page.pk}"] = Response.objects.create(consultation=page, idempotency_key=f"matrix-{page.pk}")

    # Published minutes of the meeting (approved: nothing else may be published), with a public and a
    # confidential section.
    minutes_index = MinutesIndexPage(title="Minutes", slug="minutes")
    ensure_home_page().add_child(instance=minutes_index)
    minutes = MinutesPage(
        title=f"Minutes of {meeting.title}", slug="board-minutes", meeting=meeting, live=False,
        easy_read_summary="<p>We met and talked about opening times.</p>",
        sections=[
            {"type": "section", "value": {"heading": "Opening", "text": "<p>Open on Thursdays.</p>",
                                          "confidential": False}},
            {"type": "section", "value": {"heading": "Lease", "text": "<p>The lease talks.</p>",
                                          "confidential": True}},
        ],
    )
    minutes_index.add_child(instance=minutes)
    MinutesPage.objects.filter(pk=minutes.pk).update(status=MinutesPage.Status.APPROVED, approved_at=now)
    minutes.refresh_from_db()
    minutes.save_revision().publish()
    world.objects["minutes"] = MinutesPage.objects.get(pk=minutes.pk)

    # Paper: a batch of paper forms for the open consultation, and a ballot whose voting has closed while it
    # waits for its paper votes: a body member (none of the viewers) was marked as voting on paper, and the
    # returning officer viewer typed the paper in (papers are typed in only after voting closes).
    world.objects["paper_batch"] = consultation_services.paper_batch_start(
        consultation=open_consultation, user=users["peer_worker"], origin="paper", label="Posted back",
        received_on=timezone.localdate())
    counting = ballot_open(ballot=ballot("Counting ballot"), user=None)
    paper_voter = body.memberships.exclude(person=users["trustee"]).first().person
    voting_services.paper_voter_mark(ballot=counting, email=paper_voter.email, user=users["returning_officer"])
    Ballot.objects.filter(pk=counting.pk).update(closes_at=now - timedelta(minutes=1))
    world.objects["counting_ballot"] = counting
    world.objects["paper_vote"] = voting_services.paper_vote_enter(ballot=counting, user=users["returning_officer"],
                                                                   choices=[counting.options.first().pk])

    # Moderation (proposals/moderation_views.py): an open proposal by the stranger with a published comment
    # by the stranger; a held proposal and a hidden comment by the service user viewer (theirs to change).
    from proposals import moderation
    from proposals.models import Comment, ModerationReason, Proposal

    mod_proposal = Proposal.objects.create(body=body, title="Quiet room", change="A quiet room.", reason="Calm.",
                                           author=stranger, status=Proposal.Status.OPEN, published_at=now)
    mod_comment = Comment.objects.create(proposal=mod_proposal, author=stranger, text="Yes please.")
    mod_held_proposal = Proposal.objects.create(body=body, title="Held", change="Change.", reason="Why.",
                                                author=users["service_user"], status=Proposal.Status.HELD)
    mod_held_comment = moderation.hide(
        item=Comment.objects.create(proposal=mod_proposal, author=users["service_user"], text="Names someone."),
        reason=ModerationReason.PERSONAL, user=users["moderator"])
    world.objects.update(mod_proposal=mod_proposal, mod_comment=mod_comment, mod_held_proposal=mod_held_proposal,
                         mod_held_comment=mod_held_comment)

    # Proposals (proposals/views.py): the body takes them; one on its agenda, waiting for a meeting to be set.
    from proposals.models import ProposalRules

    ProposalRules.objects.create(body=body, support_threshold=3)
    world.objects["agenda_proposal"] = Proposal.objects.create(
        body=body, title="Sunday opening", change="Open on Sundays.", reason="Weekends are lonely.", author=stranger,
        status=Proposal.Status.ON_AGENDA, published_at=now, respond_by=timezone.localdate() + timedelta(days=56))

    _involvement(world, stranger, now)

    world.objects.update(body=body, agenda_item=agenda_item, meeting=meeting, decision=decision, action=action,
                         draft_ballot=draft, open_ballot=open_ballot, closed_ballot=closed, job=job, own_job=own_job,
                         consent=consent, open_consultation=open_consultation,
                         closed_consultation=closed_consultation, stranger=stranger)
    return world


def _involvement(world: World, stranger, now) -> None:
    """Involvement (involvement/): an open opportunity; a claim by the service user viewer and one by the
    stranger, each with a receipt; something the service user took part in and has not claimed for; and
    a payment batch holding another approved claim of the stranger's."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from involvement import selectors as involvement_selectors
    from involvement import services as involvement_services
    from involvement.models import Opportunity

    users = world.users
    money, runner = users["finance"], users["secretary"]
    band = involvement_services.rate_band_save(user=money, name="Meeting or panel")
    involvement_services.rate_add(user=money, band=band, pence=2500, applies_from=now.date() - timedelta(days=400))
    opportunity = involvement_services.opportunity_publish(
        user=runner, title="Interview panel", purpose="Help choose a peer worker.", kind=Opportunity.Kind.INTERVIEW_PANEL,
        starts_at=now + timedelta(days=10), duration_minutes=120, place="Hope Centre", rate_band=band)

    def work(person, activity):
        return involvement_services.event_participation_record(
            user=runner, person=person, day=timezone.localdate() - timedelta(days=3), minutes=60, activity=activity,
            rate_band=band)

    def claim(person, activity):
        receipt = SimpleUploadedFile("bus.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
        expense = involvement_services.ExpenseInput(kind="travel", pence=460, description="Bus", receipt=receipt)
        return involvement_services.claim_make(user=person, participation=work(person, activity), choice="paid",
                                               expenses=[expense])

    own_claim, other_claim = claim(users["service_user"], "Stall at the fair"), claim(stranger, "Leaflets")
    paid = claim(stranger, "Open day")
    involvement_services.claim_approve(user=money, claim=paid)
    world.objects.update(
        opportunity=opportunity, own_claim=own_claim, own_receipt=own_claim.expenses.get(), other_claim=other_claim,
        other_receipt=other_claim.expenses.get(), own_participation=work(users["service_user"], "Training day"),
        batch=involvement_services.batch_make(user=money),
        statement_year=involvement_selectors.tax_year(timezone.localdate())[0].year,
    )
