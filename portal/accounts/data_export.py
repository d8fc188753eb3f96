"""The 'My data' registry: each app adds a section of what it holds about a person.

The portal layer cannot import the apps above it, so they register here when they start (in their
AppConfig.ready). A section is a function `(user) -> JSON-ready data`.
"""

from collections.abc import Callable

SECTIONS: dict[str, Callable] = {}


def register_section(name: str, build: Callable) -> None:
    """Add (or replace) the section `name` in every person's data download."""
    SECTIONS[name] = build
