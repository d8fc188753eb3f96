"""Wagtail admin for secretaries: bodies, memberships, meetings and agenda items, in one menu.

Membership changes go through `services.membership_change`, so each is in the ledger; the other
records are reference data whose history django-simple-history keeps.
"""

from django.urls import path, reverse
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.views.generic.models import CreateView, EditView
from wagtail import hooks

from . import documents  # noqa: F401  (registers the before_serve_document papers check)
from . import minutes_admin, services
from .models import AgendaItem, Body, Meeting, Membership, MinutesPage


class BodyViewSet(ModelViewSet):
    url_prefix = "governance/bodies"
    url_namespace = "governance_admin_bodies"
    model = Body
    icon = "group"
    menu_label = "Bodies"
    list_display = ["name", "code", "quorum", "lived_experience_quorum"]
    form_fields = ["name", "slug", "code", "description", "quorum", "lived_experience_quorum", "chair_may_approve_minutes"]
    search_fields = ["name"]


class _MembershipSave:
    """Create and edit memberships through the service, so the ledger records each change."""

    def save_instance(self):
        data = self.form.cleaned_data
        existing = None if isinstance(self, CreateView) else Membership.objects.get(pk=self.object.pk)
        return services.membership_change(
            body=data["body"], person=data["person"], user=self.request.user, role=data["role"], seat=data["seat"],
            starts_on=data["starts_on"], ends_on=data["ends_on"], membership=existing,
        )


class MembershipCreateView(_MembershipSave, CreateView):
    pass


class MembershipEditView(_MembershipSave, EditView):
    pass


class MembershipViewSet(ModelViewSet):
    url_prefix = "governance/memberships"
    url_namespace = "governance_admin_memberships"
    model = Membership
    icon = "user"
    menu_label = "Memberships"
    list_display = ["person", "body", "role", "seat", "starts_on", "ends_on"]
    list_filter = ["body", "role", "seat"]
    form_fields = ["body", "person", "role", "seat", "starts_on", "ends_on"]
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView


class MeetingViewSet(ModelViewSet):
    url_prefix = "governance/meetings"
    url_namespace = "governance_admin_meetings"
    model = Meeting
    icon = "date"
    menu_label = "Meetings"
    list_display = ["title", "body", "starts_at", "status", "is_public"]
    list_filter = ["body", "status"]
    form_fields = ["body", "title", "starts_at", "location", "is_public"]


class AgendaItemViewSet(ModelViewSet):
    url_prefix = "governance/agenda-items"
    url_namespace = "governance_admin_agenda_items"
    model = AgendaItem
    icon = "list-ol"
    menu_label = "Agenda items"
    list_display = ["title", "meeting", "order", "confidential"]
    list_filter = ["meeting__body", "confidential"]
    form_fields = ["meeting", "order", "title", "description", "confidential", "consultations", "themes", "papers"]


class GovernanceViewSetGroup(ViewSetGroup):
    menu_label = "Governance"
    menu_icon = "group"
    items = (BodyViewSet, MembershipViewSet, MeetingViewSet, AgendaItemViewSet)


@hooks.register("register_admin_viewset")
def register_governance_viewsets():
    return GovernanceViewSetGroup()


class SignOffMinutesMenuItem(ActionMenuItem):
    """In the minutes editor's action menu, where Publish would be: minutes are published by sign-off."""

    label = "Sign off minutes"
    name = "action-sign-off"
    icon_name = "tick-inverse"
    order = 5  # just after the first item, above anything else

    def is_shown(self, context):
        page = context.get("page")
        return context.get("view") == "edit" and isinstance(page, MinutesPage) and page.pk is not None

    def get_url(self, parent_context):
        return reverse("governance_minutes_sign_off", args=[parent_context["page"].pk])


@hooks.register("register_page_action_menu_item")
def register_sign_off_minutes_item():
    return SignOffMinutesMenuItem(order=5)


@hooks.register("register_admin_urls")
def register_minutes_sign_off_url():
    return [path("governance/minutes/<int:pk>/sign-off/", minutes_admin.sign_off, name="governance_minutes_sign_off")]
