"""What the contact form keeps, for the retention policy (registered when the privacy app starts)."""

from portal.privacy.registry import register_retention_rule

from .services import contact_messages_expire


def contact_messages_rule(now, policy) -> int:
    """Delete contact messages still here after the policy's days (normally gone once emailed)."""
    return contact_messages_expire(now=now, days=policy.contact_message_retention_days)


register_retention_rule("contact_messages", contact_messages_rule)
