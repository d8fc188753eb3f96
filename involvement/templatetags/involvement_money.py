"""`{% load involvement_money %}` then `{{ claim.total_pence|money }}` -> "£12.50"."""

from django import template

from involvement.money import money as money_words

register = template.Library()


@register.filter
def money(pence) -> str:
    """Whole pence as pounds: 1250 -> "£12.50"; nothing for nothing."""
    if pence is None or pence == "":
        return ""
    return money_words(int(pence))
