"""Reads of the field-level history tables (django-simple-history), for the audit explorer.

Every model with `HistoricalRecords` is found through simple-history's own registry, so apps above
this one need do nothing. Some tables are kept out of the explorer (`hide_history`): a response's
history can name the signed-in person who sent an anonymous response, which no one may see.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.timezone import localtime
from simple_history.models import registered_models
from simple_history.utils import get_history_model_for_model

from .selectors import day_bounds

_HIDDEN: set[str] = {"consultations.response"}
_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}
_NOT_SHOWN = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


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


def history_kinds() -> list[HistoryKind]:
    """Every tracked model the explorer may show, by name."""
    kinds = []
    for model in set(registered_models.values()):
        meta = model._meta
        if not hasattr(meta, "simple_history_manager_attribute") or meta.label_lower in _HIDDEN:
            continue
        name = f"{str(meta.verbose_name).capitalize()} ({meta.app_config.verbose_name})"
        kinds.append(HistoryKind(meta.label_lower, name, model, get_history_model_for_model(model)))
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
    names = _names(kind, records + [p for p in predecessors[-1:] if p is not None])
    versions = []
    for record, before in zip(records, predecessors, strict=True):
        if before is not None:
            delta = record.diff_against(before)
            changes = [_change(kind, c.field, c.old, c.new, names) for c in delta.changes if c.field not in _NOT_SHOWN]
        else:
            changes = [
                _change(kind, f.name, None, getattr(record, f.attname), names)
                for f in kind.model._meta.concrete_fields
                if not f.primary_key and getattr(record, f.attname, None) not in (None, "")
            ]
        versions.append(Version(record, _KINDS.get(record.history_type, record.history_type), changes))
    return versions


def _foreign_keys(kind: HistoryKind) -> dict[str, object]:
    return {f.name: f for f in kind.model._meta.concrete_fields if f.is_relation and f.many_to_one}


def _names(kind: HistoryKind, records: list) -> dict[str, dict]:
    """{field name: {id: readable name}} for the foreign keys in `records`: one query per related model."""
    names = {}
    for name, fk in _foreign_keys(kind).items():
        ids = {getattr(r, fk.attname, None) for r in records} - {None}
        if ids:
            related = fk.related_model._default_manager.in_bulk(ids)
            names[name] = {pk: getattr(obj, "display_name", "") or str(obj) for pk, obj in related.items()}
    return names


def _change(kind: HistoryKind, field_name: str, old, new, names: dict) -> Change:
    try:
        model_field = kind.model._meta.get_field(field_name)
    except Exception:  # noqa: BLE001 - a field removed since the version was written
        return Change(field_name, _text(old), _text(new))
    label = str(getattr(model_field, "verbose_name", field_name)).capitalize()
    known = names.get(field_name, {})
    old, new = known.get(old, old), known.get(new, new)
    choices = dict(getattr(model_field, "flatchoices", None) or [])
    if choices:
        old, new = choices.get(old, old), choices.get(new, new)
    return Change(label, _text(old), _text(new))


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return date_format(localtime(value), "j F Y, H:i:s")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    return str(value)
