"""Template tags for proposals: a proposal's status as a tag, and the account page's two lists."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..models import Proposal
from ..selectors import proposals_by, proposals_supported_by

register = template.Library()

COLOURS = {
    Proposal.Status.OPEN: "blue",
    Proposal.Status.ON_AGENDA: "yellow",
    Proposal.Status.DECIDED: "green",
    Proposal.Status.HELD: "grey",
    Proposal.Status.HIDDEN: "grey",
}


@register.simple_tag
def proposal_status(proposal: Proposal) -> str:
    """The status as a GOV.UK tag; "Overdue" in red when the answer is late (needs the `overdue`
    annotation from selectors.with_overdue)."""
    if getattr(proposal, "overdue", False):
        return mark_safe('<strong class="govuk-tag govuk-tag--red">Overdue</strong>')
    return format_html(
        '<strong class="govuk-tag govuk-tag--{}">{}</strong>', COLOURS.get(proposal.status, "grey"), proposal.get_status_display()
    )


@register.inclusion_tag("proposals/includes/my_proposals.html")
def my_proposals(user):
    """A signed-in person's own proposals and the ones they support, for their account page."""
    return {"mine": proposals_by(user), "supported": proposals_supported_by(user)}
