"""The staff area's menu: "Opportunities" for the staff who run them (secretaries; finance, who have
no staff area, find their pages from the site's menu and their account page)."""

from django.urls import reverse
from wagtail import hooks

from portal.admin_menu import ShownIf

from .permissions import can_manage_opportunities


@hooks.register("register_admin_menu_item")
def register_opportunities_menu_item():
    return ShownIf("Opportunities", reverse("involvement:staff"), icon_name="group", order=220,
                   shown_if=can_manage_opportunities)
