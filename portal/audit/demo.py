"""Demo data for the audit ledger: one checkpoint, so the transparency page has something to show.

Runs before the apps above it (seed_demo goes in INSTALLED_APPS order), so it cannot quote the
checkpoint in demo minutes; a secretary records that from the admin's "Audit checkpoints" screen.
"""

from django.utils import timezone

from .services import audit_checkpoint_monthly


def seed() -> None:
    """This month's checkpoint, once (the monthly guard makes a rerun do nothing)."""
    audit_checkpoint_monthly(today=timezone.localdate())
