"""Hearing back's part in data rights: the person's messages are in their download, and go with them
when they are erased (nothing here is kept for the record)."""

from portal.accounts.data_export import register_section
from portal.privacy.registry import register_eraser

from .models import HearBackChoice, HearBackMessage
from .selectors import messages_for


def messages_of(user) -> list[dict]:
    """Each "what came of it" message: its title, link, when it was made and how it was sent."""
    return [
        {"title": m.event.title, "link": m.event.url, "made_at": m.created_at.isoformat(),
         "emailed_at": m.emailed_at.isoformat() if m.emailed_at else None,
         "in_weekly_list_at": m.digested_at.isoformat() if m.digested_at else None}
        for m in messages_for(user).order_by("created_at", "pk")
    ]


def erase(ctx) -> dict[str, int]:
    """Delete the person's messages and their email choice."""
    messages, _ = HearBackMessage.objects.filter(person=ctx.person).delete()
    choices, _ = HearBackChoice.objects.filter(person=ctx.person).delete()
    return {"hear_back_messages": messages, "hear_back_choices": choices}


register_section("what_came_of_it", messages_of)
register_eraser("hear_back", erase)
