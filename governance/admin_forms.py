"""The Wagtail admin form for minutes pages: editor-facing rules with plain messages.

It imports no governance models (models.py imports it for `base_form_class`); it asks the page itself
whether the stored minutes are locked, and uses the page's own message.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
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
