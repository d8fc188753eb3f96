"""Forms for hearing back: how a person wants to hear, and the address an anonymous respondent leaves."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms

from .models import HearBackChoice
from .services import clean_address


def _helper(*fields, button: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the page template owns the <form> and its CSRF token
    helper.disable_csrf = True
    helper.layout = Layout(*fields, Submit("submit", button))
    return helper


class ChoiceForm(forms.Form):
    """Each email as it comes, or one list a week."""

    how = forms.ChoiceField(
        label="How should we email you about what came of it?",
        choices=HearBackChoice.How.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how you want to hear from us",
                        "invalid_choice": "Choose how you want to hear from us"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.radios("how", legend_size=Size.SMALL), button="Save")


class AddressForm(forms.Form):
    """An address for this alone: kept apart from the answers, used once, then deleted."""

    email = forms.CharField(
        label="Your email address (optional)",
        help_text="We will only use it to tell you what came of this. We keep it apart from your answers. "
        "We delete it after one email.",
        error_messages={"required": "Enter your email address"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="email", spellcheck="false", type="email")
        self.helper = _helper(Field.text("email", field_width=Fluid.TWO_THIRDS), button="Tell me what came of it")

    def clean_email(self) -> str:
        try:
            return clean_address(self.cleaned_data["email"])
        except forms.ValidationError as error:
            raise forms.ValidationError(error.message_dict["email"]) from None

