"""The contact form. Labels and errors are plain English for service users."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms

from .models import Topic

MESSAGE_LIMIT = 5000


class ContactForm(forms.Form):
    """A message to the charity: who it is from (both optional), what it is about, and the message.

    `website` is a trap for robots: it is hidden from people (and from screen readers and the keyboard),
    so a value in it means the form was filled in by a program.
    """

    name = forms.CharField(
        label="Your name (optional)",
        required=False,
        max_length=80,
        error_messages={"max_length": "Your name must be 80 characters or fewer. You typed %(show_value)d."},
    )
    email = forms.EmailField(
        label="Your email address (optional)",
        required=False,
        help_text="We need this to reply to you. If you leave it empty, we can read your message but cannot answer it.",
        error_messages={"invalid": "Enter an email address in the right format, like name@example.com"},
    )
    about = forms.ChoiceField(
        label="What is your message about?",
        choices=Topic.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what your message is about",
            "invalid_choice": "Choose what your message is about",
        },
    )
    message = forms.CharField(
        label="Your message",
        help_text=f"You can write up to {MESSAGE_LIMIT:,} characters. Please do not include private details "
        "about other people.",
        max_length=MESSAGE_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Write your message",
            "max_length": f"Your message must be {MESSAGE_LIMIT:,} characters or fewer. You typed %(show_value)d.",
        },
    )
    website = forms.CharField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "message"):  # no HTML maxlength: typing is never cut off silently
            self.fields[name].widget.attrs.pop("maxlength", None)
        self.fields["name"].widget.attrs.update(autocomplete="name")
        self.fields["email"].widget.attrs.update(autocomplete="email", spellcheck="false")
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page template owns the <form>, its CSRF token and the trap
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.text("email", field_width=Fluid.TWO_THIRDS),
            Field.radios("about", legend_size=Size.SMALL),
            Field.textarea("message", rows=8, max_characters=MESSAGE_LIMIT),
            Submit("submit", "Send message"),
        )

    @property
    def from_robot(self) -> bool:
        """True when the hidden trap field was filled in."""
        return bool(self.cleaned_data.get("website"))

    def message_fields(self) -> dict:
        """What `contact_message_send` takes, from the cleaned form."""
        data = self.cleaned_data
        return {"topic": data["about"], "name": data["name"], "email": data["email"], "message": data["message"]}
