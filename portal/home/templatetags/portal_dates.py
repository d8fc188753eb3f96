"""Template filters for dates and times, GOV.UK style: see portal/dates.py.

    {% load portal_dates %}
    {{ meeting.starts_at|gov_datetime }}   Tuesday 4 March 2026 at 9am
    {{ meeting.starts_at|gov_day }}        Tuesday 4 March 2026
    {{ decision.decided_on|gov_date }}     4 March 2026
    {{ ballot.closes_at|gov_time }}        3:21pm
    {{ row.day|gov_short_date }}           4 Mar 2026
    {{ moment|gov_datetime:"no weekday" }} 4 March 2026 at 9am
"""

from django import template

from portal import dates

register = template.Library()


@register.filter
def gov_date(value) -> str:
    return dates.gov_date(value)


@register.filter
def gov_day(value) -> str:
    return dates.gov_day(value)


@register.filter
def gov_time(value) -> str:
    return dates.gov_time(value)


@register.filter
def gov_short_date(value) -> str:
    return dates.gov_short_date(value)


@register.filter
def gov_datetime(value, arg: str = "") -> str:
    return dates.gov_datetime(value, weekday=arg != "no weekday")
