"""Plain words for decisions in templates: see governance/labels.py.

    {% load governance_words %}
    {{ link|link_sentence }}         This decision used what you told us. It was agreed.
    {{ decision.outcome|outcome_words }}   Agreed
"""

from django import template

from .. import labels

register = template.Library()


@register.filter
def link_sentence(link) -> str:
    return labels.link_sentence(link)


@register.filter
def outcome_words(outcome: str) -> str:
    return labels.outcome_words(outcome)


@register.filter
def outcome_sentence(outcome: str) -> str:
    return labels.outcome_sentence(outcome)
