"""Forms for moderation, comments and reports. They only collect and check what was typed; the services
in moderation.py do the writing. Templates own the <form> tag, the CSRF token and the buttons.
"""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms

from . import moderation
from .models import ModerationReason

ACTIONS = {"hold": "Keep it back: the author can change it and send it again",
           "hide": "Take it down: it is not shown to anyone but its author",
           "publish": "Put it up, or leave it up: nothing wrong here"}


def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the page template owns the <form> and its CSRF token
    helper.layout = Layout(*fields)
    return helper


def _no_maxlength(form, *names) -> None:
    for name in names:  # no HTML maxlength: typing is never cut off silently; the error says how much
        form.fields[name].widget.attrs.pop("maxlength", None)


def _text(label: str, limit: int, *, required: str = "", rows: int = 0, what: str = "This", **extra):
    """A text box (a textarea when `rows`) whose errors say what to do: `required` is the message when it
    is left empty (not required when ""), and the length message names the limit and what was typed."""
    messages = {"max_length": f"{what} must be {limit} characters or fewer. You typed %(show_value)d."}
    if required:
        messages["required"] = required
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, max_length=limit, required=bool(required), widget=widget,
                           error_messages=messages, **extra)


# --- forms ----------------------------------------------------------------------------------------
class CommentForm(forms.Form):
    text = _text("Your comment", moderation.COMMENT_MAX, required="Write your comment", rows=4,
                 what="Your comment",
                 help_text=f"Plain words, up to {moderation.COMMENT_MAX} characters. Please do not name other people.")
    show_name = forms.TypedChoiceField(
        label="How should your comment be signed?", widget=forms.RadioSelect, coerce=lambda v: v == "yes",
        choices=[("no", "“A member”"), ("yes", "With my name")], initial="no",
        error_messages={"required": "Choose how your comment is signed",
                        "invalid_choice": "Choose how your comment is signed"},
    )

    def __init__(self, *args, with_name: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        _no_maxlength(self, "text")
        fields = [Field.textarea("text", rows=4, max_characters=moderation.COMMENT_MAX)]
        if with_name:
            fields.append(Field.radios("show_name", legend_size=Size.SMALL, inline=True))
        else:
            del self.fields["show_name"]
        self.helper = _helper(*fields)


class ProposalChangeForm(forms.Form):
    """The author's own words again, to change (the group and the name choice stay as they were)."""

    title = _text("Title", 150, required="Give your proposal a title", what="The title")
    change = _text("What do you want to change?", 5000, required="Say what you want to change", rows=5)
    reason = _text("Why does it matter?", 5000, required="Say why it matters", rows=5)
    easy_read = _text("Easy read summary (optional)", 2000, rows=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_maxlength(self, "title", "change", "reason", "easy_read")
        self.helper = _helper(Field.text("title"), Field.textarea("change", rows=5),
                              Field.textarea("reason", rows=5), Field.textarea("easy_read", rows=3))


class ReportForm(forms.Form):
    reason = _text("What is wrong? (optional)", moderation.REPORT_MAX, rows=3,
                   help_text="For example: it names someone, or it could hurt someone.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_maxlength(self, "reason")
        self.helper = _helper(Field.textarea("reason", rows=3, max_characters=moderation.REPORT_MAX))


class DecideForm(forms.Form):
    action = forms.ChoiceField(label="What should happen to it?", widget=forms.RadioSelect,
                               choices=list(ACTIONS.items()),
                               error_messages={"required": "Choose what should happen to it",
                                               "invalid_choice": "Choose what should happen to it"})
    reason = forms.ChoiceField(label="Why? (needed to keep it back or take it down)", required=False,
                               widget=forms.RadioSelect, choices=ModerationReason.choices,
                               error_messages={"invalid_choice": "Choose a reason from the list"})
    note = _text("A note for the person who wrote it (optional)", 1000, rows=3, what="The note",
                 help_text="They will read this. Be kind and say what they could change.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_maxlength(self, "note")
        self.helper = _helper(Field.radios("action", legend_size=Size.SMALL),
                              Field.radios("reason", legend_size=Size.SMALL),
                              Field.textarea("note", rows=3, max_characters=1000))

    def clean(self):
        data = super().clean()
        if data.get("action") in ("hold", "hide") and not data.get("reason"):
            self.add_error("reason", "Choose a reason, so the person who wrote it knows why")
        if data.get("reason") == ModerationReason.OTHER and not data.get("note", "").strip():
            self.add_error("note", "Write a note saying why, as you chose “another reason”")
        return data
