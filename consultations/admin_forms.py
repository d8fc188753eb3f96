"""The Wagtail admin form for consultation pages: editor-facing rules with plain messages."""

from django.core.exceptions import ValidationError
from wagtail.admin.forms import WagtailAdminPageForm

PUBLISHING_ACTIONS = ("action-publish", "action-submit")
FROZEN_MESSAGE = (
    "People have already started answering, so the questions cannot change now: their answers belong to "
    "these questions. To ask something different, make a new consultation (copy this one to start)."
)


class ConsultationPageForm(WagtailAdminPageForm):
    """Refuses publishing without an easy read summary, and any question change once responses exist."""

    def clean(self):
        cleaned = super().clean()
        publishing = any(action in self.data for action in PUBLISHING_ACTIONS)
        if publishing and not (cleaned.get("easy_read_summary") or "").strip():
            self.add_error("easy_read_summary", "Write an easy read summary before publishing.")
        if self.instance.pk and self.instance.responses.exists() and self._questions_changed():
            raise ValidationError(FROZEN_MESSAGE)
        return cleaned

    def _questions_changed(self) -> bool:
        formset = self.formsets.get("questions")
        if formset is None:
            return False
        return any(form.has_changed() for form in formset.forms) or bool(formset.deleted_forms)
