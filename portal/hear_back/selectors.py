"""Reads for hearing back: who is emailed, and what a person sees on their account page."""

from django.db.models import Q, QuerySet

from portal.accounts.models import User
from portal.emails import wants_email

from .models import HearBackChoice, HearBackMessage

WEEKLY = HearBackChoice.How.WEEKLY


def accepts_decision_news() -> Q:
    """People who accept emails about decisions: contact by email, and "Tell me about meetings and
    decisions" ticked (their contact consent covers exactly that). Every hear-back message is news of
    a decision: a "we did" statement is what the charity decided to do about what people said."""
    return wants_email() & Q(profile__contact_about_meetings=True) & Q(is_active=True)


def emailed_each_time() -> QuerySet[User]:
    """People who get each message by email as it comes."""
    return User.objects.filter(accepts_decision_news()).exclude(hear_back_choice__how=WEEKLY)


def emailed_weekly() -> QuerySet[User]:
    """People who chose one list a week instead of single emails."""
    return User.objects.filter(accepts_decision_news(), hear_back_choice__how=WEEKLY)


def messages_for(person) -> QuerySet[HearBackMessage]:
    """A person's own messages, newest first, with their news (one query)."""
    return HearBackMessage.objects.filter(person=person).select_related("event").order_by("-created_at", "-pk")


def choice_for(person) -> str:
    """How the person chose to hear back ("each" until they choose)."""
    found = HearBackChoice.objects.filter(person=person).values_list("how", flat=True).first()
    return found or HearBackChoice.How.EACH
