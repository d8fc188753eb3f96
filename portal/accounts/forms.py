"""Front-end account forms. Labels and errors are plain English for service users."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Fluid, Layout, Size, Submit
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm

from .models import Profile, User


EMAIL_ERRORS = {
    "required": "Enter your email address",
    "invalid": "Enter an email address in the right format, like name@example.com",
}
NAME_ERRORS = {
    "required": "Enter a name",
    "max_length": "Your name must be 80 characters or fewer. You typed %(show_value)d.",
}


def display_name_field(help_text: str) -> forms.CharField:
    """The name a person shows to others. No HTML maxlength: typing is never cut off silently."""
    field = forms.CharField(label="Your name", max_length=80, help_text=help_text, error_messages=NAME_ERRORS)
    field.widget.attrs.pop("maxlength", None)
    field.widget.attrs.update(autocomplete="nickname")
    return field


def email_field(help_text: str) -> forms.EmailField:
    field = forms.EmailField(label="Email address", help_text=help_text, error_messages=EMAIL_ERRORS)
    field.widget.attrs.update(autocomplete="email", spellcheck="false")
    return field


def _text_fields(*names: str) -> list:
    return [Field.text(name, field_width=Fluid.TWO_THIRDS) for name in names]


def _helper(*fields, button: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the page template owns the <form> and its CSRF token
    helper.disable_csrf = True  # the page template owns the CSRF token
    helper.layout = Layout(*fields, Submit("submit", button))
    return helper


class SignUpForm(forms.Form):
    """Create an account: a name to show, an email to sign in with, and a password."""

    display_name = display_name_field("This is how we will show your name. It can be a first name or a nickname.")
    email = email_field("You will use this to sign in. We will not share it.")
    password = forms.CharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Use at least 10 characters. A few words together is easy to remember.",
        error_messages={"required": "Create a password"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(*_text_fields("display_name", "email", "password"), button="Create account")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "There is already an account with this email address. Sign in, or reset your password."
            )
        return email

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            probe = User(email=cleaned.get("email", ""), display_name=cleaned.get("display_name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class SignInForm(AuthenticationForm):
    """Sign in with email and password."""

    error_messages = {
        "invalid_login": "The email address or password is not right. Check them and try again.",
        "inactive": "This account has been closed. Contact us if you think this is a mistake.",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].error_messages["required"] = "Enter your email address"
        self.fields["username"].widget.attrs.update(autocomplete="email", spellcheck="false")
        self.fields["username"].widget.attrs.pop("autofocus", None)
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.helper = _helper(*_text_fields("username", "password"), button="Sign in")


class PasswordResetRequestForm(forms.Form):
    email = email_field("We will send a link to this address if it has an account.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(*_text_fields("email"), button="Send me a link")


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = "Use at least 10 characters."
        self.fields["new_password2"].label = "Type the new password again"
        self.helper = _helper(*_text_fields("new_password1", "new_password2"), button="Save new password")


class ProfileForm(forms.ModelForm):
    """Name and preferences: how the portal should look and whether we may contact the person."""

    display_name = display_name_field("This is how we will show your name.")

    class Meta:
        model = Profile
        fields = [
            "easy_read_first",
            "larger_text",
            "contact_method",
            "contact_about_consultations",
            "contact_about_meetings",
        ]
        labels = {
            "easy_read_first": "Show easy read versions first",
            "larger_text": "Use bigger text",
            "contact_method": "How can we contact you?",
            "contact_about_consultations": "Tell me when a new consultation opens",
            "contact_about_meetings": "Tell me about meetings and decisions",
        }
        widgets = {"contact_method": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].initial = self.instance.user.display_name
        for name in ("easy_read_first", "larger_text", "contact_about_consultations", "contact_about_meetings"):
            self.fields[name].help_text = ""  # the labels say it all; a hint would be read twice
        self.helper = _helper(
            *_text_fields("display_name"),
            Fieldset(
                Field.checkbox("easy_read_first"),
                Field.checkbox("larger_text"),
                legend="How pages look",
                legend_size=Size.MEDIUM,
            ),
            Fieldset(
                Field.radios("contact_method", legend_size=Size.SMALL),
                Field.checkbox("contact_about_consultations"),
                Field.checkbox("contact_about_meetings"),
                legend="Contact",
                legend_size=Size.MEDIUM,
            ),
            button="Save changes",
        )
