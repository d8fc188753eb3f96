"""The Wagtail admin form for minutes pages: editor-facing rules with plain messages.

It imports no governance models (models.py imports it for `base_form_class`); it asks the page itself
whether the stored minutes are locked, and uses the page's own message.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import strip_tags
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminPageForm

PUBLISHING_ACTIONS = ("action-publish", "action-submit")
EASY_READ_MESSAGE = "Write an easy read summary before publishing."


class MinutesPageForm(WagtailAdminPageForm):
    """Refuses any change to locked minutes, and publishing without an easy read summary."""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_locked_in_database():
            raise ValidationError(self.instance.locked_message())
        publishing = any(action in self.data for action in PUBLISHING_ACTIONS)
        if "action-publish" in self.data and not self.instance.is_approved_in_database():
            raise ValidationError(self.instance.not_approved_message())
        if cleaned.get("go_live_at") and not self.instance.is_approved_in_database():
            self.add_error("go_live_at", "Minutes are published when they are approved, so they cannot be scheduled.")
        if publishing and not strip_tags(cleaned.get("easy_read_summary") or "").strip():
            self.add_error("easy_read_summary", EASY_READ_MESSAGE)
        return cleaned


@hooks.register("before_edit_page")
def warn_that_minutes_are_locked(request, page):
    """Opening locked minutes in the editor says at once that they cannot be changed (the form refuses
    a save anyway)."""
    is_locked = getattr(page.specific_deferred, "is_locked_in_database", None)
    if request.method == "GET" and is_locked and is_locked():
        messages.warning(request, page.specific_deferred.locked_message())


@hooks.register("construct_page_action_menu")
def no_publish_button_for_unapproved_minutes(menu_items, request, context):
    """Minutes are published by approval (the sign-off screen), never by the editor's Publish button."""
    approved = getattr(context.get("page"), "is_approved_in_database", None)
    if approved is not None and not approved():
        menu_items[:] = [item for item in menu_items if item.name != "action-publish"]


@hooks.register("before_bulk_action")
def refuse_bulk_publishing_of_unapproved_minutes(request, action_type, objects, action_class_instance):
    """Selecting minutes among pages to publish in bulk is refused as a whole, with the reason."""
    if action_type != "publish":
        return None
    refused = [page for page in objects if getattr(page.specific_deferred, "is_approved_in_database", lambda: True)() is False]
    if not refused:
        return None
    names = ", ".join(f"“{page.title}”" for page in refused)
    messages.error(request, f"Nothing was published. {names}: {refused[0].specific_deferred.not_approved_message()}")
    return redirect(reverse("wagtailadmin_explore", args=[refused[0].get_parent().pk]))  # back to where they were
