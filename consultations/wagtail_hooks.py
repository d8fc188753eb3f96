"""The analysts' menu in the Wagtail admin: "Analysis", listing every consultation with its results,
coding and exports (consultations/admin_views.py)."""

from django.urls import path, reverse
from wagtail import hooks

from portal.admin_menu import ShownIf

from . import admin_views
from .permissions import is_analyst, is_paper_enterer


@hooks.register("register_admin_urls")
def register_analysis_urls():
    return [path("consultations/analysis/", admin_views.analysis_list, name="consultations_admin_analysis")]


@hooks.register("register_admin_menu_item")
def register_analysis_menu_item():
    return ShownIf("Analysis", reverse("consultations_admin_analysis"), icon_name="doc-full", order=210,
                   shown_if=is_analyst)


@hooks.register("register_admin_menu_item")
def register_paper_menu_item():
    return ShownIf("Paper responses", reverse("paper-responses:home"), icon_name="doc-empty", order=215,
                   shown_if=is_paper_enterer)
