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


# --- the "Your data" page ---------------------------------------------------------------------------
# A page part `(person) -> list[Entry]` (see portal/privacy/your_data.py) fills one group of the page:
ANSWERS, VOTES, MEETINGS, RAISED, PAYMENTS = "answers", "votes", "meetings", "raised", "payments"
PAGE_PARTS: dict[str, dict[str, Callable]] = {ANSWERS: {}, VOTES: {}, MEETINGS: {}, RAISED: {}, PAYMENTS: {}}
# Emails in the outbox: `subjects(payloads: list[dict]) -> list[str]` gives each message's subject line,
# and `addressed(person) -> Q | None` finds a job's messages to the person when their payload has no
# `user_id` (a receipt names the response, a summary names the page).
EMAIL_SUBJECTS: dict[str, Callable] = {}
EMAIL_ADDRESSEES: dict[str, Callable] = {}


def register_page_part(group: str, name: str, build: Callable) -> None:
    """Add (or replace) the part `name` of a group (ANSWERS, VOTES, MEETINGS, RAISED, PAYMENTS) of the "Your data"
    page."""
    PAGE_PARTS[group][name] = build


def register_email_subjects(job: str, subjects: Callable, addressed: Callable | None = None) -> None:
    """Say how the "Your data" page names the emails a job sends (and, optionally, whom it sends them to)."""
    EMAIL_SUBJECTS[job] = subjects
    if addressed is not None:
        EMAIL_ADDRESSEES[job] = addressed
