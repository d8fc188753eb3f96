"""Every write for the contact form: keep the message just long enough to email it on.

What someone writes is never logged, never put in the audit ledger and never in a job's payload: the
ledger records only that a message was sent, and the outbox jobs carry the message's id.
"""

from datetime import timedelta

from django.db import transaction

from portal.audit.services import audit_record
from portal.jobs.services import outbox_enqueue

from .models import ContactMessage

SENT_ACTION = "contact.message_sent"
FORWARD_JOB = "contact.forward_message"
ACKNOWLEDGE_JOB = "contact.acknowledge_message"


@transaction.atomic
def contact_message_send(*, topic: str, name: str, email: str, message: str) -> ContactMessage:
    """Save the message and queue its emails: one to the charity's inbox, and one to the sender saying
    we have it (only if they gave an email address).

    Invariant: the message, its ledger event (no content, no sender) and its jobs commit together, so
    a message is either on its way or was never taken. The jobs delete the row once their emails are sent.
    """
    contact = ContactMessage.objects.create(topic=topic, name=name.strip(), email=email.strip(), message=message)
    audit_record(actor=None, action=SENT_ACTION, target=contact)
    outbox_enqueue(job=FORWARD_JOB, payload={"message_id": contact.pk})
    if contact.email:
        outbox_enqueue(job=ACKNOWLEDGE_JOB, payload={"message_id": contact.pk})
    return contact


def contact_message_forget_if_sent(*, contact: ContactMessage) -> bool:
    """Delete the message once every email it needs is sent; True if it was deleted.

    Called by each email job after its own email, so whichever finishes last removes it.
    """
    if contact.all_sent:
        contact.delete()
        return True
    return False


def contact_messages_expire(*, now, days: int) -> int:
    """Delete messages older than `days` (their emails kept failing); return how many."""
    return ContactMessage.objects.filter(created_at__lt=now - timedelta(days=days)).delete()[0]
