"""Job names -> handler functions. Each app's `jobs.py` registers its handlers with `@job("app.verb")`.

`JobsConfig.ready()` imports every app's `jobs` module, so the registry is full in every process
(web, worker, beat, management commands) before the first message is enqueued or run.
"""

import inspect
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

Handler = Callable[..., None]

HANDLERS: dict[str, Handler] = {}


def _origin(fn: Handler) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def job(name: str) -> Callable[[Handler], Handler]:
    """Register `fn` as the handler for outbox messages named `name`.

    A handler takes keyword arguments holding ids only, fetches what it needs, and may run more than
    once in rare failures (a worker killed between the effect and marking done), so it should be safe
    to repeat. One name, one handler: a second, different function under the same name is refused.
    """

    def register(fn: Handler) -> Handler:
        existing = HANDLERS.get(name)
        if existing is not None and _origin(existing) != _origin(fn):
            raise ImproperlyConfigured(f"Job {name!r} is already handled by {_origin(existing)}.")
        HANDLERS[name] = fn
        return fn

    return register


def handler_for(name: str) -> Handler:
    """The handler registered under `name`; LookupError if there is none."""
    try:
        return HANDLERS[name]
    except KeyError:
        raise LookupError(f"No job handler is registered as {name!r}.") from None


def check_arguments(name: str, payload: dict) -> None:
    """Refuse a payload the handler could not accept, while the caller's transaction can still roll back."""
    try:
        inspect.signature(handler_for(name)).bind(**payload)
    except TypeError as exc:
        raise TypeError(f"Payload for job {name!r} does not fit its handler: {exc}") from None
