"""Erasing a person: their account goes, what others rely on stays, and nothing left points at them.

In one transaction, in this order:
1. Each app's eraser (registered in its `privacy.py`) removes or anonymises what must not simply be
   kept: named responses lose their respondent (answers and counts stay), unsent named drafts go,
   the person's name is scrubbed from text they wrote that others keep.
2. Every other reference to the person, found generically through every model's foreign keys to the
   user model (live tables, django-simple-history tables, Wagtail's pages, revisions and logs), moves
   to a new "husk" account: a random address, no name, no password, inactive, with a new id. PROTECT
   links (roll entries, named votes, memberships, attendance) never break and no count changes.
   Rows that exist only for the person (profile, consents, preferences, downloads, Wagtail's own
   profile, sessions, sign-in records) are deleted instead.
3. Wagtail's logs and revisions lose the person's name and address from their labels and data, the
   search index is cleaned, and the ledger gets one `account.erased` event with the channel and counts
   only: not the person's pseudonym, not their old id (see `_erase`).
4. The pseudonym row and the account are deleted. The ledger's rows are untouched, so the chain still
   verifies; their pseudonym key now links to no one, and no event links it to the erasure. The husk
   has no date of its own (see `_make_husk`).
"""

import datetime
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.files.storage import storages
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from wagtail.models import ModelLogEntry, PageLogEntry, Revision, RevisionMixin
from wagtail.search.index import insert_or_update_object
from wagtail.search.models import IndexEntry

from portal.accounts import roles
from portal.audit.models import ActorPseudonym
from portal.audit.services import audit_record
from portal.home.page_cache import page_cache_clear
from portal.jobs.models import LongJob, OutboxMessage

from .models import ErasedAccount
from .registry import ERASERS, GUARDS

User = get_user_model()

ERASED_NAME = "Former member"
ERASED_DOMAIN = "invalid.example"
SELF, STAFF = "self", "staff_command"
_AXES_MODELS = ("axes.AccessAttempt", "axes.AccessLog", "axes.AccessFailureLog")


class ErasureRefused(Exception):
    """The person cannot be erased yet; `reasons` say why in plain words, and what to do."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


@dataclass
class ErasureContext:
    """What an app's eraser gets: the person, the husk (made on first use) and a scrubber for text."""

    person: User
    needles: list[str]
    _husk: User | None = field(default=None, repr=False)

    def husk(self) -> User:
        """The account that stands in for the person in records that must be kept."""
        if self._husk is None:
            self._husk = _make_husk()
        return self._husk

    @property
    def has_husk(self) -> bool:
        return self._husk is not None

    @cached_property
    def wide(self) -> "ErasureContext":
        """The same person, matched only by what cannot be someone else's: their email address, and their
        name when it has at least two words. For text other people wrote (answers, action titles, draft
        minutes), where a first name alone ("Sam") would wrongly scrub everyone called Sam."""
        name = self.person.display_name.strip()
        needles = [self.person.email] + ([name] if len(name.split()) >= 2 else [])
        return ErasureContext(person=self.person, needles=[n for n in needles if n])

    @cached_property
    def _pattern(self) -> re.Pattern:
        # Also each needle as JSON escapes it (a revision stores a StreamField as a JSON string inside JSON).
        forms = {n for n in self.needles} | {json.dumps(n)[1:-1] for n in self.needles}
        alternatives = "|".join(re.escape(n) for n in sorted(forms, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def mentions(self, text) -> bool:
        return bool(text) and bool(self._pattern.search(str(text)))

    def scrub(self, text: str) -> str:
        """`text` with the person's name and email address replaced by "Former member"."""
        return self._pattern.sub(ERASED_NAME, text) if text else text

    def scrub_json(self, value):
        if hasattr(value, "raw_data"):  # a StreamField's value, as its JSON
            return self.scrub_json(list(value.raw_data))
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, list):
            return [self.scrub_json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.scrub_json(v) for k, v in value.items()}
        return value

    def scrub_rows(self, queryset, fields: Iterable[str] = (), json_fields: Iterable[str] = ()) -> int:
        """Scrub the text columns `fields` and JSON columns `json_fields` of every row in `queryset` that
        mentions the person, with plain UPDATEs (no new history row names the change); if the model keeps
        django-simple-history, its history rows are scrubbed the same way. Returns the rows changed."""
        fields, json_fields = list(fields), list(json_fields)
        changed = 0
        models_and_rows = [(queryset.model, queryset)]
        history = getattr(queryset.model, "history", None)
        if history is not None and hasattr(history, "model"):
            models_and_rows.append((history.model, history.model.objects.filter(id__in=queryset.values("pk"))))
        for model, rows in models_and_rows:
            names = {f.name for f in model._meta.concrete_fields}
            plain = [f for f in fields if f in names]
            jsons = [f for f in json_fields if f in names]
            if not plain and not jsons:
                continue
            rows = rows.annotate(**{f"{f}_as_text": Cast(f, models.TextField()) for f in jsons})
            for row in rows.filter(self.text_filter(*plain, json_names=jsons)).values("pk", *plain, *jsons):
                update = {f: _fit(model, f, self.scrub(row[f])) for f in plain}
                update |= {f: self.scrub_json(row[f]) for f in jsons}
                changed += model._base_manager.filter(pk=row["pk"]).update(**update)
        return changed

    def text_filter(self, *names: str, json_names: Iterable[str] = ()) -> Q:
        """A filter for rows whose text columns `names` (or JSON columns, read as text) mention the person.

        JSON is matched both as written and with non-ASCII letters escaped, as SQLite stores it.
        """
        query = Q()
        for needle in self.needles:
            escaped = json.dumps(needle)[1:-1]
            for name in names:
                query |= Q(**{f"{name}__icontains": needle})
            for name in json_names:
                query |= Q(**{f"{name}_as_text__icontains": needle}) | Q(**{f"{name}_as_text__icontains": escaped})
        return query


def _fit(model, name: str, text: str) -> str:
    """`text` cut to the column's length ("Former member" can be longer than the name it replaces)."""
    limit = model._meta.get_field(name).max_length
    return text[:limit] if limit and text else text


@dataclass(frozen=True)
class ErasureReport:
    counts: dict[str, int]
    husk_id: int | None
    event_id: int


def erasure_blockers(*, person: User) -> list[str]:
    """Plain reasons why `person` cannot be erased yet (empty when they can)."""
    reasons = []
    if person.is_superuser or person.is_staff:
        reasons.append(
            "This account can manage the whole site. Another administrator must remove that power "
            "first, so the site is never left without someone in charge."
        )
    if person.groups.filter(name__in=[roles.TRUSTEES, roles.SECRETARIES]).exists():
        reasons.append(
            "You are listed as a trustee or secretary. The law says we must keep an up-to-date list of "
            "our trustees, so please ask the secretary to record that you have stepped down first."
        )
    for guard in GUARDS.values():
        reason = guard(person)
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons


def person_erase(*, person: User, by: User | None = None, channel: str = SELF) -> ErasureReport:
    """Erase `person` (see the module docstring), in one transaction; `ErasureRefused` if they cannot be.

    `channel` is SELF when the person asked on their account page (the ledger event's actor is their
    own, soon unlinked, pseudonym) or STAFF for a request by phone or letter (`by` is the staff member,
    or None for someone at the server). Afterwards the person's email, name and id are nowhere in the
    database outside the ledger's unlinked pseudonym keys and ids.
    """
    reasons = erasure_blockers(person=person)
    if reasons:
        raise ErasureRefused(reasons)
    with _secure_delete():
        with transaction.atomic():
            person = User.objects.select_for_update().get(pk=person.pk)
            return _erase(person, by, channel)


def _erase(person: User, by: User | None, channel: str) -> ErasureReport:
    ctx = ErasureContext(person=person, needles=[n for n in (person.email, person.display_name.strip()) if n])
    counts: dict[str, int] = {}
    for erase in ERASERS.values():
        for key, value in (erase(ctx) or {}).items():
            counts[key] = counts.get(key, 0) + value
    counts["downloads_deleted"] = _delete_downloads(person)
    counts.update(_wagtail_and_admin_logs(ctx))
    counts["records_kept_anonymously"] = _move_to_husk(ctx)
    counts["sign_in_records_deleted"] = _delete_sign_in_records(person)
    counts["sessions_ended"] = _end_sessions(person)
    counts["messages_to_them_deleted"] = _delete_messages_to(person)
    counts["search_entries_cleaned"] = _clean_search_index(ctx)
    data = {"channel": channel, **{k: v for k, v in sorted(counts.items()) if v}}
    # Neither the person's pseudonym (as actor or in the data) nor their old id (as target): either would
    # tie every earlier event they made to "this person asked to be erased", which staff know of them.
    event = audit_record(actor=by if channel == STAFF else None, action="account.erased", data=data)
    ActorPseudonym.objects.filter(user=person).delete()
    _delete_avatar(person)
    person.delete()
    # Public pages and the copies kept in the cache may show their name (a decision's mover, say).
    page_cache_clear()
    return ErasureReport(counts=counts, husk_id=ctx._husk.pk if ctx.has_husk else None, event_id=event.pk)


# A husk's join date: not the moment of the erasure, which would sit beside the ledger's erasure event.
HUSK_JOINED = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def _make_husk() -> User:
    """A new nameless, inactive account. On PostgreSQL its id is drawn at random from far above the
    sequence, so its place among the ids does not date it (SQLite would carry on numbering from a random
    id, so there it takes the next one); its join date is a fixed day for the same reason."""
    husk = User(
        email=f"erased-{secrets.token_hex(8)}@{ERASED_DOMAIN}", display_name=ERASED_NAME, is_active=False,
        date_joined=HUSK_JOINED,
    )
    if connection.vendor == "postgresql":
        husk.pk = _unused_random_id()
    husk.set_unusable_password()
    husk.save(force_insert=True)
    ErasedAccount.objects.create(user=husk)
    return husk


def _unused_random_id() -> int:
    while True:
        candidate = HUSK_IDS_FROM + secrets.randbelow(HUSK_IDS_FROM)
        if not User.objects.filter(pk=candidate).exists():
            return candidate


HUSK_IDS_FROM = 2**40  # a sequence counting one account a second would take 35,000 years to get here


# --- every reference to the user model ----------------------------------------------------------------

def user_references() -> list[tuple[type[models.Model], models.Field]]:
    """(model, field) for every foreign key to the user model, each database column once.

    Includes django-simple-history's tables and Wagtail's own; leaves out the user's groups and
    permissions (they go with the account) and page subclasses' inherited columns (listed on Page).
    """
    own_through = {f.remote_field.through for f in User._meta.local_many_to_many}
    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or model is User or model in own_through:
            continue
        found += [(model, f) for f in meta.local_concrete_fields if f.is_relation and f.related_model is User]
    return found


def _belongs_to_person(model, field) -> bool:
    """Rows Django would delete with the account (the person's own: profile, consents, downloads...)."""
    return field.remote_field.on_delete is models.CASCADE and not model._meta.auto_created


def _move_to_husk(ctx: ErasureContext) -> int:
    """Point every remaining reference to the person at the husk; return how many rows moved.

    A plain UPDATE on purpose: a history-tracked save would write a new history row naming the change,
    and the history tables are themselves rewritten here, so history reads as if the husk had always
    held the record. Revisions' stored copies of pages get the same change.
    """
    moved = 0
    for model, f in user_references():
        if _belongs_to_person(model, f):
            continue
        rows = model._base_manager.filter(**{f.attname: ctx.person.pk})
        if rows.exists():
            moved += rows.update(**{f.attname: ctx.husk().pk})
    return moved + _move_revision_content(ctx)


def _move_revision_content(ctx: ErasureContext) -> int:
    names = {f.name for model, f in user_references() if issubclass(model, RevisionMixin)}
    if not names:
        return 0
    query = Q()
    for name in names:
        query |= Q(**{f"content__{name}": ctx.person.pk})
    moved = 0
    for revision in Revision.objects.filter(query).only("pk", "content"):
        content = {k: (ctx.husk().pk if k in names and v == ctx.person.pk else v) for k, v in revision.content.items()}
        moved += Revision.objects.filter(pk=revision.pk).update(content=content)
    return moved


# --- what only the person had ----------------------------------------------------------------------

def _delete_downloads(person: User) -> int:
    """The person's long-job files ("My data" and reports): rows go with the account, files after commit."""
    names = [name for name in LongJob.objects.filter(started_by=person).values_list("result", flat=True) if name]

    def delete_files() -> None:
        storage = storages["private"]
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return LongJob.objects.filter(started_by=person).count()


def _delete_avatar(person: User) -> None:
    profile = apps.get_model("wagtailusers", "UserProfile").objects.filter(user=person).first()
    if profile is not None and profile.avatar:
        name, storage = profile.avatar.name, profile.avatar.storage
        transaction.on_commit(lambda: storage.delete(name))


def _delete_sign_in_records(person: User) -> int:
    """django-axes keeps sign-in attempts by the address typed (the email), not by account."""
    deleted = 0
    for label in _AXES_MODELS:
        if apps.is_installed("axes"):
            deleted += apps.get_model(label).objects.filter(username__iexact=person.email).delete()[0]
    return deleted


def _delete_messages_to(person: User) -> int:
    """Background jobs addressed to the person (emails, sent or waiting): their payload and key hold the
    person's id, and there is nobody left to write to."""
    return OutboxMessage.objects.filter(payload__user_id=person.pk).delete()[0]


def _end_sessions(person: User) -> int:
    """Delete every session (current or expired) signed in as the person, through the session engine, so
    the copy each one has in the cache goes too (settings: SESSION_ENGINE keeps sessions in both)."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = [s.pk for s in Session.objects.iterator() if s.get_decoded().get("_auth_user_id") == str(person.pk)]
    def end_them() -> None:
        for session_key in ended:
            store(session_key=session_key).delete()

    end_them()
    # A request from the person's other tab before the erasure commits still finds the row and may put it
    # back in the cache: drop any such copy again once the rows are gone for good.
    transaction.on_commit(end_them)
    return len(ended)


# --- Wagtail's and Django's logs, and the search index ----------------------------------------------

def _wagtail_and_admin_logs(ctx: ErasureContext) -> dict[str, int]:
    """Log entries about the account itself are deleted; the person's name and address are scrubbed
    from every other log entry's label and data, revisions' titles and the Django admin's log.
    Log entries the person made are kept (they move to the husk with the other references)."""
    user_type = ContentType.objects.get_for_model(User)
    pk = str(ctx.person.pk)
    deleted = ModelLogEntry.objects.filter(content_type=user_type, object_id=pk).delete()[0]
    deleted += LogEntry.objects.filter(content_type=user_type, object_id=pk).delete()[0]
    scrubbed = 0
    for model in (ModelLogEntry, PageLogEntry):
        rows = model.objects.annotate(data_as_text=Cast("data", models.TextField()))
        for entry in rows.filter(ctx.text_filter("label", json_names=["data"])).only("pk", "label", "data"):
            scrubbed += model.objects.filter(pk=entry.pk).update(
                label=ctx.scrub(entry.label), data=ctx.scrub_json(entry.data)
            )
    for revision in Revision.objects.filter(ctx.text_filter("object_str")).only("pk", "object_str"):
        scrubbed += Revision.objects.filter(pk=revision.pk).update(object_str=ctx.scrub(revision.object_str))
    for entry in LogEntry.objects.filter(ctx.text_filter("object_repr", "change_message")):
        scrubbed += LogEntry.objects.filter(pk=entry.pk).update(
            object_repr=ctx.scrub(entry.object_repr), change_message=ctx.scrub(entry.change_message)
        )
    return {"log_entries_deleted": deleted, "log_entries_scrubbed": scrubbed}


def _index_text_fields() -> list[str]:
    wanted = ("title", "body", "autocomplete", "title_text", "body_text")
    return [
        f.name for f in IndexEntry._meta.concrete_fields
        if f.name in wanted and f.get_internal_type() == "TextField"
    ]


def _clean_search_index(ctx: ErasureContext) -> int:
    """Re-index (or drop, if gone) every search entry that mentions the person, from the data as it now is.

    Nothing about people is indexed in this project today (pages, images and documents only), so this
    is a safety net. On SQLite the full-text index is then optimised, so deleted words leave its pages.
    """
    names = _index_text_fields()
    if not names:
        return 0
    cleaned = 0
    for entry in IndexEntry.objects.filter(ctx.text_filter(*names)).select_related("content_type"):
        model = entry.content_type.model_class()
        instance = model._default_manager.filter(pk=entry.object_id).first() if model else None
        entry.delete()
        if instance is not None:
            insert_or_update_object(instance)
        cleaned += 1
    if cleaned and connection.vendor == "sqlite" and "wagtailsearch_indexentry_fts" in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO wagtailsearch_indexentry_fts(wagtailsearch_indexentry_fts) VALUES('optimize')"
            )
    return cleaned


class _secure_delete:
    """On SQLite, overwrite deleted content with zeros while erasing, so it is not left in free pages."""

    def __enter__(self):
        self.on = connection.vendor == "sqlite"
        if self.on:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA secure_delete = ON")

    def __exit__(self, *exc):
        if self.on:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA secure_delete = OFF")
        return False
