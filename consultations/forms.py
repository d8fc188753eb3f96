"""Front-end forms for answering: one form per question, built from the question's kind.

Every form keeps what was typed when it is not valid, and every message says what to do next.
"""

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Fluid, Layout, Size
from django import forms
from django.utils.datastructures import MultiValueDict
from django.utils.html import escape, format_html

from .models import Question, Response

CHOOSE_ONE = "Choose one of the options"


class AnswerForm(forms.Form):
    """The answer to one question. `cleaned_value()` gives what is stored when the response is sent."""

    def __init__(self, question: Question, *args, optional: bool = False, heading: str = "h1", **kwargs):
        super().__init__(*args, **kwargs)
        self.question = question
        # Typed in from paper, every question may be blank: the form says what the person wrote, no more.
        self.required = question.required and not optional
        self.heading, self.size = heading, (Size.LARGE if heading == "h1" else Size.MEDIUM)
        self.choices = [(str(i), label) for i, label in enumerate(question.choice_list)]
        # crispy-forms-gds prints labels, hints and legends with |safe: escape what the editor typed.
        self.prompt, self.help_text = escape(question.prompt), escape(question.help_text)
        build = getattr(self, f"_build_{question.kind}")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page template owns the CSRF token
        self.helper.layout = Layout(build())

    # --- fields by kind -------------------------------------------------------------------------
    def _required_message(self) -> str:
        return "Answer this question to carry on" if self.required else ""

    def _build_short_text(self):
        self.fields["answer"] = forms.CharField(
            label=self.prompt, help_text=self.help_text, required=self.required,
            error_messages={"required": self._required_message()},
        )
        return Field.text("answer", label_size=self.size, label_tag=self.heading, field_width=Fluid.FULL)

    def _build_long_text(self):
        # The character count needs a hint to attach to (crispy-forms-gds fails without one).
        hint = self.help_text or f"You can write up to {self.question.text_limit:,} characters."
        self.fields["answer"] = forms.CharField(
            label=self.prompt, help_text=hint, required=self.required,
            widget=forms.Textarea(attrs={"rows": 8}), error_messages={"required": self._required_message()},
        )
        return Field.textarea(
            "answer", label_size=self.size, label_tag=self.heading, max_characters=self.question.text_limit, rows=8
        )

    def _radios(self, choices):
        self.fields["answer"] = forms.ChoiceField(
            label=self.prompt, help_text=self.help_text, required=self.required,
            choices=choices, widget=forms.RadioSelect,
            error_messages={"required": self._required_message() or CHOOSE_ONE, "invalid_choice": CHOOSE_ONE},
        )
        return Field.radios("answer", legend_size=self.size, legend_tag=self.heading)

    def _build_single_choice(self):
        return self._radios(self.choices)

    def _build_yes_no(self):
        return self._radios(self.choices)

    def _build_scale(self):
        labels = {0: f"1 – {self.question.scale_low_label}", 4: f"5 – {self.question.scale_high_label}"}
        return self._radios([(str(i + 1), labels.get(i, str(i + 1))) for i in range(5)])

    def _build_multiple_choice(self):
        self.fields["answer"] = forms.MultipleChoiceField(
            label=self.prompt,
            help_text=self.help_text or "Choose all that apply.",
            required=self.required,
            choices=self.choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "required": "Choose at least one option to carry on",
                "invalid_choice": "Choose from the options listed",
            },
        )
        return Field.checkboxes("answer", legend_size=self.size, legend_tag=self.heading)

    def _build_ranking(self):
        places = [("", "Not ranked")] + [(str(n), f"Number {n}") for n in range(1, len(self.choices) + 1)]
        for value, label in self.choices:
            self.fields[f"rank_{value}"] = forms.ChoiceField(
                label=escape(label), choices=places, required=False,
                error_messages={"invalid_choice": "Choose a number from the list"},
            )
        hint = self.question.help_text or "Give your first choice number 1, your next number 2, and so on."
        return Fieldset(
            *[Field.select(f"rank_{value}") for value, _ in self.choices],
            legend=format_html(
                '{}<span class="govuk-hint govuk-!-display-block govuk-!-margin-top-2 govuk-!-margin-bottom-0">{}</span>',
                self.question.prompt,
                hint,
            ),
            legend_size=self.size,
            legend_tag=self.heading,
        )

    # --- validation --------------------------------------------------------------------------
    def clean_answer(self):
        value = self.cleaned_data.get("answer")
        limit = self.question.text_limit
        if limit and isinstance(value, str) and len(value) > limit:
            raise forms.ValidationError(
                f"Your answer must be {limit:,} characters or fewer. It is {len(value):,} now: "
                "please make it shorter. Nothing you typed has been lost."
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if self.question.kind != Question.Kind.RANKING:
            return cleaned
        ranks = {key: value for key, value in cleaned.items() if key.startswith("rank_") and value}
        used: dict[str, list[str]] = {}
        for key, place in ranks.items():
            used.setdefault(place, []).append(key)
        for place, keys in used.items():
            if len(keys) > 1:
                for key in keys:
                    self.add_error(key, f"Number {place} is used more than once. Give each choice a different number.")
        if self.required and not ranks:
            self.add_error(f"rank_{self.choices[0][0]}", "Put at least your first choice, number 1, to carry on")
        if ranks and not self.errors:
            expected = {str(n) for n in range(1, len(ranks) + 1)}
            if set(ranks.values()) != expected:
                self.add_error(
                    next(iter(ranks)), "Use numbers in order with no gaps: 1 for your first choice, then 2, and so on."
                )
        return cleaned

    def cleaned_value(self):
        """The stored form of a valid answer: str, int position, int scale, list of ints, or {choice: rank}."""
        kind = self.question.kind
        if kind == Question.Kind.RANKING:
            return {
                int(key.removeprefix("rank_")): int(place)
                for key, place in self.cleaned_data.items()
                if key.startswith("rank_") and place
            }
        value = self.cleaned_data.get("answer")
        if value in (None, "", []):
            return None
        if kind == Question.Kind.MULTIPLE_CHOICE:
            return [int(v) for v in value]
        if kind in (Question.Kind.SINGLE_CHOICE, Question.Kind.YES_NO, Question.Kind.SCALE):
            return int(value)
        return value

    def display_value(self) -> str:
        """How the answer reads on the 'check your answers' page."""
        value = self.cleaned_value() if self.is_valid() else None
        labels = self.question.choice_list
        kind = self.question.kind
        if value in (None, {}, []):
            return "Not answered"
        if kind == Question.Kind.RANKING:
            return " then ".join(labels[c] for c, _ in sorted(value.items(), key=lambda item: item[1]))
        if kind == Question.Kind.MULTIPLE_CHOICE:
            return ", ".join(labels[c] for c in value)
        if kind in (Question.Kind.SINGLE_CHOICE, Question.Kind.YES_NO):
            return labels[value]
        if kind == Question.Kind.SCALE:
            return f"{value} out of 5"
        return value


def answer_form(question: Question, raw: dict | None) -> AnswerForm:
    """A form for `question`, bound to the raw draft values when there are any."""
    if raw is None:
        return AnswerForm(question)
    data = MultiValueDict({k: v if isinstance(v, list) else [v] for k, v in raw.items()})
    return AnswerForm(question, data=data)


def answer_form_for_paper(question: Question, raw: dict | None, prefix: str | None = None) -> AnswerForm:
    """A form for one question on a typed-in paper form: every question may be left blank, and the
    questions share one page, so each is a second-level heading."""
    if raw is None:
        return AnswerForm(question, optional=True, heading="h2", prefix=prefix)
    data = MultiValueDict({(f"{prefix}-{k}" if prefix else k): v if isinstance(v, list) else [v] for k, v in raw.items()})
    return AnswerForm(question, data=data, optional=True, heading="h2", prefix=prefix)


def raw_from_post(question: Question, post, prefix: str | None = None) -> dict:
    """What to keep in the draft from a submitted step: exactly what was typed or chosen."""
    form = AnswerForm(question)
    raw = {}
    for name in form.fields:
        values = post.getlist(f"{prefix}-{name}" if prefix else name)
        if question.kind == Question.Kind.MULTIPLE_CHOICE:
            raw[name] = values
        elif values:
            raw[name] = values[0]
    return raw


class StartForm(forms.Form):
    """Before the first question: anonymity (where the person chooses) and lived experience."""

    named = forms.TypedChoiceField(
        label="Do you want your name kept with your answers?",
        choices=[("no", "No, keep my answers anonymous"), ("yes", "Yes, keep my name with my answers")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to keep your name with your answers"},
    )
    lived_experience = forms.ChoiceField(
        label="Do you have lived experience of mental ill-health?",
        help_text="This is optional. We only use it to count, never next to your name.",
        choices=Response.LivedExperience.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, ask_named: bool, **kwargs):
        super().__init__(*args, **kwargs)
        fields = []
        if ask_named:
            fields.append(Field.radios("named", legend_size=Size.MEDIUM))
        else:
            del self.fields["named"]
        fields += [Field.radios("lived_experience", legend_size=Size.MEDIUM), "idempotency_key"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page template owns the CSRF token
        self.helper.layout = Layout(*fields)


class AssistedForm(StartForm):
    """A peer worker's start: the consent statement, read to and agreed by the person."""

    consent_statement = forms.CharField(
        label="What did the person agree to?",
        help_text="For example: 'Jo asked me to type her answers. I read them back and she agreed.'",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write down the consent the person gave"},
    )
    consent_confirmed = forms.BooleanField(
        label="The person has agreed that I enter these answers for them",
        error_messages={"required": "Confirm that the person agreed"},
    )

    def __init__(self, *args, **kwargs):
        kwargs["ask_named"] = False
        super().__init__(*args, **kwargs)
        self.helper.layout = Layout(
            Field.textarea("consent_statement", rows=3),
            Field.checkbox("consent_confirmed"),
            Field.radios("lived_experience", legend_size=Size.MEDIUM),
            "idempotency_key",
        )


class PaperBatchForm(forms.Form):
    """Start a batch of paper forms, or of answers gathered at an event."""

    origin = forms.ChoiceField(
        label="Where did these answers come from?",
        choices=[("paper", "Paper forms (posted or handed in)"), ("event", "At an event (a drop-in, a group or a stall)")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose paper forms or an event"},
    )
    label = forms.CharField(
        label="Give this batch a name you will recognise",
        help_text="For example 'Posted back in March' or 'Drop-in at Hope Cafe, 3 March'. Do not use anyone's name.",
        max_length=120,
        error_messages={"required": "Give the batch a name", "max_length": "Keep the name under 120 characters"},
    )
    received_on = DateInputField(
        label="When did the forms arrive, or when was the event?",
        help_text="For example, 27 3 2026", require_all_fields=False,
    )
    scan = forms.FileField(
        label="A scan of the forms (optional)",
        help_text="A PDF, PNG or JPEG. Only peer workers and secretaries can open it, and we delete it after a set time.",
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page template owns the CSRF token
        self.helper.layout = Layout(
            Field.radios("origin", legend_size=Size.MEDIUM),
            Field.text("label"),
            Field("received_on"),
            Field("scan"),
        )


class PaperLivedExperienceForm(forms.Form):
    """What a paper form says about lived experience, if anything; and the key that makes a retry safe."""

    lived_experience = forms.ChoiceField(
        label="Does the form say whether the person has lived experience of mental ill-health?",
        choices=[("", "The form does not say"), *Response.LivedExperience.choices],
        widget=forms.RadioSelect,
        required=False,
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page template owns the CSRF token
        self.helper.layout = Layout(Field.radios("lived_experience", legend_size=Size.MEDIUM, legend_tag="h2"), "idempotency_key")
