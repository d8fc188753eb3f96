"""Generation numbers kept in the cache: what is kept under a number is out of date once it moves on.

The page cache and what pages keep between changes (portal/home) use one; permissions
(portal/accounts/permission_cache.py) another.
"""

from django.core.cache import cache
from django.db import transaction


def generation(key: str, store=None) -> int:
    """The current number under `key` (1 the first time)."""
    return (store or cache).get_or_set(key, 1, timeout=None)


def move_on(key: str, store=None) -> None:
    """Move the number on now, and again when the current transaction commits: a request that read the
    old rows in between may have kept them under the new number."""
    _next(key, store)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _next(key, store))


def _next(key: str, store=None) -> None:
    store = store or cache
    try:
        store.incr(key)
    except ValueError:
        store.set(key, 2, timeout=None)
