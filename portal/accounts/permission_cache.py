"""Each signed-in page asks what its visitor may do (the menu shows the staff area or Finance only to
those allowed), which cost two queries on every request. The answer is kept in the cache instead,
under the person's id and a generation number that moves on whenever anyone's roles or any group's
permissions change (signals in apps.py), so a role taken away stops working on the very next request.
Whether the person is active or a superuser is read from their row, which every signed-in request
loads anyway.
"""

from django.core.cache import cache

from portal.generations import generation, move_on

GENERATION_KEY = "permissions:generation"
SECONDS = 3600


def permissions_generation() -> int:
    return generation(GENERATION_KEY)


def permissions_changed(**_kwargs) -> None:
    """Forget every kept answer, now and when the change commits (portal/generations.py)."""
    move_on(GENERATION_KEY)


class PermissionCacheMiddleware:
    """Give Django's ModelBackend the signed-in person's permissions from the cache (it uses
    `user._perm_cache` when it is there), and keep what it worked out when it was not."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        key = None
        if user is not None and user.is_authenticated and user.is_active:
            key = f"permissions:{permissions_generation()}:{user.pk}:{int(user.is_superuser)}"
            kept = cache.get(key)
            if kept is not None:
                user._perm_cache = kept
                key = None  # nothing new to keep
        response = self.get_response(request)
        if key is not None and hasattr(user, "_perm_cache"):
            cache.set(key, user._perm_cache, SECONDS)
        return response
