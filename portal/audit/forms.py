"""The audit explorer's search forms (GET, read-only) and the form that records a checkpoint's minutes."""

from datetime import date

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout
from django import forms
from wagtail.admin.widgets import AdminPageChooser
from wagtail.models import Page

from portal.dates import gov_date

from . import selectors
from .history import history_kind, history_kinds
from .models import ActorPseudonym, AuditEvent
from .words import action_words, kind_name

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"]
DATE_ERROR = "Enter a real date, like 27/3/2026"
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
TEXT = {"spellcheck": "false", "autocomplete": "off"}


def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    helper.layout = Layout(*fields)
    return helper


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, input_formats=DATE_FORMATS, help_text="For example, 27/3/2026",
        error_messages={"invalid": DATE_ERROR}, widget=forms.TextInput(attrs=TEXT),
    )


class _PersonAndDates(forms.Form):
    """Who and when, shared by both searches. `people` lists the matches when a name is ambiguous."""

    person = forms.CharField(
        label="Person", required=False, max_length=200, widget=forms.TextInput(attrs=TEXT),
        help_text="Their email address or part of their name. For an erased account, paste the pseudonym.",
    )
    date_from = _date_field("From")
    date_to = _date_field("To")

    people: list = []

    def clean_person(self):
        text = self.cleaned_data["person"].strip()
        self.people = []
        if not text:
            return None
        if selectors.looks_like_pseudonym(text):
            key = text.lower()
            linked = ActorPseudonym.objects.filter(key=key).select_related("user").first()
            return {"key": key, "user": linked.user if linked else None}
        matches = selectors.people_matching(text)
        if not matches:
            raise forms.ValidationError(f"Nobody with an account matches “{text}”. Check the spelling.")
        if len(matches) > 1:
            self.people = matches[: selectors.MAX_PEOPLE_SHOWN]
            raise forms.ValidationError(f"More than one person matches “{text}”. Choose one from the list below.")
        return {"key": None, "user": matches[0]}

    def _clean_dates(self, cleaned: dict) -> None:
        for name in ("date_from", "date_to"):
            value: date | None = cleaned.get(name)
            if value and not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
                self.add_error(name, f"Enter a year between {EARLIEST_YEAR} and {LATEST_YEAR}")
                cleaned[name] = None
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The “To” date must be the same as or after the “From” date")


class EventSearchForm(_PersonAndDates):
    """Search the ledger by object, person (as actor), action and date."""

    target_type = forms.CharField(label="Kind of object", required=False, max_length=100, widget=forms.Select)
    target_id = forms.CharField(
        label="Object number", required=False, max_length=64, widget=forms.TextInput(attrs=TEXT),
        help_text="Filled in when you choose “all events about it” beside an event.",
    )
    action = forms.CharField(label="Action", required=False, max_length=80, widget=forms.Select)

    field_order = ["target_type", "target_id", "person", "action", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = sorted(((t, kind_name(t)) for t in selectors.audit_target_types()), key=lambda choice: choice[1])
        self.fields["target_type"].widget.choices = [("", "Any kind")] + kinds
        actions = sorted(((a, action_words(a)) for a in selectors.audit_actions()), key=lambda choice: choice[1])
        self.fields["action"].widget.choices = [("", "Any action")] + actions
        self.helper = _helper(
            Field.select("target_type"), Field.text("target_id", field_width=Fluid.FULL),
            Field.text("person", field_width=Fluid.FULL), Field.select("action"),
            Field.text("date_from", field_width=10), Field.text("date_to", field_width=10),
        )

    def clean_action(self):
        action = self.cleaned_data["action"].strip()
        if action and not AuditEvent.objects.filter(action=action).exists():
            raise forms.ValidationError(f"No event in the ledger has the action “{action}”. Choose one from the list.")
        return action

    def clean_target_type(self):
        target_type = self.cleaned_data["target_type"].strip()
        if target_type and not AuditEvent.objects.filter(target_type=target_type).exists():
            raise forms.ValidationError(f"No event in the ledger is about a “{target_type}”. Choose one from the list.")
        return target_type

    def clean(self):
        cleaned = super().clean()
        self._clean_dates(cleaned)
        return cleaned


class HistorySearchForm(_PersonAndDates):
    """Search one history table by object, the person who made the change, and date."""

    kind = forms.ChoiceField(label="Kind of record", required=True, error_messages={
        "required": "Choose the kind of record to look at",
        "invalid_choice": "Choose a kind of record from the list",
    })
    object_id = forms.IntegerField(
        label="Record number", required=False, min_value=1, max_value=2**62,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}),
        help_text="Give a number to see what changed in that record, field by field.",
        error_messages={"invalid": "Enter the record number in figures, like 12",
                        "min_value": "Enter a record number of 1 or more", "max_value": "That record number is too big"},
    )

    field_order = ["kind", "object_id", "person", "date_from", "date_to"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "Choose a kind of record")] + [(k.label, k.name) for k in history_kinds()]
        self.fields["person"].help_text = "Who made the change: their email address or part of their name."
        self.helper = _helper(
            Field.select("kind"), Field.text("object_id", field_width=10), Field.text("person", field_width=Fluid.FULL),
            Field.text("date_from", field_width=10), Field.text("date_to", field_width=10),
        )

    def clean_kind(self):
        return history_kind(self.cleaned_data["kind"])

    def clean(self):
        cleaned = super().clean()
        self._clean_dates(cleaned)
        return cleaned


class CheckpointPublicationForm(forms.Form):
    """For secretaries in the admin: which checkpoint the chosen published minutes quote."""

    checkpoint = forms.ModelChoiceField(
        queryset=AuditEvent.objects.none(), label="Checkpoint", empty_label="Choose a checkpoint",
        help_text="The checkpoint whose head hash is copied into the minutes.",
    )
    page = forms.ModelChoiceField(
        queryset=Page.objects.all(), label="Published minutes", widget=AdminPageChooser(can_choose_root=False),
        help_text="The approved, published minutes that quote the checkpoint's whole head hash.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checkpoint"].queryset = AuditEvent.objects.filter(action=selectors.CHECKPOINT_ACTION).order_by("-id")
        self.fields["checkpoint"].label_from_instance = lambda event: (
            f"#{event.pk}, {gov_date(event.occurred_at)}: {event.data.get('count')} events, "
            f"head {event.data.get('head_hash', '')[:16]}…"
        )
