"""Secretaries' forms (attendance, decision, evidence, action, outcome) and the register's filters.

Forms only collect and check what was typed; services do the writing. Templates own the <form> tag,
the CSRF token and the buttons (`helper.form_tag = False`).
"""

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from consultations.models import ConsultationPage, ResponseStatement, Theme

from .labels import outcome_words
from .models import Action, Attendance, Decision, EvidenceLink, Membership
from .services import NO_INPUT_MESSAGE, Evidence


def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the page template owns the CSRF token
    helper.layout = Layout(*fields)
    return helper


# GOV.UK asks for numbers with a text box and a numeric keypad, not the browser's number spinner.
NUMBER = forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"})

class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name or obj.email


# --- attendance -----------------------------------------------------------------------------------
class AttendanceForm(forms.Form):
    """One present / apologies / absent question per current member of the body."""

    def __init__(self, *args, memberships: list[Membership], recorded: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.memberships = memberships
        names = []
        for membership in memberships:
            name = f"person_{membership.person_id}"
            self.fields[name] = forms.ChoiceField(
                # crispy-forms-gds prints legends with |safe: the name is whatever the person typed.
                label=format_html("{} ({})", membership.person.display_name, membership.get_role_display()),
                choices=Attendance.Status.choices,
                widget=forms.RadioSelect,
                initial=recorded.get(membership.person_id, Attendance.Status.PRESENT),
                error_messages={"required": f"Say whether {membership.person.display_name} came"},
            )
            names.append(Field.radios(name, legend_size=Size.SMALL, inline=True))
        self.helper = _helper(*names)

    def entries(self) -> dict:
        return {m.person_id: self.cleaned_data[f"person_{m.person_id}"] for m in self.memberships}


# --- decisions ------------------------------------------------------------------------------------
class DecisionForm(forms.Form):
    title = forms.CharField(
        label="Short name for the decision", max_length=200,
        error_messages={"required": "Enter a short name for the decision"},
    )
    text = forms.CharField(
        label="What was decided", widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Plain words: the public register shows this.",
        error_messages={"required": "Write what was decided"},
    )
    outcome = forms.ChoiceField(
        label="Outcome", choices=Decision.Outcome.choices, widget=forms.RadioSelect, initial=Decision.Outcome.CARRIED
    )
    rationale = forms.CharField(label="Why: the reasons given", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    mover = PersonChoiceField(label="Proposed by", queryset=None, required=False, empty_label="No one / not recorded")
    seconder = PersonChoiceField(label="Seconded by", queryset=None, required=False, empty_label="No one / not recorded")
    votes_for = forms.IntegerField(label="Votes for", min_value=0, required=False, widget=NUMBER)
    votes_against = forms.IntegerField(label="Votes against", min_value=0, required=False, widget=NUMBER)
    votes_abstain = forms.IntegerField(label="Abstentions", min_value=0, required=False, widget=NUMBER)
    conflicts_declared = forms.CharField(
        label="Conflicts of interest declared", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    no_input_reason = forms.CharField(
        label="If no service-user input shaped this decision, say why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Every decision either cites what service users said (above) or says here why it does not.",
    )

    def __init__(self, *args, present_people, **kwargs):
        super().__init__(*args, **kwargs)
        present = get_user_model().objects.filter(pk__in=[p.pk for p in present_people]).order_by("display_name")
        self.fields["mover"].queryset = present
        self.fields["seconder"].queryset = present
        self.helper = _helper(
            Field.text("title", field_width=Fluid.FULL),
            Field.textarea("text", rows=4),
            Field.radios("outcome", legend_size=Size.SMALL, inline=True),
            Field.textarea("rationale", rows=3),
            Field.select("mover"),
            Field.select("seconder"),
            Field.text("votes_for", field_width=3),
            Field.text("votes_against", field_width=3),
            Field.text("votes_abstain", field_width=3),
            Field.textarea("conflicts_declared", rows=2),
        )
        # Shown after the evidence rows: the rule first (cite what service users said), then the exception.
        self.no_input_helper = _helper(Field.textarea("no_input_reason", rows=3))

    def clean(self):
        cleaned = super().clean()
        mover, seconder = cleaned.get("mover"), cleaned.get("seconder")
        if mover and seconder and mover == seconder:
            self.add_error("seconder", "The seconder must be a different person from the proposer")
        return cleaned


class EvidenceForm(forms.Form):
    """One thing that shaped the decision: a consultation, a theme or a 'we did' statement."""

    consultation = forms.ModelChoiceField(
        label="Consultation", queryset=ConsultationPage.objects.none(), required=False, empty_label="None"
    )
    theme = forms.ModelChoiceField(label="Theme", queryset=Theme.objects.none(), required=False, empty_label="None")
    statement = forms.ModelChoiceField(
        label="“We did” statement", queryset=ResponseStatement.objects.none(), required=False, empty_label="None"
    )
    relation = forms.ChoiceField(
        label="How it shaped the decision", choices=EvidenceLink.Relation.choices, initial=EvidenceLink.Relation.INFORMED_BY
    )
    note = forms.CharField(
        label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed for “rejected, because”: say why.",
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("consultation", "theme", "statement"):
            self.fields[name].queryset = choices[name]
        self.fields["theme"].label_from_instance = lambda t: f"{t.consultation.title}: {t.name}"
        self.fields["statement"].label_from_instance = lambda s: f"{s.theme.name}: {s.text[:80]}"
        self.helper = _helper(
            Field.select("consultation"), Field.select("theme"), Field.select("statement"),
            Field.select("relation"), Field.textarea("note", rows=2),
        )

    def has_target(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return any(data.get(name) for name in ("consultation", "theme", "statement"))

    def clean(self):
        cleaned = super().clean()
        chosen = [name for name in ("consultation", "theme", "statement") if cleaned.get(name)]
        if len(chosen) > 1:
            raise ValidationError("Choose one thing per row: a consultation, a theme or a statement.")
        if chosen and cleaned.get("relation") == EvidenceLink.Relation.REJECTED_BECAUSE and not cleaned.get("note", "").strip():
            self.add_error("note", "Say why it was rejected")
        return cleaned

    def evidence(self) -> Evidence:
        data = self.cleaned_data
        return Evidence(
            relation=data["relation"], consultation=data.get("consultation"), theme=data.get("theme"),
            statement=data.get("statement"), note=data.get("note", ""),
        )


class BaseEvidenceFormSet(forms.BaseFormSet):
    def evidence(self) -> list[Evidence]:
        return [form.evidence() for form in self.forms if form.has_target()]


EvidenceFormSet = forms.formset_factory(EvidenceForm, formset=BaseEvidenceFormSet, extra=3, max_num=20)


def evidence_choices() -> dict:
    """The select lists: live consultations, their themes and statements (three queries)."""
    return {
        "consultation": ConsultationPage.objects.live().order_by("-closes_at"),
        "theme": Theme.objects.select_related("consultation").order_by("consultation__title", "name"),
        "statement": ResponseStatement.objects.select_related("theme").order_by("theme__name", "pk"),
    }


def check_input_given(form: DecisionForm, formset) -> bool:
    """The rule the service enforces, said on the form: evidence rows, or a reason for none."""
    if formset.evidence() or form.cleaned_data.get("no_input_reason", "").strip():
        return True
    form.add_error("no_input_reason", NO_INPUT_MESSAGE)
    return False


# --- actions and outcomes -------------------------------------------------------------------------
class ActionForm(forms.Form):
    title = forms.CharField(label="What will be done", max_length=200, error_messages={"required": "Say what will be done"})
    owner = PersonChoiceField(label="Who will do it", queryset=None, empty_label="Choose a person",
                              error_messages={"required": "Choose who will do it"})
    due_on = DateInputField(label="Due by", help_text="For example, 27 3 2026", require_all_fields=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
        self.helper = _helper(Field.text("title", field_width=Fluid.FULL), Field.select("owner"), Field("due_on"))


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Action.Status.choices)
    text = forms.CharField(label="What happened", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.select("status"), Field.textarea("text", rows=2))


class OutcomeForm(forms.Form):
    what_changed = forms.CharField(
        label="What changed", widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say what changed because of this decision"},
    )
    evidence = forms.CharField(label="How we know", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    review_on = DateInputField(label="Look again on", required=False, require_all_fields=False,
                               help_text="Optional. For example, 27 3 2027")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("what_changed", rows=3), Field.textarea("evidence", rows=2), Field("review_on"))


# --- the register's filters -----------------------------------------------------------------------
class RegisterFilterForm(forms.Form):
    """GET filters; anything unknown is ignored rather than refused."""

    body = forms.ChoiceField(label="Group", required=False)
    year = forms.TypedChoiceField(label="Year", required=False, coerce=int, empty_value=None)
    outcome = forms.ChoiceField(
        label="Outcome", required=False,
        choices=[("", "Any outcome")] + [(value, outcome_words(value)) for value in Decision.Outcome.values],
    )
    shaped = forms.ChoiceField(
        label="Shaped by service-user input",
        required=False,
        choices=[("", "All decisions"), ("yes", "Yes: cites what service users said"), ("no", "No: says why not")],
    )

    def __init__(self, *args, bodies, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = [("", "All groups")] + [(b.slug, b.name) for b in bodies]
        self.fields["year"].choices = [("", "Any year")] + [(y, str(y)) for y in years]
        self.helper = _helper(Field.select("body"), Field.select("year"), Field.select("outcome"), Field.select("shaped"))
        if self.is_bound:
            # A value that is not one of a filter's choices (an old link to a group since renamed, a year
            # typed by hand) is dropped: that filter shows its "any" choice, and the others still apply.
            data = self.data.copy()
            for name, field in self.fields.items():
                if name in data and data.get(name) not in {str(value) for value, _label in field.choices}:
                    data.pop(name)
            self.data = data

    def values(self) -> tuple:
        """The value each filter is set to ("" for its "any" choice): what the page shows."""
        return tuple(str(self.data.get(name, "")) if self.is_bound else "" for name in self.fields)
