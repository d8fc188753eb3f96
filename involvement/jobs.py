"""Emails for involvement, through the outbox (portal.jobs): a confirmed place, and a question on a claim.

Each is queued in the transaction of the change that needs it, keyed so it goes once however often it
is queued, with ids only in its payload. The handler reads the record again when it runs and sends
nothing if things changed (the place was withdrawn, the question was answered, the account was erased)
or the person does not accept email. The payload's `user_id` lets "Your data" list these emails. The
question email says there is a question, never its words: those are read signed in.
"""

from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from portal.accounts.models import User
from portal.emails import site_link, wants_email
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue

from .models import Claim, Interest


def confirmed_enqueue(interest: Interest) -> None:
    """In the transaction that confirms `interest`: one email to the person."""
    outbox_enqueue(job="involvement.send_confirmed", payload={"interest_id": interest.pk, "user_id": interest.person_id},
                   idempotency_key=f"involvement-confirmed-{interest.pk}")


def queried_enqueue(claim: Claim) -> None:
    """In the transaction that queries `claim`: one email per question to the claimant."""
    questions = claim.notes.filter(kind="query").count()
    outbox_enqueue(job="involvement.send_queried", payload={"claim_id": claim.pk, "user_id": claim.payee.person_id},
                   idempotency_key=f"involvement-queried-{claim.pk}-{questions}")


def _reachable(user_id) -> User | None:
    return User.objects.filter(pk=user_id, is_active=True).filter(wants_email()).first() if user_id else None


@job("involvement.send_confirmed")
def send_confirmed(*, interest_id: int, user_id: int) -> None:
    """Tell the person their place is confirmed: when, where, what to bring, support, how to claim."""
    interest = Interest.objects.select_related("opportunity__rate_band").filter(pk=interest_id).first()
    if interest is None or interest.status != Interest.Status.CONFIRMED or interest.person_id != user_id:
        return
    user = _reachable(user_id)
    if user is None:
        return
    context = {
        "user": user, "opportunity": interest.opportunity,
        "link": site_link(reverse("involvement:opportunity", args=[interest.opportunity_id])),
        "claims": site_link(reverse("involvement:mine")),
        "preferences": site_link(reverse("accounts:profile")),
    }
    send_mail(subject=f"Your place is confirmed: {interest.opportunity.title}",
              message=render_to_string("involvement/email/confirmed.txt", context),
              from_email=None, recipient_list=[user.email])


@job("involvement.send_queried")
def send_queried(*, claim_id: int, user_id: int) -> None:
    """Tell the claimant finance has a question about her claim (not the question itself)."""
    claim = Claim.objects.select_related("payee", "participation").filter(pk=claim_id).first()
    if claim is None or claim.status != Claim.Status.QUERIED or claim.payee.person_id != user_id:
        return
    user = _reachable(user_id)
    if user is None:
        return
    context = {"user": user, "claim": claim, "link": site_link(reverse("involvement:claim", args=[claim.pk])),
               "preferences": site_link(reverse("accounts:profile"))}
    send_mail(subject=f"We have a question about your claim {claim.reference}",
              message=render_to_string("involvement/email/queried.txt", context),
              from_email=None, recipient_list=[user.email])
