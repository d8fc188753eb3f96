"""What each app holds about a person, for erasure and retention (the "My data" sections are registered
with `portal.accounts.data_export.register_section`).

The portal layer cannot import the apps above it, so each app's `privacy.py` registers here when the
privacy app starts (`autodiscover_modules("privacy")`, as `jobs.py` modules are found).

- An eraser `(ctx: ErasureContext) -> dict[str, int]` removes or anonymises what its app holds about
  `ctx.person` and returns counts. Erasers run first; every reference to the person that is left is
  then moved to the husk account, so an eraser only handles what must not simply be moved.
- A guard `(person) -> str | None` returns a plain reason why the person cannot be erased yet.
- A retention rule `(now, policy) -> int` deletes what the policy says is too old and returns how many.
- A keeper `(person) -> list[str]` says, in plain words, what its app keeps after the erasure.
"""

from collections.abc import Callable

ERASERS: dict[str, Callable] = {}
GUARDS: dict[str, Callable] = {}
RETENTION_RULES: dict[str, Callable] = {}
KEEPERS: dict[str, Callable] = {}


def register_eraser(name: str, erase: Callable) -> None:
    """Add (or replace) the eraser `name`; it runs inside the erasure's transaction."""
    ERASERS[name] = erase


def register_erasure_guard(name: str, guard: Callable) -> None:
    """Add (or replace) a check that can refuse an erasure with a plain reason."""
    GUARDS[name] = guard


def register_retention_rule(name: str, rule: Callable) -> None:
    """Add (or replace) a retention rule run by the daily retention job."""
    RETENTION_RULES[name] = rule


def register_keeper(name: str, keeper: Callable) -> None:
    """Add (or replace) a description of what an app keeps, anonymously, after a person is erased."""
    KEEPERS[name] = keeper
