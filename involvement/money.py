"""Money as people read and write it, from and to whole pence, with integer arithmetic only.

Amounts are stored as whole pence (integers) everywhere; a float never touches them, so sums of any
number of claims come out exact (the CSV export adds up to the penny).
"""

import re

from django.core.exceptions import ValidationError

# The most a single amount may be: £100,000.00 (a typing slip beyond this is refused, not paid).
MAX_PENCE = 10_000_000
_AMOUNT = re.compile(r"^£?\s*(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d{1,2}))?$")
BAD_AMOUNT = "Write the amount in pounds and pence, for example 4.60"


def pounds(pence: int) -> str:
    """12.50 for 1250 pence; -3.05 for -305 (integer division, never a float)."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}{whole}.{part:02d}"


def money(pence: int) -> str:
    """£12.50 for 1250 pence, with thousands separated: £1,234.00."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(int(pence)), 100)
    return f"{sign}£{whole:,}.{part:02d}"


def parse_pounds(text: str, *, field: str = "pence") -> int:
    """Pence from what someone typed: "£4.60", "4.6", "4", "1,200.00". A plain-words ValidationError
    keyed by `field` for anything else (words, negative amounts, more than two decimals, too much)."""
    cleaned = (text or "").strip().replace(" ", "")
    found = _AMOUNT.match(cleaned)
    if not cleaned or found is None or (found.group(1) is None and found.group(2) is None):
        raise ValidationError({field: BAD_AMOUNT})
    whole = int((found.group(1) or "0").replace(",", ""))
    part = int((found.group(2) or "0").ljust(2, "0"))
    pence = whole * 100 + part
    if pence > MAX_PENCE:
        raise ValidationError({field: f"That is more than {money(MAX_PENCE)}. Check the amount."})
    return pence
