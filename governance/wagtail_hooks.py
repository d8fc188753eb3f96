"""Wagtail admin menus for secretaries ("Meetings and decisions": bodies, memberships, meetings with
their agenda, the recording screen, minutes and the decision register) and for trustees ("For
trustees": the decision register, the evidence report, the audit explorer and the ledger check), so
every task is a click from the admin, never a typed address.

Membership changes go through `services.membership_change`, so each is in the ledger; the other
records are reference data whose history django-simple-history keeps.
"""

from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail.admin.action_menu import ActionMenuItem
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.views.generic.models import CreateView, EditView
from wagtail import hooks

from portal.accounts import roles
from portal.admin_menu import ShownIf
from portal.audit.permissions import can_explore_audit

from . import documents  # noqa: F401  (registers the before_serve_document papers check)
from . import minutes_admin, permissions, services
from .models import AgendaItem, Body, Meeting, Membership, MinutesIndexPage, MinutesPage


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


class MeetingEditView(EditView):
    """The meeting's page in the admin also shows its agenda (each item a click away, and one to add) and
    leads to the screen where attendance and decisions are recorded."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["agenda"] = AgendaItem.objects.filter(meeting=self.object).order_by("order", "pk")
        context["record_url"] = reverse("governance:meeting-detail", args=[self.object.pk])
        context["add_item_url"] = f"{reverse('governance_admin_agenda_items:add')}?meeting={self.object.pk}"
        return context


class MeetingViewSet(ModelViewSet):
    url_prefix = "governance/meetings"
    url_namespace = "governance_admin_meetings"
    model = Meeting
    icon = "date"
    menu_label = "Meetings"
    list_display = ["title", "body", "starts_at", "status", "is_public"]
    list_filter = ["body", "status"]
    form_fields = ["body", "title", "starts_at", "location", "is_public"]
    edit_view_class = MeetingEditView
    edit_template_name = "governance/admin/meeting_edit.html"


class AgendaItemCreateView(CreateView):
    """Reached from a meeting's page: the meeting is filled in, and saving goes back to it."""

    def get_initial(self):
        initial = super().get_initial()
        if self.request.GET.get("meeting", "").isdigit():
            initial["meeting"] = self.request.GET["meeting"]
        return initial

    def get_success_url(self):
        return reverse("governance_admin_meetings:edit", args=[self.object.meeting_id])


class AgendaItemEditView(EditView):
    def get_success_url(self):
        return reverse("governance_admin_meetings:edit", args=[self.object.meeting_id])


class AgendaItemViewSet(ModelViewSet):
    url_prefix = "governance/agenda-items"
    url_namespace = "governance_admin_agenda_items"
    model = AgendaItem
    icon = "list-ol"
    menu_label = "Agenda items"
    add_to_admin_menu = False  # edited from each meeting's page
    list_display = ["title", "meeting", "order", "confidential"]
    list_filter = ["meeting__body", "confidential"]
    form_fields = ["meeting", "order", "title", "description", "confidential", "consultations", "themes", "papers"]
    add_view_class = AgendaItemCreateView
    edit_view_class = AgendaItemEditView


class GovernanceViewSetGroup(ViewSetGroup):
    menu_label = "Meetings and decisions"
    menu_icon = "group"
    items = (BodyViewSet, MembershipViewSet, MeetingViewSet)
    submenu_hook = "register_governance_menu_item"


@hooks.register("register_admin_viewset")
def register_governance_viewsets():
    return GovernanceViewSetGroup()


@hooks.register("register_admin_viewset")
def register_agenda_item_viewset():
    return AgendaItemViewSet()


def _recorder(user) -> bool:
    return permissions.is_secretary(user)


@hooks.register("register_governance_menu_item")
def register_record_meetings_item():
    return ShownIf("Record attendance and decisions", reverse("governance:meeting-list"), icon_name="edit",
                        order=10, shown_if=_recorder)


@hooks.register("register_governance_menu_item")
def register_minutes_item():
    return ShownIf("Minutes", reverse("governance_admin_minutes"), icon_name="doc-full", order=11,
                        shown_if=_recorder)


@hooks.register("register_governance_menu_item")
def register_register_item():
    return ShownIf("Decision register and actions", reverse("governance:decision-register"), icon_name="list-ul",
                        order=12, shown_if=_recorder)


def minutes_list(request):
    """Every set of minutes, newest meeting first, with where each is in sign-off and a link to write it
    and to sign it off; and where to start new minutes (the minutes index in the page explorer)."""
    user = request.user
    if not (permissions.is_secretary(user) or user.groups.filter(name=roles.EDITORS).exists() or user.is_superuser):
        return permission_denied(request)
    context = {
        "minutes": MinutesPage.objects.select_related("meeting__body").order_by("-meeting__starts_at", "pk"),
        "index": MinutesIndexPage.objects.first(),
        "page_title": "Minutes",
        "header_title": "Minutes",
        "breadcrumbs_items": [{"url": reverse("wagtailadmin_home"), "label": "Home"}, {"url": "", "label": "Minutes"}],
    }
    return TemplateResponse(request, "governance/admin/minutes_list.html", context)


@hooks.register("register_admin_urls")
def register_minutes_explorer_url():
    return [path("governance/minutes/", minutes_list, name="governance_admin_minutes")]


@hooks.register("register_admin_menu_item")
def register_trustees_menu():
    return SubmenuMenuItem("For trustees", Menu(register_hook_name="register_trustees_menu_item"),
                           icon_name="crosshairs", order=205)


def _trustee(user) -> bool:
    return permissions.is_trustee(user)


@hooks.register("register_trustees_menu_item")
def register_trustees_register_item():
    return ShownIf("Decision register", reverse("governance:decision-register"), icon_name="list-ul", order=1,
                        shown_if=_trustee)


@hooks.register("register_trustees_menu_item")
def register_trustees_evidence_item():
    return ShownIf("Evidence report", reverse("governance:evidence"), icon_name="doc-full", order=2,
                        shown_if=_trustee)


@hooks.register("register_trustees_menu_item")
def register_trustees_audit_item():
    return ShownIf("Audit explorer and ledger check", reverse("audit:explorer"), icon_name="search", order=3,
                        shown_if=lambda user: _trustee(user) and can_explore_audit(user))


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
