"""Wagtail admin for returning officers: ballots with their options, the electorate list, open and close."""

from django.urls import path
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.views.generic.models import CreateView, EditView
from wagtail.admin.viewsets.model import ModelViewSet

from . import admin_views
from .admin_forms import BallotAdminForm
from .models import Ballot


class _BallotActions:
    """Both the add and the edit page say plainly where the ballot is and what can still change."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ballot = getattr(self, "object", None)
        context["ballot"] = ballot if ballot is not None and ballot.pk else None
        return context


class BallotCreateView(_BallotActions, CreateView):
    pass


class BallotEditView(_BallotActions, EditView):
    pass


class BallotViewSet(ModelViewSet):
    url_prefix = "voting/ballots"
    url_namespace = "voting_admin_ballots"
    model = Ballot
    icon = "tasks"
    menu_label = "Ballots"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["title", "kind", "status", "opens_at", "closes_at"]
    list_filter = ["status", "kind"]
    search_fields = ["title"]
    copy_view_enabled = False
    add_view_class = BallotCreateView
    edit_view_class = BallotEditView
    create_template_name = "voting/admin/ballot_form.html"
    edit_template_name = "voting/admin/ballot_form.html"
    edit_handler = ObjectList(
        [
            FieldPanel("title"),
            FieldPanel("description"),
            FieldRowPanel([FieldPanel("kind"), FieldPanel("seats")], heading="Kind of ballot"),
            MultiFieldPanel([FieldPanel("electorate"), FieldPanel("body")], heading="Who can vote"),
            FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at")], heading="When voting is open"),
            MultiFieldPanel(
                [FieldPanel("threshold"), FieldPanel("turnout_quorum"), FieldPanel("secret")], heading="Rules"
            ),
            FieldPanel("decision"),
            InlinePanel(
                "options",
                heading="Options or candidates",
                label="Option",
                panels=[FieldPanel("label"), FieldPanel("statement"), FieldPanel("photo")],
            ),
        ],
        base_form_class=BallotAdminForm,
    )


@hooks.register("register_admin_viewset")
def register_ballot_viewset():
    return BallotViewSet()


@hooks.register("register_admin_urls")
def register_ballot_action_urls():
    return [
        path("voting/ballots/<int:pk>/electorate/", admin_views.electorate, name="voting_admin_ballot_electorate"),
        path("voting/ballots/<int:pk>/open/", admin_views.open_ballot, name="voting_admin_ballot_open"),
        path("voting/ballots/<int:pk>/close/", admin_views.close_ballot, name="voting_admin_ballot_close"),
    ]
