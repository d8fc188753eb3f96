"""How many contact messages one person may send: per internet address and per browser session.

Counted in Django's cache (Redis when REDIS_URL is set, so every web process shares the counts; local
memory otherwise), in fixed windows of PORTAL_CONTACT_LIMIT_WINDOW seconds. The address is found as
django-axes finds it for sign-in lockouts, so a deployment behind a proxy configures it once. Keys hold
a keyed hash of the address or session, never the address itself.
"""

import time

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac


def _key(kind: str, value: str, window: int) -> str:
    digest = salted_hmac("portal.contact.limits", f"{kind}:{value}").hexdigest()[:32]
    return f"contact-limit:{kind}:{digest}:{window}"


def _count(key: str, timeout: int) -> int:
    """Add one to the counter at `key` and return the new count (atomic where the cache is)."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # it expired between add and incr: this send starts a new window
        cache.set(key, 1, timeout=timeout)
        return 1


def contact_send_allowed(request) -> bool:
    """Count one send from this address and this session; False when either is over its limit.

    A request with no session yet gets one, so a second send from the same browser is counted with the
    first. Refused sends are counted too: someone who keeps trying waits for the window to end, like
    everyone else.
    """
    window_seconds = settings.PORTAL_CONTACT_LIMIT_WINDOW
    window = int(time.time() // window_seconds)
    if request.session.session_key is None:
        request.session.save()
    counts = [
        (_count(_key("address", get_client_ip_address(request) or "", window), window_seconds),
         settings.PORTAL_CONTACT_LIMIT_PER_ADDRESS),
        (_count(_key("session", request.session.session_key, window), window_seconds),
         settings.PORTAL_CONTACT_LIMIT_PER_SESSION),
    ]
    return all(count <= limit for count, limit in counts)
