"""Who may do what with a consultation. Small predicates used by views and services alike.

Each `can_*` returns a bool; `why_not_respond` returns the plain message a person sees instead.
"""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from portal.accounts import roles
from portal.dates import gov_datetime

from .models import Audience, ConsultationPage, Identity, Phase, Response, ResultsVisibility


def _in_group(user, name: str) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name=name).exists())


def is_analyst(user) -> bool:
    """Analysts (and superusers) read every response, code themes and export."""
    return _in_group(user, roles.ANALYSTS)


def is_peer_worker(user) -> bool:
    return _in_group(user, roles.PEER_WORKERS)


def in_audience(user, page: ConsultationPage) -> bool:
    """Whether `user` is someone this consultation asks: anyone, signed-in people, or service users."""
    if page.audience == Audience.PUBLIC:
        return True
    if page.audience == Audience.MEMBERS:
        return user.is_authenticated
    return user.is_authenticated and user.groups.filter(name=roles.SERVICE_USERS).exists()


def why_not_respond(user, page: ConsultationPage, now=None) -> str | None:
    """None if `user` may answer now; otherwise a polite sentence saying why and what to do."""
    now = now or timezone.now()
    phase = page.phase(now)
    if phase == Phase.UPCOMING:
        return f"This consultation opens on {_when(page.opens_at)}. Please come back then."
    if phase == Phase.CLOSED:
        return f"This consultation closed on {_when(page.closes_at)}. Thank you for your interest."
    if not in_audience(user, page):
        if not user.is_authenticated:
            return "This consultation is for members. Please sign in or create an account to answer it."
        return "This consultation is for service users only, so you cannot answer it with this account."
    if page.identity == Identity.NAMED and not user.is_authenticated:
        return "Answers to this consultation are named. Please sign in to answer it."
    return None


def can_respond(user, page: ConsultationPage, now=None) -> bool:
    return why_not_respond(user, page, now) is None


def can_continue(user, response: Response, now=None) -> bool:
    """A draft can be continued while the consultation is open: a named draft by its author only; an
    assisted draft by the peer worker who started it (and by its respondent, once handed over); an
    anonymous draft by whoever holds its resume link (the random token is the key)."""
    if response.status != Response.Status.DRAFT or response.consultation.phase(now) != Phase.OPEN:
        return False
    if not user.is_authenticated:
        return response.respondent_id is None and response.origin != Response.Origin.ASSISTED
    if response.origin == Response.Origin.ASSISTED and user.pk == response.entered_by_id:
        return True
    if response.respondent_id is not None:
        return user.pk == response.respondent_id
    return response.origin != Response.Origin.ASSISTED


def can_withdraw(user, response: Response, now=None) -> bool:
    """Named authors may withdraw a submitted response until the consultation closes."""
    return (
        response.status == Response.Status.SUBMITTED
        and response.respondent_id is not None
        and user.is_authenticated
        and user.pk == response.respondent_id
        and response.consultation.phase(now) == Phase.OPEN
    )


def can_enter_assisted(user, page: ConsultationPage, now=None) -> bool:
    """Peer workers enter responses on someone's behalf while the consultation is open."""
    return is_peer_worker(user) and page.phase(now) == Phase.OPEN


def is_paper_enterer(user) -> bool:
    """Peer workers and secretaries type in paper and event responses (and superusers can)."""
    return _in_group(user, roles.PEER_WORKERS) or _in_group(user, roles.SECRETARIES)


def paper_entry_ends(page: ConsultationPage):
    """The last moment forms may be typed in: some days after closing, for forms that arrived in time."""
    return page.closes_at + timedelta(days=settings.PORTAL_PAPER_ENTRY_DAYS_AFTER_CLOSE)


def can_enter_paper(user, page: ConsultationPage, now=None) -> bool:
    """From the day a consultation opens until a short while after it closes."""
    now = now or timezone.now()
    return is_paper_enterer(user) and page.opens_at <= now < paper_entry_ends(page)


def can_view_results(user, page: ConsultationPage, now=None) -> bool:
    """Analysts always; others as the page's results visibility says (live, after close, or never)."""
    if is_analyst(user):
        return True
    if page.results_visibility == ResultsVisibility.NEVER:
        return False
    if page.results_visibility == ResultsVisibility.AFTER_CLOSE and page.phase(now) != Phase.CLOSED:
        return False
    return page.audience == Audience.PUBLIC or in_audience(user, page)


def can_analyse(user, page: ConsultationPage) -> bool:
    """Theme coding, unsuppressed results and exports are for analysts only."""
    return is_analyst(user)


def _when(moment) -> str:
    return gov_datetime(moment)
