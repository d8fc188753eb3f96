"""Forms for data rights. Labels and errors are plain English for service users."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms

from .consent import Kind, current_wording
from .models import LivedExperienceDeclaration


def _helper(*fields, button: str, danger: bool = False) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the page template owns the <form> and its CSRF token
    helper.disable_csrf = True
    helper.layout = Layout(*fields, Submit("submit", button, **({"css_class": "govuk-button--warning"} if danger else {})))
    return helper


class EraseForm(forms.Form):
    """The person proves it is them, and that they mean it, by typing their password."""

    password = forms.CharField(
        label="Type your password to confirm",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Type your password to confirm"},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = _helper(Field.text("password", field_width=Fluid.TWO_THIRDS), button="Erase my account", danger=True)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password. Type the password you use to sign in.")
        return password


class LivedExperienceForm(forms.Form):
    """An optional self-declaration, kept only with consent to the words shown."""

    answer = forms.ChoiceField(
        label="Do you have lived experience of mental ill-health?",
        choices=LivedExperienceDeclaration.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose an answer"},
    )
    consent = forms.BooleanField(
        label=current_wording(Kind.LIVED_EXPERIENCE).text,
        error_messages={"required": "Tick the box to say we may keep your answer, or leave this page"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("answer", legend_size=Size.MEDIUM), Field.checkbox("consent"), button="Save my answer"
        )
