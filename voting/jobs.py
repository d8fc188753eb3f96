"""Background jobs for ballots, run through the outbox (portal.jobs): telling voters a ballot is open.

When a returning officer opens a ballot, `ballot_open` queues one `voting.ballot_opened` message in
the same transaction (keyed by the ballot, so once). Its handler fans out one email message per
person on the roll, keyed by ballot and person. Each email handler looks again at sending time:
the ballot is still open and not past its closing time, the person is still on the roll, has not
voted yet, is active and still has email as their way of being contacted; otherwise nothing is sent.
The email says what the ballot is, when voting closes and where to vote, never anyone's choices.
Payloads hold ids only.
"""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from portal.emails import site_link, wants_email
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue

from .models import Ballot, RollEntry


def opened_key(ballot_id: int) -> str:
    return f"ballot-opened-{ballot_id}"


def email_key(ballot_id: int, user_id: int) -> str:
    return f"ballot-opened-{ballot_id}-{user_id}"


def ballot_opened_enqueue(ballot: Ballot) -> None:
    """In the opening transaction: queue the fan-out of "voting is open" emails, once per ballot."""
    outbox_enqueue(job="voting.ballot_opened", payload={"ballot_id": ballot.pk}, idempotency_key=opened_key(ballot.pk))


def voters_to_tell(ballot: Ballot):
    """Active people on the roll who have not voted yet and accept email."""
    waiting = RollEntry.objects.filter(ballot=ballot, has_voted=False).values("voter_id")
    return User.objects.filter(wants_email(), is_active=True, pk__in=waiting)


def _still_open(ballot: Ballot | None) -> bool:
    return ballot is not None and ballot.status == Ballot.Status.OPEN and timezone.now() < ballot.closes_at


@job("voting.ballot_opened")
def ballot_opened(*, ballot_id: int) -> None:
    """Queue one email per person to tell (each keyed, so a repeat run adds none)."""
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    if not _still_open(ballot):
        return
    for user_id in voters_to_tell(ballot).order_by("pk").values_list("pk", flat=True):
        outbox_enqueue(job="voting.send_open_email", payload={"ballot_id": ballot_id, "user_id": user_id},
                       idempotency_key=email_key(ballot_id, user_id))


@job("voting.send_open_email")
def send_open_email(*, ballot_id: int, user_id: int) -> None:
    """Tell one person they can vote, if the ballot is still open and they still have a vote to cast."""
    ballot = Ballot.objects.filter(pk=ballot_id).first()
    user = voters_to_tell(ballot).filter(pk=user_id).first() if _still_open(ballot) else None
    if user is None:
        return
    context = {
        "user": user,
        "ballot": ballot,
        "opens_at": timezone.localtime(ballot.opens_at),
        "closes_at": timezone.localtime(ballot.closes_at),
        "now": timezone.now(),
        "link": site_link(reverse("voting:vote", args=[ballot.pk])),
        "preferences": site_link(reverse("accounts:profile")),
    }
    send_mail(
        subject=" ".join(f"Voting is open: {ballot.title}".split()),
        message=render_to_string("voting/email/opened.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
