"""The Wagtail admin form for consultation pages: editor-facing rules with plain messages."""

from django.core.exceptions import ValidationError
from django.utils.html import strip_tags
from wagtail.admin.forms import WagtailAdminPageForm

PUBLISHING_ACTIONS = ("action-publish", "action-submit")
QUESTION_FIELDS = ("kind", "prompt", "help_text", "required", "choices", "scale_low_label", "scale_high_label")
FROZEN_MESSAGE = (
    "People have already started answering, so the questions cannot change now: their answers belong to "
    "these questions. To ask something different, make a new consultation (copy this one to start)."
)


class ConsultationPageForm(WagtailAdminPageForm):
    """Refuses publishing without an easy read summary, and any question change once responses exist."""

    def clean(self):
        cleaned = super().clean()
        publishing = any(action in self.data for action in PUBLISHING_ACTIONS)
        if publishing and not strip_tags(cleaned.get("easy_read_summary") or "").strip():
            self.add_error("easy_read_summary", "Write an easy read summary before publishing.")
        if self.instance.pk and self.instance.responses.exists() and self._questions_changed():
            raise ValidationError(FROZEN_MESSAGE)
        return cleaned

    def _questions_changed(self) -> bool:
        """True when a question was added, removed, reordered or had any of its wording changed."""
        formset = self.formsets.get("questions")
        if formset is None or not formset.is_valid():  # the formset is cleaned after this form otherwise
            return False
        existing = {q.pk: q for q in self.instance.questions.all()}
        kept = []
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                if form.instance.pk in existing:
                    return True
                continue
            original = existing.get(form.instance.pk)
            if original is None or any(data.get(f) != getattr(original, f) for f in QUESTION_FIELDS):
                return True
            kept.append((data.get("ORDER"), original.sort_order, original.pk))
        in_new_order = [pk for *_, pk in sorted(kept, key=lambda item: (item[0] is None, item[0]))]
        in_old_order = [pk for *_, pk in sorted(kept, key=lambda item: item[1])]
        return len(kept) != len(existing) or in_new_order != in_old_order
