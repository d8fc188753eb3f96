"""Wagtail wiring for governance: the papers check runs before any document is served."""

from . import documents  # noqa: F401  (registers the before_serve_document hook)
