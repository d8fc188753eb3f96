"""Who hears back about what: audiences registered by the apps above the portal.

An audience is a name (`consultation`, `proposal`) and a function `(subject id) -> user ids`: the
people who took part in that subject. Each app registers its own in its `hear_back.py`, found when this
app starts (`autodiscover_modules("hear_back")`), because the portal may not import them.
"""

from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

# The consultation audience also reaches the addresses anonymous respondents left (HearBackAddress).
CONSULTATION = "consultation"
PROPOSAL = "proposal"

People = Callable[[int], Iterable[int]]
AUDIENCES: dict[str, People] = {}


def register_audience(name: str, people: People) -> None:
    """Say who hears back about news for `name` subjects (idempotent for the same function)."""
    existing = AUDIENCES.get(name)
    if existing is not None and existing is not people:
        raise ImproperlyConfigured(f"Hear-back audience {name!r} is already registered.")
    AUDIENCES[name] = people


def audience_people(name: str, subject_id: int) -> set[int]:
    """The ids of the people in `name`'s audience for one subject; LookupError if nobody registered it."""
    try:
        people = AUDIENCES[name]
    except KeyError:
        raise LookupError(f"No hear-back audience is registered as {name!r}.") from None
    return set(people(subject_id))
