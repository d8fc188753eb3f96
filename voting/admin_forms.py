"""The returning officer's ballot form: plain checks, and nothing that voters saw can change after opening."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from .models import FROZEN_MESSAGE, Ballot


class BallotAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance.is_draft:
            # Shown but fixed: the browser will not send them and Django keeps the stored values.
            for name in Ballot.FROZEN_FIELDS:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = "Fixed when the ballot opened."
            for form in getattr(self.formsets.get("options"), "forms", []):
                if form.instance.pk:  # a newly added row stays live, so adding one gets the plain refusal
                    for field in form.fields.values():
                        field.disabled = True

    def clean(self):
        cleaned = super().clean()
        ballot = self.instance
        opened = ballot.pk and not ballot.is_draft  # status is not a form field: it is as loaded
        if opened:
            for name in Ballot.FROZEN_FIELDS:
                if name in self.changed_data:
                    self.add_error(name, FROZEN_MESSAGE.format(what=self.fields[name].label.lower()))
            options = self.formsets.get("options")
            if options is not None and options.has_changed():
                raise forms.ValidationError(FROZEN_MESSAGE.format(what="options"))
            return cleaned
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The ballot must close after it opens.")
        kind = cleaned.get("kind")
        if cleaned.get("electorate") == Ballot.Electorate.BODY and not cleaned.get("body"):
            self.add_error("body", "Choose the body whose members can vote, or choose a different electorate.")
        seats = cleaned.get("seats") or 0
        if kind == Ballot.Kind.STV and seats < 1:
            self.add_error("seats", "An election needs at least one seat.")
        if kind in (Ballot.Kind.MOTION, Ballot.Kind.SINGLE, Ballot.Kind.APPROVAL, Ballot.Kind.IRV) and seats != 1:
            self.add_error("seats", "Only single transferable vote elections can fill more than one seat. Set seats to 1.")
        if kind != Ballot.Kind.MOTION and cleaned.get("threshold") == Ballot.Threshold.TWO_THIRDS:
            self.add_error("threshold", "A two-thirds threshold applies to motions only.")
        if cleaned.get("decision") and kind != Ballot.Kind.MOTION:
            self.add_error("decision", "Only a motion can settle a decision.")
        return cleaned

    def save(self, commit=True):
        options = self.formsets.get("options")
        if options is not None and self.instance.is_draft:
            # The order on the paper is the order the returning officer put the options in.
            for position, form in enumerate(options.forms):
                if form.cleaned_data and not form.cleaned_data.get("DELETE"):
                    form.instance.order = position
        return super().save(commit=commit)
