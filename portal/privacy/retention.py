"""The retention policy: what is deleted once it is old enough, as set in the site settings.

Each app registers its rules (`register_retention_rule`); the daily task runs them all.
"""

from datetime import timedelta

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from wagtail.models import Site

from portal.audit.services import audit_record
from portal.home.models import SiteSettings

from .registry import RETENTION_RULES, register_retention_rule

RETENTION_ACTION = "privacy.retention_applied"
_AXES_MODELS = ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog")


def retention_policy() -> SiteSettings:
    """The default site's settings (the defaults, unsaved, before a site exists)."""
    site = Site.objects.filter(is_default_site=True).first()
    return SiteSettings.for_site(site) if site is not None else SiteSettings()


@transaction.atomic
def retention_apply(*, now=None) -> dict[str, int]:
    """Run every retention rule once and return how many rows each deleted.

    Idempotent: every rule deletes by age against `now`, so a second run the same day finds nothing left
    to delete. What was deleted (counts only, never what or whose) is recorded in the ledger in the same
    transaction; a run that deletes nothing writes nothing.
    """
    now = now or timezone.now()
    policy = retention_policy()
    deleted = {name: rule(now, policy) for name, rule in RETENTION_RULES.items()}
    done = {name: count for name, count in sorted(deleted.items()) if count}
    if done:
        audit_record(actor=None, action=RETENTION_ACTION, data={"deleted": done, "date": now.date()})
    return deleted


def sign_in_records_rule(now, policy) -> int:
    """Delete django-axes' records of sign-ins and failed attempts older than the policy allows."""
    cutoff = now - timedelta(days=policy.sign_in_record_retention_days)
    return sum(apps.get_model(label).objects.filter(attempt_time__lt=cutoff).delete()[0] for label in _AXES_MODELS)


register_retention_rule("sign_in_records", sign_in_records_rule)
