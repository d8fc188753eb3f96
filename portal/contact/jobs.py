"""Background jobs for the contact form, run through the outbox (portal.jobs).

Each job takes the message's id, sends one email, stamps the message and deletes it once both emails it
needs are sent. A repeat finds the stamp (or no message) and sends nothing, so a message is never
emailed twice except in the rare case the outbox describes (a worker killed between send and stamp).
"""

from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone

from portal.emails import site_link
from portal.jobs.registry import job

from .models import ContactMessage
from .selectors import contact_settings
from .services import ACKNOWLEDGE_JOB, FORWARD_JOB, contact_message_forget_if_sent


def _locked(message_id: int) -> ContactMessage | None:
    return ContactMessage.objects.select_for_update().filter(pk=message_id).first()


@job(FORWARD_JOB)
def forward_message(*, message_id: int) -> None:
    """Email the message to the charity's inbox (site settings), with Reply-To set to the sender's email."""
    contact = _locked(message_id)
    if contact is None or contact.forwarded_at is not None:
        return
    settings = contact_settings()
    context = {"contact": contact, "settings": settings}
    EmailMessage(
        subject=f"Contact form: {contact.get_topic_display()}",
        body=render_to_string("contact/email/to_inbox.txt", context),
        to=[settings.contact_email],
        reply_to=[contact.email] if contact.email else None,
    ).send()
    contact.forwarded_at = timezone.now()
    contact.save(update_fields=["forwarded_at"])
    contact_message_forget_if_sent(contact=contact)


@job(ACKNOWLEDGE_JOB)
def acknowledge_message(*, message_id: int) -> None:
    """Tell the sender we have their message and when we aim to reply. It does not repeat what they wrote."""
    contact = _locked(message_id)
    if contact is None or not contact.email or contact.acknowledged_at is not None:
        return
    settings = contact_settings()
    context = {"contact": contact, "settings": settings, "crisis_link": site_link("/#crisis-support")}
    EmailMessage(
        subject="We have your message",
        body=render_to_string("contact/email/acknowledgement.txt", context),
        to=[contact.email],
    ).send()
    contact.acknowledged_at = timezone.now()
    contact.save(update_fields=["acknowledged_at"])
    contact_message_forget_if_sent(contact=contact)
