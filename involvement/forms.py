"""Forms for involvement: saying you are interested, making a claim (your payment choice and your
expenses with receipts), answering finance's question, and the staff and finance forms (an opportunity,
a question or approval, event work). Forms only collect and check what was typed; involvement.services
does the writing and the deeper checks (receipts, rates, who may). Templates own the <form> tag, the
CSRF token and the buttons (`helper.form_tag = False`).
"""

import datetime

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Fixed, Fluid, Layout, Size
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from governance.models import Body

from .models import Claim, Expense, Opportunity, RateBand
from .money import parse_pounds
from .services import ExpenseInput

NOTE_MAX = 1000
TEXT_MAX = 2000
EXPENSE_ROWS = 3


def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True  # the page template owns the <form> and its CSRF token
    helper.layout = Layout(*fields)
    return helper


def _text(label: str, limit: int, *, required: str = "", rows: int = 0, what: str = "This", **extra):
    """A text box (a textarea when `rows`) whose errors say what to do; no HTML maxlength, so typing is
    never cut off silently: the message names the limit and how much was typed."""
    messages = {"max_length": f"{what} must be {limit} characters or fewer. You typed %(show_value)d."}
    if required:
        messages["required"] = required
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    field = forms.CharField(label=label, max_length=limit, required=bool(required), widget=widget,
                            error_messages=messages, **extra)
    return field


def _no_maxlength(form, *names) -> None:
    for name in names:
        form.fields[name].widget.attrs.pop("maxlength", None)


# --- members ----------------------------------------------------------------------------------------
class InterestForm(forms.Form):
    note = _text("Is there anything we should know? (optional)", NOTE_MAX, rows=3, what="Your note",
                 help_text="For example, if you need a room without steps, a support worker or a break. "
                           "Only our staff read this.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_maxlength(self, "note")
        self.helper = _helper(Field.textarea("note", rows=3, max_characters=NOTE_MAX))


CHOICE_HINTS = {
    Claim.Choice.PAID: "We pay you the amount shown.",
    Claim.Choice.VOUCHER: "We give you a shopping voucher for the same amount.",
    Claim.Choice.EXPENSES_ONLY: "We pay back your costs only, not a fee for your time.",
    Claim.Choice.DECLINED: "You take no fee. We still pay back any costs you add below.",
}


class PaymentChoiceForm(forms.Form):
    """How the person wants to be paid for this claim. With no fee (an unpaid activity) the only
    choice is expenses only."""

    choice = forms.ChoiceField(
        label="How would you like to be paid?", widget=forms.RadioSelect,
        error_messages={"required": "Choose how you would like to be paid",
                        "invalid_choice": "Choose how you would like to be paid"},
    )

    def __init__(self, *args, paid: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        values = list(Claim.Choice) if paid else [Claim.Choice.EXPENSES_ONLY]
        self.fields["choice"].choices = [Choice(v.value, v.label, hint=CHOICE_HINTS[v]) for v in values]
        if not paid:
            self.fields["choice"].initial = Claim.Choice.EXPENSES_ONLY
        self.helper = _helper(Field.radios("choice", legend_size=Size.MEDIUM, legend_tag="h2"))


class ExpenseForm(forms.Form):
    """One cost the person paid to take part. A row left empty is skipped."""

    kind = forms.ChoiceField(
        label="What was it for?", required=False,
        choices=[("", "Choose what it was for")] + list(Expense.Kind.choices),
        error_messages={"invalid_choice": "Choose what the cost was for from the list"},
    )
    amount = forms.CharField(
        label="How much did it cost?", required=False, max_length=20,
        help_text="In pounds and pence, for example 4.60",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false", "autocomplete": "off"}),
        error_messages={"max_length": "Write the amount in pounds and pence, for example 4.60"},
    )
    description = _text("What was it? (optional)", 200, what="This",
                        help_text="For example, 'Bus to the meeting and back'.")
    receipt = forms.FileField(
        label="A photo or scan of the receipt (optional)", required=False,
        help_text="A photo (JPEG or PNG) or a PDF. Only you and our finance team can open it.",
        error_messages={"invalid": "The file could not be read. Try a photo (JPEG or PNG) or a PDF.",
                        "empty": "The file is empty. Choose the photo or PDF of your receipt again."},
    )

    def __init__(self, *args, number: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number
        self.empty = True  # until clean() finds something typed in the row
        _no_maxlength(self, "description", "amount")
        self.helper = _helper(Field.select("kind"), Field.text("amount", field_width=Fluid.ONE_THIRD),
                              Field.text("description", field_width=Fluid.FULL), Field("receipt"))

    def clean(self):
        data = super().clean()
        typed = data.get("amount", "").strip()
        used = typed or data.get("kind") or data.get("description", "").strip() or data.get("receipt")
        self.empty = not used
        if self.empty:
            return data
        if not data.get("kind") and "kind" not in self.errors:
            self.add_error("kind", "Choose what the cost was for")
        if not typed:
            self.add_error("amount", "Write how much it cost, for example 4.60")
        elif "amount" not in self.errors:
            try:
                data["pence"] = parse_pounds(typed, field="amount")
            except ValidationError as error:
                self.add_error(None, error)
            else:
                if data["pence"] == 0:
                    self.add_error("amount", "Write how much it cost. It must be more than £0.00")
        return data

    def expense(self) -> ExpenseInput | None:
        """What the service takes, or None for a row left empty."""
        if self.empty:
            return None
        data = self.cleaned_data
        return ExpenseInput(kind=data["kind"], pence=data["pence"], description=data.get("description", ""),
                            receipt=data.get("receipt"))


def expense_forms(data=None, files=None, rows: int = EXPENSE_ROWS) -> list[ExpenseForm]:
    return [ExpenseForm(data, files, prefix=f"expense-{n}", number=n + 1) for n in range(rows)]


class AnswerForm(forms.Form):
    """The claimant's answer to finance's question."""

    text = _text("Your answer", TEXT_MAX, required="Write your answer to the question", rows=4, what="Your answer",
                 help_text="If the question asks for a receipt, you can add it below.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_maxlength(self, "text")
        self.helper = _helper(Field.textarea("text", rows=4, max_characters=TEXT_MAX))


# --- finance ------------------------------------------------------------------------------------------
class ReviewForm(forms.Form):
    """Finance approves a claim, or asks the claimant a question (the reason is shown to them)."""

    ACTIONS = [
        Choice("approve", "Approve it", hint="It waits for the next payment batch."),
        Choice("query", "Ask the person a question", hint="They see your question and can answer it here."),
    ]
    action = forms.ChoiceField(label="What do you want to do?", widget=forms.RadioSelect, choices=ACTIONS,
                               error_messages={"required": "Choose to approve it or ask a question",
                                               "invalid_choice": "Choose to approve it or ask a question"})
    reason = _text("Your question, or a note", TEXT_MAX, rows=4, what="This",
                   help_text="A question is shown to the person: use plain, kind words. "
                             "A note on an approval is for finance only.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_maxlength(self, "reason")
        self.helper = _helper(Field.radios("action", legend_size=Size.MEDIUM, legend_tag="h2"),
                              Field.textarea("reason", rows=4, max_characters=TEXT_MAX))

    def clean(self):
        data = super().clean()
        if data.get("action") == "query" and not data.get("reason", "").strip():
            self.add_error("reason", "Write the question the person should answer")
        return data


# --- staff: opportunities and event work --------------------------------------------------------------
class BandChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class OpportunityForm(forms.Form):
    title = _text("Title", 150, required="Give the opportunity a title", what="The title",
                  help_text="For example, 'Interview panel for a new peer worker'.")
    kind = forms.ChoiceField(label="What kind is it?", choices=Opportunity.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Choose what kind it is",
                                             "invalid_choice": "Choose what kind it is"})
    purpose = _text("What is it for, and what will people do?", 5000, required="Say what it is for", rows=5,
                    what="This")
    day = DateInputField(label="Date", help_text="For example, 27 3 2026", require_all_fields=False)
    start_hour = forms.IntegerField(
        label="Hour", min_value=0, max_value=23, widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "Enter the hour it starts, from 0 to 23", "invalid": "Enter the hour as a number",
                        "min_value": "Enter the hour from 0 to 23", "max_value": "Enter the hour from 0 to 23"},
    )
    start_minute = forms.IntegerField(
        label="Minute", min_value=0, max_value=59, initial=0, widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "Enter the minute it starts, from 0 to 59", "invalid": "Enter the minute as a number",
                        "min_value": "Enter the minute from 0 to 59", "max_value": "Enter the minute from 0 to 59"},
    )
    duration_minutes = forms.IntegerField(
        label="How long does it last, in minutes?", min_value=1, max_value=24 * 60,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "Enter how long it lasts, in minutes", "invalid": "Enter a number of minutes",
                        "min_value": "Enter a number of minutes", "max_value": "It must last less than a day"},
    )
    place = _text("Where is it?", 200, required="Say where it is, or 'Online'", what="The place")
    rate_band = BandChoiceField(label="What does it pay?", queryset=RateBand.objects.none(), required=False,
                                empty_label="Expenses only (no fee)")
    places = forms.IntegerField(
        label="How many people do you need?", min_value=1, max_value=500, initial=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "Enter how many people you need", "invalid": "Enter a number",
                        "min_value": "You need at least 1 person", "max_value": "Enter 500 or fewer"},
    )
    support_offered = _text("What support do we offer? (optional)", 2000, rows=3, what="This",
                            help_text="For example, a support worker, a quiet room or a taxi.")
    what_to_bring = _text("What should people bring? (optional)", 2000, rows=3, what="This")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate_band"].queryset = RateBand.objects.order_by("name")
        _no_maxlength(self, "title", "purpose", "place", "support_offered", "what_to_bring")
        self.helper = _helper(
            Field.text("title", field_width=Fluid.FULL), Field.radios("kind", legend_size=Size.SMALL),
            Field.textarea("purpose", rows=5), Field("day"),
            Fieldset(Field.text("start_hour", field_width=Fixed.TWO), Field.text("start_minute", field_width=Fixed.TWO),
                     legend="Start time, on the 24-hour clock", legend_size=Size.SMALL),
            Field.text("duration_minutes", field_width=Fluid.ONE_QUARTER), Field.text("place", field_width=Fluid.FULL),
            Field.select("rate_band"), Field.text("places", field_width=Fluid.ONE_QUARTER),
            Field.textarea("support_offered", rows=3), Field.textarea("what_to_bring", rows=3),
        )

    def clean(self):
        data = super().clean()
        if data.get("day") and data.get("start_hour") is not None and data.get("start_minute") is not None:
            moment = datetime.datetime.combine(data["day"], datetime.time(data["start_hour"], data["start_minute"]))
            data["starts_at"] = timezone.make_aware(moment)
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        names = ("title", "purpose", "kind", "starts_at", "duration_minutes", "place", "rate_band",
                 "support_offered", "what_to_bring", "places")
        return {name: data[name] for name in names}


class EventWorkForm(forms.Form):
    """Staff record work at an event (or other work) as participation a person can claim for."""

    email = forms.EmailField(label="The person's email address", help_text="The email they use to sign in here.",
                             error_messages={"required": "Enter the person's email address",
                                             "invalid": "Enter an email address like name@example.org"})
    day = DateInputField(label="When did they do it?", help_text="For example, 27 3 2026", require_all_fields=False)
    activity = _text("What did they do?", 200, required="Say in a few words what they did", what="This",
                     help_text="For example, 'Ran the stall at the spring fair'.")
    minutes = forms.IntegerField(
        label="How long, in minutes?", min_value=1, max_value=24 * 60,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={"required": "Enter how long, in minutes", "invalid": "Enter a number of minutes",
                        "min_value": "Enter a number of minutes", "max_value": "Enter less than a day"},
    )
    rate_band = BandChoiceField(label="What does it pay?", queryset=RateBand.objects.none(), required=False,
                                empty_label="Expenses only (no fee)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rate_band"].queryset = RateBand.objects.order_by("name")
        _no_maxlength(self, "activity")
        self.helper = _helper(Field.text("email", field_width=Fluid.TWO_THIRDS), Field("day"),
                              Field.text("activity", field_width=Fluid.FULL),
                              Field.text("minutes", field_width=Fluid.ONE_QUARTER), Field.select("rate_band"))

    def clean_email(self):
        email = self.cleaned_data["email"]
        person = get_user_model().objects.filter(email__iexact=email, is_active=True).first()
        if person is None:
            raise ValidationError("No member has this email address. Check it and try again.")
        self.person = person
        return email


# --- finance: rates -------------------------------------------------------------------------------------
class BandForm(forms.Form):
    """A new rate band (its rates are added with RateForm)."""

    name = _text("Name of the band", 120, required="Give the band a name", what="The name",
                 help_text="For example, 'Meeting or panel, up to 2 hours'. Members see this name.")
    description = _text("What it covers (optional)", 1000, rows=3, what="This",
                        help_text="For example, 'A meeting, interview panel or working group of up to 2 hours'.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _no_maxlength(self, "name", "description")
        self.helper = _helper(Field.text("name", field_width=Fluid.FULL),
                              Field.textarea("description", rows=3, max_characters=1000))


class RateForm(forms.Form):
    """What a band pays from a date on (never changed later: a new rate is added from a later date)."""

    band = BandChoiceField(label="Band", queryset=RateBand.objects.none(), empty_label=None,
                           error_messages={"required": "Choose a band", "invalid_choice": "Choose a band from the list"})
    amount = forms.CharField(label="Payment", max_length=20, help_text="In pounds and pence, for example 25.00",
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
                             error_messages={"required": "Write the payment, for example 25.00",
                                             "max_length": "Write the payment, for example 25.00"})
    applies_from = DateInputField(label="From which day?", help_text="Activities on or after this day are paid at this rate. "
                                  "For example, 6 4 2026", require_all_fields=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["band"].queryset = RateBand.objects.order_by("name")
        _no_maxlength(self, "amount")
        self.helper = _helper(Field.select("band"), Field.text("amount", field_width=Fixed.TEN), Field("applies_from"))

    def clean_amount(self):
        try:
            return parse_pounds(self.cleaned_data["amount"], field="amount")
        except ValidationError as error:
            raise ValidationError(error.message_dict["amount"]) from None


class BodyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class MeetingRateForm(forms.Form):
    """The band a group's meetings pay (none: expenses only)."""

    body = BodyChoiceField(label="Group", queryset=Body.objects.none(), empty_label=None,
                           error_messages={"required": "Choose a group", "invalid_choice": "Choose a group from the list"})
    band = BandChoiceField(label="Its meetings pay", queryset=RateBand.objects.none(), required=False,
                           empty_label="Expenses only (no fee)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].queryset = Body.objects.order_by("name")
        self.fields["band"].queryset = RateBand.objects.order_by("name")
        self.helper = _helper(Field.select("body"), Field.select("band"))
