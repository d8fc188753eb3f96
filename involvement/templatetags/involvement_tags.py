"""Words for involvement pages: `{% load involvement_tags %}`.

- `{{ minutes|duration }}` -> "2 hours", "1 hour 30 minutes", "45 minutes".
- `{% claim_status claim %}` and `{% interest_status interest %}`: a coloured tag with the status in words.
- `{% my_involvement user %}`: the short "Involvement and payments" part of the account page.
"""

from django import template
from django.utils.html import format_html

from involvement import permissions
from involvement.models import Claim, Interest

register = template.Library()

CLAIM_COLOURS = {
    Claim.Status.SUBMITTED: "blue",
    Claim.Status.QUERIED: "yellow",
    Claim.Status.APPROVED: "turquoise",
    Claim.Status.PAID: "green",
    Claim.Status.WITHDRAWN: "grey",
}
INTEREST_COLOURS = {
    Interest.Status.INTERESTED: "blue",
    Interest.Status.SELECTED: "light-blue",
    Interest.Status.CONFIRMED: "green",
    Interest.Status.ATTENDED: "green",
    Interest.Status.NOT_SELECTED: "grey",
    Interest.Status.WITHDRAWN: "grey",
}


@register.filter
def duration(minutes) -> str:
    """How long, in words: 120 -> "2 hours", 90 -> "1 hour 30 minutes", 45 -> "45 minutes"."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def _tag(colour: str, words: str) -> str:
    return format_html('<strong class="govuk-tag govuk-tag--{}">{}</strong>', colour, words)


@register.simple_tag
def claim_status(claim: Claim) -> str:
    return _tag(CLAIM_COLOURS.get(claim.status, "grey"), claim.get_status_display())


@register.simple_tag
def interest_status(interest: Interest) -> str:
    return _tag(INTEREST_COLOURS.get(interest.status, "grey"), interest.get_status_display())


@register.inclusion_tag("involvement/includes/account_links.html")
def my_involvement(user) -> dict:
    """The account page's links: opportunities, your claims, and the staff and finance pages for those roles."""
    return {"user": user, "manages": permissions.can_manage_opportunities(user),
            "finance": permissions.is_finance(user)}
