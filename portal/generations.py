"""Generation numbers kept in the cache: what is kept under a number is out of date once it moves on.

The page cache and what pages keep between changes (portal/home) use one; permissions
(portal/accounts/permission_cache.py) another.
"""

import secrets

from django.core.cache import cache
from django.db import transaction


def _first() -> int:
    """A number no earlier start has used, in practice: when the cache is emptied (Redis restarted, a test's
    cache cleared) the count starts again from here, so a fragment a process kept in its own memory under
    an old number (portal/home/stable.py `kept_fragment`) can never be taken for a current one."""
    return secrets.randbits(40) + 1


def generation(key: str, store=None) -> int:
    """The current number under `key` (a new, unpredictable one the first time)."""
    return (store or cache).get_or_set(key, _first, timeout=None)


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
    except ValueError:  # the cache was emptied since it was read: any new number will do
        store.set(key, _first(), timeout=None)
