"""Background jobs for hearing back, run through the outbox (portal.jobs).

- `hear_back.fan_out` (one per HearBackEvent, keyed `hear-back-event-<event>`): makes the messages and
  queues their emails (see services.hear_back_fan_out).
- `hear_back.send_message` (keyed `hear-back-<topic>-<person>`): one email for one message, if it is
  still unsent and the person still wants it one by one (they may have chosen the weekly list since).
- `hear_back.send_digest` (keyed `hear-back-digest-<person>-<ISO week>`, queued by the weekly beat task):
  one email listing the week's messages that went by no other email, then marks them sent.
- `hear_back.send_to_address` (keyed `hear-back-address-<address>`): the one email to an address an
  anonymous respondent left; the address is deleted in the same transaction as the job is marked done.
Payloads hold ids (and the week) only. Emails hold a title and a link: never answers, never names.
"""

from datetime import date, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.audit.services import audit_record
from portal.emails import site_link
from portal.jobs.models import OutboxMessage
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue

from . import selectors, services
from .models import HearBackAddress, HearBackEvent, HearBackMessage

DIGEST_SPAN = timedelta(days=7)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest_key(user_id: int, week: str) -> str:
    return f"hear-back-digest-{user_id}-{week}"


def _undigested(since):
    return HearBackMessage.objects.filter(emailed_at__isnull=True, digested_at__isnull=True, created_at__gte=since)


def digests_enqueue(*, now) -> int:
    """Queue one digest for each weekly person with messages from the last 7 days that went by no
    email yet, keyed by person and ISO week, so a second run in the same week adds nothing."""
    week = iso_week(timezone.localdate(now))
    people = (
        selectors.emailed_weekly()
        .filter(pk__in=_undigested(now - DIGEST_SPAN).values("person_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    keys = {digest_key(pk, week): pk for pk in people}
    used = set(OutboxMessage.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    new = 0
    for key, user_id in keys.items():
        if key not in used:
            with transaction.atomic():
                outbox_enqueue(job="hear_back.send_digest", payload={"user_id": user_id, "week": week}, idempotency_key=key)
            new += 1
    return new


@job("hear_back.fan_out")
def fan_out(*, event_id: int) -> None:
    """Make the event's messages and queue their emails (once: an event fanned out is left alone)."""
    event = HearBackEvent.objects.filter(pk=event_id, fanned_out_at__isnull=True).first()
    if event is not None:
        services.hear_back_fan_out(event=event)


@job("hear_back.send_message")
def send_message(*, message_id: int) -> None:
    """Email one message, if it has not gone yet and its person still wants each one as it comes."""
    message = (
        HearBackMessage.objects.filter(pk=message_id, emailed_at__isnull=True, digested_at__isnull=True)
        .select_related("event", "person")
        .first()
    )
    if message is None or not selectors.emailed_each_time().filter(pk=message.person_id).exists():
        return
    context = {"user": message.person, "event": message.event, "link": site_link(message.event.url),
               "account": site_link(reverse("hear_back:list"))}
    _send(message.person.email, message.event.title, "hear_back/email/message.txt", context)
    HearBackMessage.objects.filter(pk=message.pk).update(emailed_at=timezone.now())


@job("hear_back.send_digest")
def send_digest(*, user_id: int, week: str) -> None:
    """Send one weekly person the list of the last 7 days' messages that went by no other email."""
    user = selectors.emailed_weekly().filter(pk=user_id).first()
    if user is None:
        return
    messages = list(_undigested(timezone.now() - DIGEST_SPAN).filter(person=user).select_related("event").order_by("created_at", "pk"))
    if not messages:
        return
    context = {"user": user, "items": [(m, site_link(m.event.url)) for m in messages],
               "account": site_link(reverse("hear_back:list"))}
    count = len(messages)
    subject = f"What came of it this week: {count} update{'s' if count != 1 else ''}"
    _send(user.email, subject, "hear_back/email/digest.txt", context)
    HearBackMessage.objects.filter(pk__in=[m.pk for m in messages]).update(digested_at=timezone.now())


@job("hear_back.send_to_address")
def send_to_address(*, address_id: str, event_id: int) -> None:
    """Write once to an address left by someone who answered without their name, then delete it."""
    address = HearBackAddress.objects.filter(pk=address_id).first()
    event = HearBackEvent.objects.filter(pk=event_id).first()
    if address is None or event is None:
        return
    context = {"event": event, "link": site_link(event.url)}
    _send(address.email, event.title, "hear_back/email/address.txt", context)
    consultation_id = address.consultation_id
    address.delete()
    audit_record(actor=None, action="hear_back.address_used", target=("consultations.consultationpage", consultation_id),
                 data={"consultation": consultation_id, "event": event.pk})


def _send(address: str, subject: str, template: str, context: dict) -> None:
    send_mail(subject=" ".join(subject.split()), message=render_to_string(template, context),
              from_email=None, recipient_list=[address])


