"""Django's fallback formats for en-gb, matching portal/dates.py (GOV.UK style).

Anything shown through Django's own formatting (`{{ moment }}` with no filter, `|date` with no
argument) then reads "Tuesday 4 March 2026 at 9am", never "4 Mar 2026, 9 a.m.". The "a" format
character gives "am"/"pm" because portal/locale/en_GB words "a.m." as "am"; "f" is the hour, with
minutes only when they are not zero. Local time is used (settings.TIME_ZONE). Formats not set here
(input formats, short formats, numbers) are Django's own for en-gb.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "fa"
DATETIME_FORMAT = r"l j F Y \a\t fa"
