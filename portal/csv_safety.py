"""CSV cells a spreadsheet will not run: one helper for every CSV file the portal writes.

A cell that starts with = + - @ tab or carriage return is read by Excel, LibreOffice and Google Sheets
as a formula (which can fetch URLs or run commands: "CSV injection"). `formula_safe` gives such a cell
a leading apostrophe, OWASP's advice, so it opens as the plain text that was typed.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value) -> str:
    """`value` as text, with a leading apostrophe when a spreadsheet would take it for a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
