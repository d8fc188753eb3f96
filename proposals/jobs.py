"""Background jobs for proposals, run through the outbox (portal.jobs): telling secretaries.

When a proposal goes on a body's agenda (it reached the threshold, or the body took it forward), each
of the body's secretaries who accepts email gets one message, keyed
`proposal-on-agenda-<proposal>-<user>` so it goes once however often it is queued. The body's
secretaries are its current members with the secretary role; a body with none falls back to everyone
in the Secretaries group. The payload holds ids only; the email names the proposal, never its author
(the secretary reads "a member" unless the author chose to show their name, as everyone does).
"""

from django.core.mail import send_mail
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from governance.models import Membership
from portal.accounts import roles
from portal.accounts.models import User
from portal.emails import site_link, wants_email
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue

from . import moderation  # noqa: F401 - registers the moderation emails (alerts, notices) in every process
from .models import Proposal


def secretaries_of(body) -> QuerySet[User]:
    """Active people who keep the record for `body` and accept email: its current secretaries, or,
    when it has none, the Secretaries group."""
    today = timezone.localdate()
    seats = (
        Membership.objects.filter(body=body, role=Membership.Role.SECRETARY, starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .values("person_id")
    )
    people = User.objects.filter(is_active=True, pk__in=seats)
    if not people.exists():
        people = User.objects.filter(is_active=True, groups__name=roles.SECRETARIES)
    return people.filter(wants_email()).distinct()


def on_agenda_enqueue(proposal: Proposal) -> None:
    """In the transaction that puts `proposal` on the agenda: one keyed email per secretary."""
    for user_id in secretaries_of(proposal.body).order_by("pk").values_list("pk", flat=True):
        outbox_enqueue(
            job="proposals.send_on_agenda",
            payload={"proposal_id": proposal.pk, "user_id": user_id},
            idempotency_key=f"proposal-on-agenda-{proposal.pk}-{user_id}",
        )


@job("proposals.send_on_agenda")
def send_on_agenda(*, proposal_id: int, user_id: int) -> None:
    """Tell one secretary a proposal is on their group's agenda, if it still is and they still keep
    the record."""
    proposal = (
        Proposal.objects.select_related("body", "author", "agenda_item__meeting").filter(pk=proposal_id).first()
    )
    if proposal is None or proposal.status != Proposal.Status.ON_AGENDA:
        return
    user = secretaries_of(proposal.body).filter(pk=user_id).first()
    if user is None:
        return
    context = {
        "user": user,
        "proposal": proposal,
        "meeting": proposal.agenda_item.meeting if proposal.agenda_item_id else None,
        "link": site_link(reverse("proposals:detail", args=[proposal.pk])),
        "preferences": site_link(reverse("accounts:profile")),
    }
    send_mail(
        subject=f"A members' proposal is on the agenda of the {proposal.body.name}",
        message=render_to_string("proposals/email/on_agenda.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
