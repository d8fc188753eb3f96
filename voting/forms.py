"""The ballot paper as a form: radios, checkboxes, or one 'number' select per candidate for ranking."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Field, Fieldset, Fluid, Layout, Size
from django import forms
from django.utils.html import escape

from .models import Ballot


class BallotPaperForm(forms.Form):
    """Builds the paper for the ballot's kind; `choices_value()` is what `vote_cast` takes."""

    def __init__(self, ballot: Ballot, *args, heading: str = "h1", **kwargs):
        super().__init__(*args, **kwargs)
        self.ballot = ballot
        size = Size.LARGE if heading == "h1" else Size.MEDIUM
        self.options = list(ballot.options.select_related("photo"))
        self.candidates = [o for o in self.options if o.statement or o.photo_id]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page template owns the CSRF token
        kind = ballot.kind
        # crispy-forms-gds prints labels, hints and legends with |safe: escape what the returning officer typed.
        title, description = escape(ballot.title), escape(ballot.description.strip())
        if kind == Ballot.Kind.MOTION:
            self.fields["vote"] = forms.ChoiceField(
                label=title, widget=forms.RadioSelect,
                choices=[("for", "For"), ("against", "Against"), ("abstain", "Abstain")], help_text=description,
                error_messages={"required": "Choose for, against or abstain"},
            )
            self.helper.layout = Layout(Field.radios("vote", legend_size=size, legend_tag=heading))
        elif kind == Ballot.Kind.SINGLE:
            self.fields["vote"] = forms.ChoiceField(
                label=title, widget=forms.RadioSelect, choices=[(o.pk, o.label) for o in self.options],
                help_text=description, error_messages={"required": "Choose one option"},
            )
            self.helper.layout = Layout(Field.radios("vote", legend_size=size, legend_tag=heading))
        elif kind == Ballot.Kind.APPROVAL:
            self.fields["vote"] = forms.MultipleChoiceField(
                label=title, widget=forms.CheckboxSelectMultiple, help_text=" ".join(filter(None, [description, "Choose all you support."])),
                choices=[(o.pk, o.label) for o in self.options],
                error_messages={"required": "Choose at least one option"},
            )
            self.helper.layout = Layout(Field.checkboxes("vote", legend_size=size, legend_tag=heading))
        else:
            places = [("", "Not ranked")] + [(str(n), f"Number {n}") for n in range(1, len(self.options) + 1)]
            for option in self.options:
                self.fields[f"rank_{option.pk}"] = forms.ChoiceField(label=escape(option.label), choices=places, required=False)
            self.helper.layout = Layout(
                Fieldset(
                    # The description and how to rank, as the fieldset's hint (a template: the text is escaped).
                    HTML('{% include "voting/includes/ranking_hint.html" with ballot=form.ballot %}'),
                    *[Field.select(f"rank_{o.pk}") for o in self.options],
                    legend=title, legend_size=size, legend_tag=heading, aria_describedby="ranking-hint",
                )
            )

    def clean(self):
        cleaned = super().clean()
        if self.ballot.kind not in (Ballot.Kind.IRV, Ballot.Kind.STV):
            return cleaned
        ranks = {k: v for k, v in cleaned.items() if k.startswith("rank_") and v}
        if not ranks:
            self.add_error(f"rank_{self.options[0].pk}", "Give your first choice number 1")
            return cleaned
        seen: dict[str, str] = {}
        for key, place in ranks.items():
            if place in seen:
                self.add_error(key, f"Number {place} is used more than once. Give each candidate a different number.")
            seen[place] = key
        if not self.errors and set(ranks.values()) != {str(n) for n in range(1, len(ranks) + 1)}:
            self.add_error(next(iter(ranks)), "Use numbers in order with no gaps: 1, then 2, and so on.")
        return cleaned

    def choices_value(self):
        if self.ballot.kind in (Ballot.Kind.IRV, Ballot.Kind.STV):
            ranks = {int(k.removeprefix("rank_")): int(v) for k, v in self.cleaned_data.items() if k.startswith("rank_") and v}
            return [pk for pk, _ in sorted(ranks.items(), key=lambda item: item[1])]
        return self.cleaned_data["vote"]


class PaperVoterForm(forms.Form):
    """Whom the returning officer is giving a paper to: found on the roll by email address."""

    email = forms.EmailField(
        label="The voter's email address", help_text="As it is on the electoral roll.",
        error_messages={"required": "Enter the voter's email address",
                        "invalid": "Enter an email address in the right form, like name@example.org"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page template owns the CSRF token
        self.helper.layout = Layout(Field.text("email", field_width=Fluid.TWO_THIRDS))


class ReceiptCheckForm(forms.Form):
    """The "check my receipt code" box. Sent by POST, so the code never appears in a URL or a log."""

    code = forms.CharField(
        label="Your receipt code", max_length=40, strip=True,
        error_messages={"required": "Enter your receipt code, for example ABCD-EFGH-JKLM",
                        "max_length": "A receipt code has 12 letters and numbers, for example ABCD-EFGH-JKLM"},
    )
