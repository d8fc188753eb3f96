"""Which rate applies: the one in force on the day of the activity, never today's.

A band's rates each apply from a date; the rate in force on a day is the one with the latest
`applies_from` on or before it. A rate that starts tomorrow changes nothing for today's activities, and
a claim keeps the rate row and pence it was made with, whatever is added later.
"""

import datetime

from .models import Participation, Rate, RateBand


def rate_on(band: RateBand | None, day: datetime.date) -> Rate | None:
    """The band's rate in force on `day` (None for no band, or a band with no rate yet on that day). One query."""
    if band is None:
        return None
    return Rate.objects.filter(band=band, applies_from__lte=day).order_by("-applies_from").first()


def fee_for(participation: Participation) -> tuple[Rate | None, int]:
    """The rate in force on the participation's day and its pence; (None, 0) when it pays expenses only."""
    rate = rate_on(participation.rate_band, participation.day)
    return rate, (rate.pence if rate is not None else 0)
