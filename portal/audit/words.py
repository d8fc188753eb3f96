"""Objects, history values and ledger payloads in people's words: "Decision TB-2026-006", "Board of
Trustees minutes of 4 March 2026", "a person's account", never `governance.decision 17` or `body: 2`.

The audit app sits below every app whose objects appear in the ledger and the history tables, so it
cannot import them. Each app says how to name its objects, in its `AppConfig.ready`:

- `register_target_label("governance.decision", labels_for)`, where `labels_for(ids)` returns
  `{id: label}` for the ids it can name, in one query;
- `register_event_key("outcome", Outcome, action="governance.outcome_recorded")` when a key of a ledger
  event's payload holds ids of a model, or codes of a field's choices, that the rules below would miss.

Without a registration an object is named by its model's verbose name and its own words, and "a deleted
<verbose name>" once it is gone. A payload key is read as the target itself, the target's own field of
that name, a key registered for every event, or the model of that name in the target's app, in that order.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from datetime import date, datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, Field, Model, OuterRef, QuerySet
from django.utils.text import capfirst

from portal.dates import gov_date, gov_datetime
from portal.privacy.models import ErasedAccount

from .links import model_for, valid_pks

LabelsFor = Callable[[list[str]], dict[str, str]]
Meaning = type[Model] | Field | None

FORMER_MEMBER = "a former member"
NO_LONGER_KEPT = "a record of a kind the portal no longer keeps"
_LABELS: dict[str, LabelsFor] = {}
_KINDS: dict[str, str] = {}
_EVENT_KEYS: dict[tuple[str, str], type[Model] | Field] = {}
# Keys that name the event's own target when they hold its id (minutes events say "page": their id).
_SELF_KEYS = {"id", "page", "page_id"}
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


# --- registries -----------------------------------------------------------------------------------
def register_target_label(target_type: str, labels_for: LabelsFor, *, kind: str = "") -> None:
    """Name objects of `target_type` ("app_label.model") with `labels_for(ids) -> {id: label}`, in the
    ledger and wherever a history record points at one; `kind` ("Minutes") names the kind in lists."""
    _LABELS[target_type.lower()] = labels_for
    if kind:
        _KINDS[target_type.lower()] = kind


def register_event_key(key: str, meaning: type[Model] | Field, *, action: str = "") -> None:
    """Read the payload key `key` (of `action`'s events, or of every event) as ids of the model
    `meaning`, or as codes of the field `meaning`'s choices."""
    _EVENT_KEYS[(action, key)] = meaning


# --- objects --------------------------------------------------------------------------------------
def kind_name(target_type: str) -> str:
    """The kind of object `target_type` stands for, as lists show it: "Decision (Governance)"."""
    model = model_for(target_type)
    if model is None:
        return capfirst(NO_LONGER_KEPT)
    kind = _KINDS.get(target_type.lower()) or capfirst(model._meta.verbose_name)
    return f"{kind} ({model._meta.app_config.verbose_name})"


def target_labels(targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """{(target_type, target_id): label} for ledger targets, one query per kind of object."""
    ids_by_type: dict[str, set[str]] = defaultdict(set)
    for target_type, target_id in targets:
        if target_type and target_id:
            ids_by_type[target_type].add(str(target_id))
    labels = {}
    for target_type, ids in ids_by_type.items():
        named = _labels_of(target_type, sorted(ids))
        model = model_for(target_type)
        gone = _gone(model) if model else NO_LONGER_KEPT
        for target_id in ids:
            labels[(target_type, target_id)] = named.get(target_id) or gone
    return labels


def target_label(target_type: str, target_id) -> str:
    return target_labels([(target_type, str(target_id))]).get((target_type, str(target_id)), "")


def object_labels(model: type[Model], ids: Iterable) -> dict[str, str]:
    """{id: words} for `model`'s objects, as a history record's related object is shown: a person by
    name ("a former member" once erased), anything else as the ledger names it."""
    ids = sorted({str(i) for i in ids if i is not None})
    if not ids:
        return {}
    if model is get_user_model():
        named = person_names(ids)
    else:
        named = _labels_of(model._meta.label_lower, ids)
    return {i: named.get(i) or _gone(model) for i in ids}


def person_names(ids: Iterable) -> dict[str, str]:
    """{id: name} for accounts: the display name (or the email when there is none), and "a former
    member" for the husk that stands in for an erased person. One query."""
    user_model = get_user_model()
    rows = (
        user_model.objects.filter(pk__in=valid_pks(user_model, [str(i) for i in ids]))
        .annotate(erased=Exists(ErasedAccount.objects.filter(user=OuterRef("pk"))))
        .values_list("pk", "display_name", "email", "erased")
    )
    return {str(pk): FORMER_MEMBER if erased else (name or email) for pk, name, email, erased in rows}


def label_rows(model: type[Model], ids: Iterable[str], *fields: str) -> QuerySet:
    """(pk, *fields) of `model`'s rows among `ids` (text from the ledger), in one query: what a
    registered `labels_for` usually needs."""
    return model._default_manager.filter(pk__in=valid_pks(model, list(ids))).values_list("pk", *fields)


def _labels_of(target_type: str, ids: list[str]) -> dict[str, str]:
    labels_for = _LABELS.get(target_type.lower())
    if labels_for is not None:
        return labels_for(ids)
    model = model_for(target_type)
    if model is None:
        return {}
    verbose = capfirst(model._meta.verbose_name)
    objects = model._default_manager.filter(pk__in=valid_pks(model, ids))
    return {str(obj.pk): f"{verbose} “{_own_words(obj)}”" for obj in objects}


def _own_words(obj: Model) -> str:
    text = str(obj)
    return f"number {obj.pk}" if text == f"{type(obj).__name__} object ({obj.pk})" else text


def _gone(model: type[Model]) -> str:
    if model is get_user_model():
        return "a deleted account"
    return f"a deleted {model._meta.verbose_name}"


# --- values ---------------------------------------------------------------------------------------
def value_words(value) -> str:
    """A stored value as a person reads it: dates in words, Yes or No, lists joined; "" for nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return gov_datetime(value, weekday=False)
    if isinstance(value, date):
        return gov_date(value)
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        return _moment_words(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(value_words(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key_words(str(key))}: {value_words(item)}" for key, item in value.items())
    return str(value)


def key_words(key: str) -> str:
    """A payload key as a label: "lived_experience_present" -> "Lived experience present"."""
    return capfirst(key.replace("_", " ").strip())


def _moment_words(text: str) -> str:
    try:
        return value_words(date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text))
    except ValueError:
        return text


# --- ledger events --------------------------------------------------------------------------------
def action_words(action: str) -> str:
    """A ledger action in words: "governance.decision_recorded" -> "Decision recorded",
    "account.erased" -> "Account erased"."""
    prefix, _, verb = action.partition(".")
    if not verb:
        return key_words(prefix)
    if "_" not in verb:
        return key_words(f"{prefix} {verb}")
    return key_words(verb)


def event_details(events: Iterable) -> dict[int, list[tuple[str, str]]]:
    """{event id: [(label, value)]}: each event's payload in words, ids named as the objects they stand
    for (one query per kind of object among `events`) and codes as their labels. Keys in the order the
    hash covers them (sorted), so SQLite and PostgreSQL (whose jsonb reorders keys) read the same."""
    readings = {
        event.pk: [(key, value, _meaning(event, key, value)) for key, value in sorted((event.data or {}).items())]
        for event in events
    }
    wanted: dict[type[Model], set] = defaultdict(set)
    for items in readings.values():
        for _key, value, meaning in items:
            if isinstance(meaning, type) and _is_id(value):
                wanted[meaning].add(value)
    names = {model: object_labels(model, ids) for model, ids in wanted.items()}
    return {
        pk: [_item(key, value, meaning, names) for key, value, meaning in rows] for pk, rows in readings.items()
    }


def field_label(field: Field) -> str:
    return capfirst(str(getattr(field, "verbose_name", field.name)))


def choice_words(field: Field, value) -> str:
    """A code as its choice's label (get_FOO_display), or the value in words when it has none."""
    choices = dict(getattr(field, "flatchoices", None) or [])
    return str(choices[value]) if isinstance(value, Hashable) and value in choices else value_words(value)


def _meaning(event, key: str, value) -> Meaning:
    if (event.action, key) in _EVENT_KEYS:
        return _EVENT_KEYS[(event.action, key)]
    model = model_for(event.target_type) if event.target_type else None
    if model is not None:
        if str(value) == event.target_id and key in _SELF_KEYS | {model._meta.model_name}:
            return model
        field = _field(model, key)
        if field is not None:
            return field.related_model if field.many_to_one or field.one_to_one else field
    if ("", key) in _EVENT_KEYS:
        return _EVENT_KEYS[("", key)]
    app_label = model._meta.app_label if model is not None else event.action.partition(".")[0]
    try:
        return apps.get_model(app_label, key)
    except (LookupError, ValueError):
        return None


def _field(model: type[Model], key: str) -> Field | None:
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if field.concrete else None


def _is_id(value) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, str) and value.isdigit())


def _item(key: str, value, meaning: Meaning, names: dict) -> tuple[str, str]:
    """(label, value): a key named like its field takes the field's verbose name ("from" stays "From")."""
    label = field_label(meaning) if isinstance(meaning, Field) and meaning.name == key else key_words(key)
    return label, _payload_words(value, meaning, names)


def _payload_words(value, meaning: Meaning, names: dict) -> str:
    if isinstance(meaning, type) and _is_id(value):
        return names.get(meaning, {}).get(str(value), value_words(value))
    if isinstance(meaning, Field):
        return choice_words(meaning, value)
    return value_words(value)
