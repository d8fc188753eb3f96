"""Every write for hearing back: announce news, fan it out to people, their choice, anonymous addresses.

The life of a piece of news: an app calls `hear_back_announce` in the transaction that makes the news
(a "we did" published, a decision recorded, a proposal decided). That writes one `HearBackEvent` and an
outbox job; the job (`hear_back_fan_out`) asks the registered audience who took part, gives each of
them one message (at most one per person and topic, however many ways they took part), and queues one
email per message for people who get them one by one, keyed `hear-back-<topic>-<person>`, so each is
sent once. Digest people get theirs in the weekly list; people who accept no emails about decisions
still see the message on their account page (it is their own record, not a contact).
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.audit.services import audit_record
from portal.jobs.services import outbox_enqueue

from . import registry, selectors
from .models import HearBackAddress, HearBackChoice, HearBackEvent, HearBackMessage

ADDRESS_MAX = HearBackAddress._meta.get_field("email").max_length


def message_email_key(topic: str, person_id: int) -> str:
    return f"hear-back-{topic}-{person_id}"


def address_email_key(address_id) -> str:
    return f"hear-back-address-{address_id}"


def hear_back_announce(*, topic: str, kind: str, title: str, url: str, audience: str, subject_id: int) -> HearBackEvent:
    """In the caller's transaction: record news for one audience and queue its fan-out, once.

    Announcing the same topic to the same audience and subject again changes nothing (a unique
    constraint), so a statement hidden and shown again, or a retried job, tells nobody twice.
    """
    event, created = HearBackEvent.objects.get_or_create(
        topic=topic, audience=audience, subject_id=subject_id, defaults={"kind": kind, "title": title[:300], "url": url}
    )
    if created:
        outbox_enqueue(job="hear_back.fan_out", payload={"event_id": event.pk}, idempotency_key=f"hear-back-event-{event.pk}")
    return event


@transaction.atomic
def hear_back_fan_out(*, event: HearBackEvent) -> int:
    """Give everyone in the event's audience one message (unless they have one on this topic already),
    queue single emails for those who want them, and for a consultation the one email to each address
    left by someone who answered without their name. Returns how many messages were new."""
    people = registry.audience_people(event.audience, event.subject_id)
    HearBackMessage.objects.bulk_create(
        [HearBackMessage(person_id=pk, event=event, topic=event.topic, created_at=event.created_at) for pk in sorted(people)],
        ignore_conflicts=True,
    )
    made = HearBackMessage.objects.filter(event=event, person_id__in=people)
    emailed = made.filter(person__in=selectors.emailed_each_time(), emailed_at__isnull=True)
    for message_id, person_id in emailed.values_list("pk", "person_id").order_by("pk"):
        outbox_enqueue(job="hear_back.send_message", payload={"message_id": message_id},
                       idempotency_key=message_email_key(event.topic, person_id))
    addresses = 0
    if event.audience == registry.CONSULTATION:
        for address_id in HearBackAddress.objects.filter(consultation_id=event.subject_id).values_list("pk", flat=True):
            outbox_enqueue(job="hear_back.send_to_address", payload={"address_id": str(address_id), "event_id": event.pk},
                           idempotency_key=address_email_key(address_id))
            addresses += 1
    event.fanned_out_at = timezone.now()
    event.save(update_fields=["fanned_out_at"])
    count = made.count()
    audit_record(actor=None, action="hear_back.fanned_out", target=event,
                 data={"event": event.pk, "topic": event.topic, "messages": count, "addresses": addresses})
    return count


@transaction.atomic
def hear_back_choose(*, person, how: str) -> HearBackChoice:
    """Save how the person wants to hear back by email: each time, or one list a week."""
    if how not in HearBackChoice.How.values:
        raise ValidationError({"how": "Choose how you want to hear from us"})
    choice, _ = HearBackChoice.objects.get_or_create(person=person)
    if choice.how != how:
        choice.how = how
        choice.save()
        audit_record(actor=person, action="hear_back.choice_changed", target=person, data={"how": how})
    return choice


def clean_address(email: str) -> str:
    """A plain, checked address, or a ValidationError in words people understand."""
    email = (email or "").strip().lower()
    if not email:
        raise ValidationError({"email": "Enter your email address"})
    if len(email) > ADDRESS_MAX:
        raise ValidationError({"email": f"Your email address must be {ADDRESS_MAX} characters or fewer"})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter an email address in the right format, like name@example.com"}) from None
    return email


@transaction.atomic
def hear_back_address_leave(*, consultation_id: int, email: str) -> None:
    """Keep an address, for this consultation alone, to write to once when the loop closes.

    Kept apart from the answers on purpose: the row holds the consultation's id, the address and the
    day, nothing that points at a response. Leaving the same address twice keeps one row. No ledger
    event: its time could be matched with the response's own. If the loop has already closed (news
    announced), the address is written to at once.
    """
    email = clean_address(email)
    try:
        with transaction.atomic():
            address = HearBackAddress.objects.create(consultation_id=consultation_id, email=email)
    except IntegrityError:
        return
    closed = HearBackEvent.objects.filter(audience=registry.CONSULTATION, subject_id=consultation_id,
                                          fanned_out_at__isnull=False).order_by("created_at", "pk").first()
    if closed is not None:
        outbox_enqueue(job="hear_back.send_to_address", payload={"address_id": str(address.pk), "event_id": closed.pk},
                       idempotency_key=address_email_key(address.pk))
