"""Forms for proposals: raising one (yourself, or for someone), the list's filters, and a secretary's
decision. Forms only collect and check what was typed; services do the writing. Templates own the
<form> tag, the CSRF token and the buttons (`helper.form_tag = False`).
"""

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size
from django import forms
from django.contrib.auth import get_user_model

from consultations.models import Theme
from governance.labels import outcome_words
from governance.models import Decision

from .models import Proposal
from .permissions import PUBLIC_STATUSES
from .services import TITLE_MAX


def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the page template owns the CSRF token
    helper.layout = Layout(*fields)
    return helper


class BodyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class RaiseForm(forms.Form):
    body = BodyChoiceField(
        label="Which group should look at it?", queryset=None, empty_label=None, widget=forms.RadioSelect,
        error_messages={"required": "Choose a group", "invalid_choice": "Choose a group from the list"},
    )
    title = forms.CharField(
        label="Give your idea a short title", max_length=TITLE_MAX,
        error_messages={"required": "Give your idea a short title",
                        "max_length": f"Keep the title to {TITLE_MAX} letters or fewer"},
    )
    change = forms.CharField(
        label="What do you want to change?", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000,
        error_messages={"required": "Say what you want to change"},
    )
    reason = forms.CharField(
        label="Why does it matter?", widget=forms.Textarea(attrs={"rows": 5}), max_length=5000,
        error_messages={"required": "Say why it matters"},
    )
    easy_read = forms.CharField(
        label="Easy read summary (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000, help_text="A few short sentences that say the same thing in easy words.",
    )
    show_name = forms.TypedChoiceField(
        label="Should we show your name with it?",
        choices=[("no", "No, say it is from “a member”"), ("yes", "Yes, show my name")],
        coerce=lambda value: value == "yes", widget=forms.RadioSelect, initial="no",
        error_messages={"required": "Choose whether to show your name"},
    )

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = bodies
        if len(bodies) == 1:
            self.fields["body"].initial = bodies[0].pk
        self.helper = _helper(*self.layout_fields())

    def layout_fields(self) -> list:
        return [
            Field.radios("body", legend_size=Size.MEDIUM),
            Field.text("title", field_width=Fluid.FULL),
            Field.textarea("change", rows=5),
            Field.textarea("reason", rows=5),
            Field.textarea("easy_read", rows=3),
            Field.radios("show_name", legend_size=Size.MEDIUM),
        ]


class AssistedRaiseForm(RaiseForm):
    """A peer worker raises a proposal for a service user, who is its author, with their consent."""

    author_email = forms.EmailField(
        label="The person's email address",
        help_text="The email they use to sign in here. The proposal will be theirs.",
        error_messages={"required": "Enter the person's email address",
                        "invalid": "Enter an email address like name@example.org"},
    )
    consent_statement = forms.CharField(
        label="What did the person agree to?", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text="For example: 'Jo asked me to type her idea. I read it back and she agreed.'",
        error_messages={"required": "Write down the consent the person gave"},
    )
    consent_confirmed = forms.BooleanField(
        label="The person has agreed that I raise this for them",
        error_messages={"required": "Confirm that the person agreed"},
    )

    def layout_fields(self) -> list:
        return [
            Field.text("author_email", field_width=Fluid.TWO_THIRDS),
            Field.textarea("consent_statement", rows=3),
            Field.checkbox("consent_confirmed"),
            *super().layout_fields(),
        ]

    def clean_author_email(self):
        email = self.cleaned_data["author_email"]
        author = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if author is None:
            raise forms.ValidationError("No member has this email address. Check it, or help them sign up first.")
        self.author = author
        return email


class ListFilterForm(forms.Form):
    """GET filters for the public list; anything unknown is ignored rather than refused."""

    body = forms.ChoiceField(label="Group", required=False)
    status = forms.ChoiceField(label="Show", required=False)

    def __init__(self, *args, bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [("", "All groups")] + [(b.slug, b.name) for b in bodies]
        self.fields["status"].choices = [("", "All proposals")] + [
            (status, Proposal.Status(status).label) for status in PUBLIC_STATUSES
        ]
        self.helper = _helper(Field.select("body"), Field.select("status"))


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title} ({obj.starts_at:%d/%m/%Y})"


class ThemeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.consultation.title}: {obj.name}"


class DecisionForm(forms.Form):
    """The body's answer to a proposal on its agenda."""

    outcome = forms.ChoiceField(
        label="What did the group decide?", widget=forms.RadioSelect,
        choices=[(value, outcome_words(value)) for value in Decision.Outcome.values],
        error_messages={"required": "Choose what was decided"},
    )
    text = forms.CharField(
        label="What was decided", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Plain words: the proposer, its supporters and the public read this.",
        error_messages={"required": "Write what was decided"},
    )
    rationale = forms.CharField(
        label="Why: the reasons given", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when the group noted it without deciding.",
    )
    deferred_to = DateInputField(
        label="If deferred: the date the group will come back to it by", required=False, require_all_fields=False,
        help_text="For example, 27 3 2027",
    )
    meeting = MeetingChoiceField(
        label="Where was it decided?", queryset=None, required=False, empty_label="Not at a meeting",
    )
    theme = ThemeChoiceField(
        label="What service users said that shaped it (optional)", queryset=None, required=False,
        empty_label="Nothing else",
    )

    def __init__(self, *args, meetings, themes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = meetings
        self.fields["theme"].queryset = themes
        self.helper = _helper(
            Field.radios("outcome", legend_size=Size.SMALL),
            Field.textarea("text", rows=4),
            Field.textarea("rationale", rows=3),
            Field("deferred_to"),
            Field.select("meeting"),
            Field.select("theme"),
        )


def theme_choices():
    return Theme.objects.select_related("consultation").order_by("consultation__title", "name")
