"""The "What came of it" list on a person's account page (one include)."""

from django import template

from ..selectors import messages_for

register = template.Library()
SHOWN = 5


@register.inclusion_tag("hear_back/includes/what_came_of_it.html")
def what_came_of_it(user):
    """The person's newest messages (a few; the full list has its own page). Two queries."""
    messages = list(messages_for(user)[: SHOWN + 1])
    return {"messages": messages[:SHOWN], "more": len(messages) > SHOWN}
