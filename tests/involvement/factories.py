"""Builders shared by the involvement tests (helper C's view tests use them too; keep the names stable).

- `finance()`, `member()`, `staff()`: new people in the Finance, Service users and Secretaries groups.
- `make_band(name, rates={date: pence})`: a rate band with rates by date, made through the services.
- `event_work(person, day=None, band=None, activity=...)`: a participation from event work.
- `make_claim(person=None, choice="paid", pence=2500, expenses=[...], day=None)`: a claim through the
  service, on new event work paid at a band whose only rate is `pence` (from long ago).
- `receipt(kind="pdf"|"jpeg"|"png", extra=b"")`: a small valid receipt upload of that type.
- `approved(claim)` / `paid_batch(claims)`: through the finance services.
"""

import datetime
import itertools

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from involvement import services
from involvement.models import Claim, RateBand
from portal.accounts import roles
from tests.factories import UserFactory

_numbers = itertools.count(1)
LONG_AGO = datetime.date(2000, 1, 1)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
RECEIPTS = {"pdf": (PDF, "application/pdf"), "jpeg": (JPEG, "image/jpeg"), "png": (PNG, "image/png")}


def finance(**fields):
    return UserFactory(roles=[roles.FINANCE], **fields)


def member(**fields):
    return UserFactory(roles=[roles.SERVICE_USERS], **fields)


def staff(**fields):
    return UserFactory(roles=[roles.SECRETARIES], **fields)


def make_band(name: str = "", rates: dict | None = None, user=None) -> RateBand:
    user = user or finance()
    band = services.rate_band_save(user=user, name=name or f"Band {next(_numbers)}")
    for applies_from, pence in (rates or {LONG_AGO: 2500}).items():
        services.rate_add(user=user, band=band, pence=pence, applies_from=applies_from)
    return band


def event_work(person, day=None, band=None, activity: str = "", user=None):
    return services.event_participation_record(
        user=user or staff(), person=person, day=day or timezone.localdate(), minutes=90,
        activity=activity or f"Stall at the open day {next(_numbers)}", rate_band=band,
    )


def receipt(kind: str = "pdf", extra: bytes = b"", name: str = "") -> SimpleUploadedFile:
    content, content_type = RECEIPTS[kind]
    return SimpleUploadedFile(name or f"ticket.{kind}", content + extra, content_type=content_type)


def make_claim(person=None, choice: str = Claim.Choice.PAID, pence: int = 2500, expenses=(), day=None,
               band=None) -> Claim:
    person = person or member()
    band = band if band is not None else make_band(rates={LONG_AGO: pence})
    participation = event_work(person, day=day, band=band)
    items = [services.ExpenseInput(kind="travel", pence=p, description="Bus") if isinstance(p, int) else p
             for p in expenses]
    return services.claim_make(user=person, participation=participation, choice=choice, expenses=items)


def approved(claim: Claim, user=None) -> Claim:
    return services.claim_approve(user=user or finance(), claim=claim)


def paid_batch(claims, user=None):
    user = user or finance()
    for claim in claims:
        if claim.status == Claim.Status.SUBMITTED:
            approved(claim, user)
    batch = services.batch_make(user=user, claims=claims)
    return services.batch_mark_paid(user=user, batch=batch)
