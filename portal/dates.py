"""One way to write dates and times for people, GOV.UK style, everywhere: pages, emails, PDFs, files.

- a time: "9am", "3:21pm", "12pm" (midday), "12am" (midnight); never "9:00 AM", "3:21 a.m." or "15:21"
- a date: "4 March 2026"; with the weekday where the day matters: "Tuesday 4 March 2026"
- a date with a time: "Tuesday 4 March 2026 at 9am"

A moment (an aware datetime) is always shown in local time (settings.TIME_ZONE, which moves between
GMT and BST), never in UTC. A plain date is shown as it is. Templates use the same functions through
the `portal_dates` filters (`gov_date`, `gov_day`, `gov_time`, `gov_datetime`); Django's own
DATE_FORMAT, TIME_FORMAT and DATETIME_FORMAT (portal/formats/) give the same words wherever a value
falls back to them.

Machine-readable values (ISO 8601 in exports, `<time datetime>`, ICS, form fields) are not for
people to read and keep their own formats.
"""

import datetime

from django.utils import timezone


def _local(value):
    """A datetime in local time (aware ones converted; naive ones taken as already local); a date as it is."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def gov_time(value) -> str:
    """"9am", "3:21pm", "12pm" for midday, "12am" for midnight. '' for None."""
    if value is None or value == "":
        return ""
    value = _local(value)
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def gov_date(value) -> str:
    """"4 March 2026" for a date or (in local time) a moment. '' for None."""
    if value is None or value == "":
        return ""
    value = _local(value)
    return f"{value.day} {value:%B %Y}"


def gov_day(value) -> str:
    """"Tuesday 4 March 2026": a date with its weekday, for meetings and deadlines."""
    if value is None or value == "":
        return ""
    value = _local(value)
    return f"{value:%A} {gov_date(value)}"


def gov_short_date(value) -> str:
    """"4 Mar 2026", for narrow table columns and timelines only."""
    if value is None or value == "":
        return ""
    value = _local(value)
    return f"{value.day} {value:%b %Y}"


def gov_datetime(value, weekday: bool = True) -> str:
    """"Tuesday 4 March 2026 at 9am" (or "4 March 2026 at 9am" with weekday=False)."""
    if value is None or value == "":
        return ""
    value = _local(value)
    day = gov_day(value) if weekday else gov_date(value)
    return f"{day} at {gov_time(value)}"
