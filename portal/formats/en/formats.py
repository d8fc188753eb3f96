"""Django's fallback formats for plain "en": the same as en-gb (portal/formats/en_GB/formats.py)."""

from portal.formats.en_GB.formats import DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT

__all__ = ["DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT"]
