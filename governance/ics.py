"""An iCalendar (RFC 5545) feed of a body's upcoming public meetings, written by hand (no dependency).

Lines end in CRLF, text is escaped, and long lines are folded at 75 octets as the RFC asks.
"""

import datetime

from django.utils import timezone

MEETING_LENGTH = datetime.timedelta(hours=2)


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets, never inside a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        limit = 75 if not out else 74  # continuation lines start with one space
        if len(current) + len(encoded) > limit:
            out.append(current.decode("utf-8"))
            current = b""
        current += encoded
    out.append(current.decode("utf-8"))
    return "\r\n ".join(out)


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def meetings_calendar(*, body, meetings, host: str, url: str = "", now=None) -> str:
    """The feed's text: one VEVENT per meeting, with a stable UID so calendars update, not duplicate."""
    stamp = _utc(now or timezone.now())
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{_escape(host)}//Governance meetings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(body.name)} meetings",
    ]
    for meeting in meetings:
        lines += [
            "BEGIN:VEVENT",
            f"UID:meeting-{meeting.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(meeting.starts_at)}",
            f"DTEND:{_utc(meeting.starts_at + MEETING_LENGTH)}",
            f"SUMMARY:{_escape(f'{body.name}: {meeting.title}')}",
        ]
        if meeting.location:
            lines.append(f"LOCATION:{_escape(meeting.location)}")
        if url:
            lines.append(f"URL:{url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
