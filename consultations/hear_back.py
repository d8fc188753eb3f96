"""Consultations' part in hearing back: who answered a consultation, and the news that a "we did"
statement is public.

Found by the hear-back app when it starts (`autodiscover_modules("hear_back")`). The audience is the
people who sent a named response (withdrawn ones and drafts are left out); people who answered without
their name are reached only through an address they chose to leave (portal.hear_back HearBackAddress).
"""

from datetime import timedelta

from django.conf import settings

from portal.hear_back.models import HearBackAddress, HearBackEvent
from portal.hear_back.registry import CONSULTATION, register_audience
from portal.hear_back.services import hear_back_announce
from portal.privacy.registry import register_retention_rule

from .models import ConsultationPage, Response, ResponseStatement


def respondents(consultation_id: int) -> list[int]:
    """Ids of the people who sent a named response to the consultation (one query)."""
    sent = Response.objects.filter(
        consultation_id=consultation_id, status=Response.Status.SUBMITTED, respondent__isnull=False
    )
    return list(sent.values_list("respondent_id", flat=True).distinct())


def page_path(page: ConsultationPage, anchor: str = "") -> str:
    """The page's path on its site (the email job adds the site's address)."""
    parts = page.get_url_parts()
    return (parts[2] if parts else "/") + anchor


def statement_went_public(statement: ResponseStatement) -> None:
    """In the publishing transaction: tell everyone who answered the consultation, once per statement
    (hiding and showing it again tells nobody twice)."""
    theme = statement.theme
    page = theme.consultation
    hear_back_announce(
        topic=f"statement-{statement.pk}",
        kind=HearBackEvent.Kind.STATEMENT,
        title=f"You said, we did: {theme.name} ({page.title})",
        url=page_path(page, "#you-said-we-did-heading"),
        audience=CONSULTATION,
        subject_id=page.pk,
    )


def unused_addresses_rule(now, policy) -> int:
    """Retention: an address left for a consultation that closed more than
    PORTAL_HEAR_BACK_ADDRESS_DAYS ago, and whose loop never closed, is deleted unused."""
    cutoff = now - timedelta(days=settings.PORTAL_HEAR_BACK_ADDRESS_DAYS)
    closed = ConsultationPage.objects.filter(closes_at__lt=cutoff).values_list("pk", flat=True)
    return HearBackAddress.objects.filter(consultation_id__in=list(closed)).delete()[0]


register_audience(CONSULTATION, respondents)
register_retention_rule("unused_hear_back_addresses", unused_addresses_rule)
