"""Receipts: what is accepted, and how one is handed back.

A receipt is a photo (JPEG or PNG) or a PDF, told by its first bytes (never by its name), no bigger
than `settings.PORTAL_RECEIPT_MAX_BYTES` (5 MB). It is refused, with a plain message and nothing
saved, when it is empty, of another type, too big, or could run code when opened: any file holding
`<script`, `<svg` or `<html`; a PDF holding /JavaScript, /JS (a script an /OpenAction or any other
action would run), /Launch (starts a program) or /EmbeddedFile(s) (a file hidden inside). PDF names
may be written with #xx escapes and objects may sit in compressed streams, so the checks also read
each name unescaped and each Flate stream decompressed (up to a limit, so a "zip bomb" is refused too).

Kept files live in PRIVATE storage under a random name; they are served only to the claimant and
Finance (`permissions.can_view_receipt`), as downloads nobody may cache.
"""

import re
import secrets
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse

from portal.responses import private

from .models import Expense

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
MAGIC = [(b"%PDF-", PDF, "pdf"), (b"\xff\xd8\xff", JPEG, "jpg"), (b"\x89PNG\r\n\x1a\n", PNG, "png")]
ANY_FILE_MARKERS = re.compile(rb"<\s*(script|svg|html)", re.IGNORECASE)
PDF_MARKERS = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?)(?![A-Za-z0-9])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
# Decompressed bytes read from one PDF in all (a 5 MB file that inflates past this is refused).
_INFLATE_LIMIT = 50 * 1024 * 1024

WRONG_TYPE = "The receipt must be a photo (JPEG or PNG) or a PDF. This file is not one of those. Choose another file."
EMPTY = "The receipt file is empty. Choose the file again."
UNSAFE = (
    "We cannot accept this file because it has something inside it that could be unsafe. "
    "Take a photo of the receipt, or save it again as a new PDF, and send that instead."
)


def too_big_message() -> str:
    return (
        f"The receipt is too big. It must be smaller than {settings.PORTAL_RECEIPT_MAX_BYTES // (1024 * 1024)} MB. "
        "Try a smaller photo."
    )


def _read(upload) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks()) if hasattr(upload, "chunks") else upload.read()
    upload.seek(0)
    return data


def _unescaped(data: bytes) -> bytes:
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _pdf_parts(data: bytes):
    """The PDF's bytes, then each stream decompressed where it is Flate-compressed. ValueError past the limit."""
    yield data
    budget = _INFLATE_LIMIT
    for found in _PDF_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(found.group(1), budget + 1)
        except zlib.error:
            continue
        budget -= len(inflated)
        if budget < 0:
            raise ValueError("inflates too far")
        yield inflated


def _unsafe(data: bytes, kind: str) -> bool:
    if ANY_FILE_MARKERS.search(data):
        return True
    if kind != PDF:
        return False
    try:
        return any(PDF_MARKERS.search(_unescaped(part)) or ANY_FILE_MARKERS.search(part) for part in _pdf_parts(data))
    except ValueError:
        return True


def receipt_check(upload, *, field: str = "receipt") -> tuple[str, str]:
    """(content type, file extension) of an acceptable receipt, or a ValidationError keyed by `field`
    saying in plain words what is wrong and what to do. Reads the file; saves nothing."""
    size = getattr(upload, "size", None)
    if size is not None and size > settings.PORTAL_RECEIPT_MAX_BYTES:
        raise ValidationError({field: too_big_message()})
    data = _read(upload)
    if not data:
        raise ValidationError({field: EMPTY})
    if len(data) > settings.PORTAL_RECEIPT_MAX_BYTES:
        raise ValidationError({field: too_big_message()})
    kind = next(((content_type, extension) for magic, content_type, extension in MAGIC if data.startswith(magic)), None)
    if kind is None:
        raise ValidationError({field: WRONG_TYPE})
    if _unsafe(data, kind[0]):
        raise ValidationError({field: UNSAFE})
    return kind


def stored_name(extension: str) -> str:
    """A random file name: the name the person gave may say who they are, so it is kept only as a label."""
    return f"{secrets.token_hex(12)}.{extension}"


def receipt_response(expense: Expense) -> FileResponse:
    """The receipt as a download nobody may cache. Call only after `permissions.can_view_receipt`."""
    extension = expense.receipt.name.rsplit(".", 1)[-1]
    name = f"receipt-{expense.claim.reference.lower()}-{expense.pk}.{extension}"
    response = FileResponse(expense.receipt.open("rb"), as_attachment=True, filename=name, content_type=expense.receipt_type)
    response["X-Content-Type-Options"] = "nosniff"
    return private(response)
