"""Reads of the field-level history tables (django-simple-history), for the audit explorer and the
history pages of the apps above (governance's decision history), in words: fields by their verbose
names, codes by their labels, related objects by name (portal/audit/words.py), never a bare id.

Every model with `HistoricalRecords` is found through simple-history's own registry, so apps above
this one need do nothing. Some tables are kept out of the explorer (`hide_history`): a response's
history can name the signed-in person who sent an anonymous response, which no one may see.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import FieldDoesNotExist
from django.db.models import QuerySet
from simple_history.models import registered_models
from simple_history.utils import get_history_model_for_model, get_m2m_reverse_field_name

from .selectors import day_bounds
from .words import choice_words, field_label, key_words, kind_name, object_labels, person_names, value_words

_HIDDEN: set[str] = {"consultations.response"}
_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}
_NOT_SHOWN = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}
SYSTEM = "the system"


def hide_history(label: str) -> None:
    """Keep the history of `label` ("app_label.model") out of the explorer."""
    _HIDDEN.add(label.lower())


@dataclass(frozen=True)
class HistoryKind:
    label: str
    name: str
    model: type
    history_model: type


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass
class Version:
    record: object
    kind: str
    changes: list[Change] = field(default_factory=list)
    who: str = SYSTEM


def history_kinds() -> list[HistoryKind]:
    """Every tracked model the explorer may show, by name."""
    kinds = []
    for model in set(registered_models.values()):
        meta = model._meta
        if not hasattr(meta, "simple_history_manager_attribute") or meta.label_lower in _HIDDEN:
            continue
        history_model = get_history_model_for_model(model)
        kinds.append(HistoryKind(meta.label_lower, kind_name(meta.label_lower), model, history_model))
    return sorted(kinds, key=lambda kind: kind.name)


def history_kind(label: str) -> HistoryKind | None:
    return next((kind for kind in history_kinds() if kind.label == label), None)


def history_records(
    *, kind: HistoryKind, object_id=None, user_ids: list[int] | None = None,
    on_or_after: date | None = None, on_or_before: date | None = None,
) -> QuerySet:
    """The versions of `kind`'s records, newest first, narrowed by object, by who made them and by date."""
    records = kind.history_model.objects.select_related("history_user").order_by("-history_date", "-history_id")
    if object_id is not None:
        records = records.filter(**{kind.model._meta.pk.attname: object_id})
    if user_ids is not None:
        records = records.filter(history_user_id__in=user_ids)
    start, end = day_bounds(on_or_after, on_or_before)
    if start:
        records = records.filter(history_date__gte=start)
    if end:
        records = records.filter(history_date__lt=end)
    return records


def history_versions(kind: HistoryKind, records: list) -> list[Version]:
    """Field-by-field changes for one object's versions (`records`, newest first, as one page shows them).

    Each version is compared with the one before it; the oldest on the page fetches its predecessor
    (one query), so a long history is never read whole.
    """
    if not records:
        return []
    predecessors = records[1:] + [records[-1].prev_record]
    names = related_names(kind.model, records + [p for p in predecessors[-1:] if p is not None])
    people = person_names(r.history_user_id for r in records if r.history_user_id)
    return [
        Version(record, _KINDS.get(record.history_type, record.history_type),
                version_changes(kind.model, record, before, names),
                people.get(str(record.history_user_id), SYSTEM))
        for record, before in zip(records, predecessors, strict=True)
    ]


def version_changes(model, record, before, names: dict, hidden: frozenset = frozenset()) -> list[Change]:
    """What changed in `record` since the version `before`, in words; with no `before`, every field it
    was made with. `names` comes from `related_names`; fields in `hidden` are left out."""
    hidden = _NOT_SHOWN | hidden
    if before is not None:
        delta = record.diff_against(before)
        return [change_in_words(model, c.field, c.old, c.new, names) for c in delta.changes
                if c.field not in hidden]
    return [
        change_in_words(model, f.name, None, getattr(record, f.attname), names)
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in hidden and getattr(record, f.attname, None) not in (None, "")
    ]


def related_names(model, records: list) -> dict[str, dict[str, str]]:
    """{field name: {id: words}} for the objects `records` point at: one query per related model.

    A person is named (or "a former member" once erased), anything else as the ledger names it
    (portal.audit.words), so a history never shows a bare id.
    """
    names = {}
    for field in model._meta.concrete_fields:
        if field.is_relation and (field.many_to_one or field.one_to_one):
            ids = {getattr(r, field.attname, None) for r in records} - {None}
            if ids:
                names[field.name] = object_labels(field.related_model, ids)
    return names


def change_in_words(model, field_name: str, old, new, names: dict) -> Change:
    """One changed field: its verbose name, and each value as a person reads it (a related object by
    name, a code by its choice's label, a date in words)."""
    try:
        model_field = model._meta.get_field(field_name)
    except FieldDoesNotExist:  # a field removed since the version was written
        return Change(key_words(field_name), value_words(old), value_words(new))
    label = field_label(model_field)
    if model_field.many_to_many:
        return Change(label, _many_words(model_field, old), _many_words(model_field, new))
    if field_name in names:
        return Change(label, _named(names[field_name], old), _named(names[field_name], new))
    return Change(label, choice_words(model_field, old), choice_words(model_field, new))


def _named(known: dict[str, str], value) -> str:
    return "" if value is None else known.get(str(value), value_words(value))


def _many_words(model_field, rows) -> str:
    """simple-history's rows for a many-to-many field ({through field: id}) as the related objects' names."""
    through = get_m2m_reverse_field_name(model_field)
    ids = [row.get(through) for row in rows or []]
    names = object_labels(model_field.related_model, ids)
    return ", ".join(names[str(i)] for i in ids if i is not None)
