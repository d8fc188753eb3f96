"""Where a ledger event's object (or a history record's object) can be seen: a small, open registry.

The audit app sits below every app whose objects appear in the ledger, so it cannot import them. An
app says how to link to its objects with `register_object_link("governance.decision", urls_for)` (in
its `AppConfig.ready`), where `urls_for(ids)` returns `{id: url}` for the ids it can link, in one query.
Without that: Wagtail pages link to their public URL (live) or their admin page (not live); models
with `get_absolute_url` use it; models the admin can edit link to the edit screen the viewer may use.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.models import Page

UrlsFor = Callable[[list[str]], dict[str, str]]
_REGISTRY: dict[str, UrlsFor] = {}
# One screen never needs more; it bounds the queries a crafted list of targets could cause.
_MAX_TYPES = 30


def register_object_link(target_type: str, urls_for: UrlsFor) -> None:
    """Link ledger events whose `target_type` is `target_type` ("app_label.model") with `urls_for`."""
    _REGISTRY[target_type.lower()] = urls_for


def object_links(targets: Iterable[tuple[str, str]], *, user=None, request=None) -> dict[tuple[str, str], str]:
    """{(target_type, target_id): url} for every target a link can be worked out for.

    One query per distinct target type (at most `_MAX_TYPES`), never one per event.
    """
    ids_by_type: dict[str, set[str]] = defaultdict(set)
    for target_type, target_id in targets:
        if target_type and target_id:
            ids_by_type[target_type].add(target_id)
    links: dict[tuple[str, str], str] = {}
    for target_type, ids in list(ids_by_type.items())[:_MAX_TYPES]:
        urls_for = _REGISTRY.get(target_type.lower()) or _default_urls_for(target_type, user, request)
        if urls_for is None:
            continue
        for target_id, url in urls_for(sorted(ids)).items():
            if url:
                links[(target_type, str(target_id))] = url
    return links


def model_for(target_type: str):
    """The model a ledger `target_type` ("app_label.model") names, or None when it names none."""
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def valid_pks(model, ids: list[str]) -> list:
    """`ids` (text from the ledger) as `model`'s primary keys, leaving out any that could not be one."""
    pks = []
    for value in ids:
        try:
            pks.append(model._meta.pk.to_python(value))
        except (ValidationError, ValueError, TypeError):
            continue
    return pks


def _default_urls_for(target_type: str, user, request) -> UrlsFor | None:
    model = model_for(target_type)
    if model is None:
        return None
    if issubclass(model, Page):
        return lambda ids: _page_urls(ids, request)
    if hasattr(model, "get_absolute_url"):
        return lambda ids: {
            str(obj.pk): obj.get_absolute_url() for obj in model._default_manager.filter(pk__in=valid_pks(model, ids))
        }
    if user is None:
        return None  # the admin finder checks permissions only when it knows who is asking
    finder = AdminURLFinder(user)
    return lambda ids: {
        str(obj.pk): finder.get_edit_url(obj) for obj in model._default_manager.filter(pk__in=valid_pks(model, ids))
    }


def _page_urls(ids: list[str], request) -> dict[str, str]:
    urls = {}
    for page in Page.objects.filter(pk__in=valid_pks(Page, ids)).only("id", "url_path", "live", "path", "depth"):
        if page.live:
            urls[str(page.pk)] = page.get_url(request)
        else:
            urls[str(page.pk)] = reverse("wagtailadmin_pages:edit", args=[page.pk])
    return urls
