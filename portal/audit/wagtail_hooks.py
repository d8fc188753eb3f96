"""The audit ledger in the Wagtail admin: a read-only list, filters and an inspect page.

Only people with `audit.view_auditevent` see it. Nobody, not even a superuser, can add, edit or
delete an event here: the permission policy refuses those actions and their URLs do not exist.
Beside it: a link to the front-end audit explorer, and, for secretaries, a form that records which
published minutes quote a checkpoint.
"""

import django_filters
from django.contrib import messages
from django.contrib.auth import get_permission_codename, get_user_model
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from portal.admin_menu import ShownIf

from . import permissions, selectors, words
from .forms import CheckpointPublicationForm
from .models import AuditEvent
from .services import checkpoint_publication_record

SHORT_HASH_LENGTH = 12


class ReadOnlyPermissionPolicy(ModelPermissionPolicy):
    """Grants "view" to holders of the model's view permission, and nothing else to anyone."""

    def user_has_permission(self, user, action):
        return action == "view" and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        if "view" not in actions:
            return get_user_model().objects.none()
        return super().users_with_any_permission(["view"])


# Registered before the viewset, so Wagtail never creates its default policy for the model.
register_permission_policy(AuditEvent, ReadOnlyPermissionPolicy(AuditEvent))


def _action_choices() -> list[tuple[str, str]]:
    """Every action in the ledger, by its words ("Decision recorded"), read when the filter is shown."""
    actions = AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct()
    return sorted(((action, words.action_words(action)) for action in actions), key=lambda choice: choice[1])


class AuditEventFilterSet(WagtailFilterSet):
    action = django_filters.ChoiceFilter(label="Action", empty_label="All actions", choices=_action_choices)
    occurred_at = django_filters.DateFromToRangeFilter(label="Date", widget=DateRangePickerWidget)

    class Meta:
        model = AuditEvent
        fields = ["action", "occurred_at"]


class AuditEventIndexView(IndexView):
    """The listing, with each event's action and object in words: one query per kind of object shown."""

    def get_table(self, object_list):
        events = list(object_list)
        about = words.target_labels((e.target_type, e.target_id) for e in events)
        for event in events:
            event.what = words.action_words(event.action)
            event.about = about.get((event.target_type, event.target_id), "")
        return super().get_table(events)


_INSPECT_LABELS = {"target_type": "Kind of object", "target_id": "About", "data": "Details"}


class AuditEventInspectView(InspectView):
    """One event: what happened and to what in words, its payload in words, then the hashes. The raw
    columns the hash covers are in the CSV and spreadsheet downloads."""

    def get_page_subtitle(self):
        return f"Event {self.object.pk}: {words.action_words(self.object.action)}"

    def get_action_display_value(self):
        return words.action_words(self.object.action)

    def get_target_type_display_value(self):
        return words.kind_name(self.object.target_type) if self.object.target_type else "Nothing in particular"

    def get_target_id_display_value(self):
        if not self.object.target_type:
            return "-"
        return words.target_label(self.object.target_type, self.object.target_id)

    def get_data_display_value(self):
        details = words.event_details([self.object])[self.object.pk]
        return "; ".join(f"{label}: {value}" for label, value in details) or "-"

    def get_field_label(self, field_name, field):
        return _INSPECT_LABELS.get(field_name) or super().get_field_label(field_name, field)


class AuditEventViewSet(ModelViewSet):
    model = AuditEvent
    name = "audit_ledger"
    menu_label = "Audit ledger"
    icon = "list-ul"
    add_to_admin_menu = True
    menu_order = 900
    ordering = ["-id"]
    index_view_class = AuditEventIndexView
    inspect_view_class = AuditEventInspectView
    list_display = [
        "id",
        "occurred_at",
        Column("what", label="Action"),
        Column("about", label="About"),
        "actor_key",
        Column("short_hash", label="Hash", accessor=lambda event: event.hash[:SHORT_HASH_LENGTH]),
    ]
    filterset_class = AuditEventFilterSet
    search_fields = ["action", "target_type", "target_id", "actor_key", "hash"]
    search_backend_name = None
    list_export = [
        "id", "occurred_at", "actor_key", "action", "target_type", "target_id", "data", "prev_hash", "hash"
    ]
    inspect_view_enabled = True
    inspect_view_fields = list_export
    copy_view_enabled = False

    def get_common_view_kwargs(self, **kwargs):
        """Views get no URL names for writing, so they never offer an add, edit or delete button."""
        no_writes = dict.fromkeys(
            ["add_url_name", "edit_url_name", "delete_url_name", "history_url_name", "usage_url_name"]
        )
        return super().get_common_view_kwargs(**{**no_writes, **kwargs})

    def get_urlpatterns(self):
        """Only the listing and the inspect page exist; there is no URL that could change an event."""
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]

    def get_permissions_to_register(self):
        """Only "view" appears on the group edit screen: add, change and delete mean nothing here."""
        return Permission.objects.filter(
            content_type=ContentType.objects.get_for_model(AuditEvent),
            codename=get_permission_codename("view", AuditEvent._meta),
        )


@hooks.register("register_admin_viewset")
def register_audit_ledger_viewset():
    return AuditEventViewSet()


class CheckpointPublicationView(WagtailAdminTemplateMixin, FormView):
    """Secretaries say which published minutes quote a checkpoint; the service checks the page does."""

    form_class = CheckpointPublicationForm
    template_name = "audit/admin/checkpoint_publications.html"
    page_title = "Audit checkpoints"
    header_icon = "list-ul"
    recent = 12

    def dispatch(self, request, *args, **kwargs):
        if not permissions.can_record_checkpoint_publication(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            checkpoints=selectors.checkpoints_latest(limit=self.recent),
            media=context["form"].media,
            action_url=self.request.path,
            submit_button_label="Record where it was published",
            submit_button_active_label="Checking the page…",
        )
        return context

    def form_valid(self, form):
        checkpoint, page = form.cleaned_data["checkpoint"], form.cleaned_data["page"]
        try:
            checkpoint_publication_record(checkpoint=checkpoint, page=page, user=self.request.user)
        except (ValueError, PermissionDenied) as error:
            form.add_error("page", str(error))
            return self.form_invalid(form)
        messages.success(self.request, f"Recorded: “{page.title}” quotes checkpoint #{checkpoint.pk}.")
        return redirect("audit_checkpoint_publications")


@hooks.register("register_admin_urls")
def register_checkpoint_urls():
    return [
        path("audit-checkpoints/", CheckpointPublicationView.as_view(), name="audit_checkpoint_publications"),
    ]


@hooks.register("register_admin_menu_item")
def register_audit_menu_items():
    return ShownIf(
        "Audit explorer", reverse("audit:explorer"), icon_name="search", order=901,
        shown_if=permissions.can_explore_audit,
    )


@hooks.register("register_admin_menu_item")
def register_checkpoint_menu_item():
    return ShownIf(
        "Audit checkpoints", reverse("audit_checkpoint_publications"), icon_name="list-ul", order=902,
        shown_if=permissions.can_record_checkpoint_publication,
    )
