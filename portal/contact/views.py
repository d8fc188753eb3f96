"""The contact form and its acknowledgement. No account is needed."""

from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import services
from .forms import ContactForm
from .limits import contact_send_allowed
from .models import Topic

SENT_KEY = "contact_sent"


def _initial(request) -> dict:
    """`?about=accessibility` (from the accessibility statement) chooses that topic; a signed-in
    person's email is filled in for them."""
    initial = {}
    if request.GET.get("about") in Topic.values:
        initial["about"] = request.GET["about"]
    if request.user.is_authenticated:
        initial["email"] = request.user.email
    return initial


@sensitive_post_parameters("name", "email", "message")
@require_http_methods(["GET", "POST"])
def contact(request):
    """Send a message to the charity's inbox. Too many sends get a 'please wait' page with the text kept.

    A robot that fills in the hidden trap is shown the same thanks, and nothing is sent.
    """
    form = ContactForm(request.POST or None, initial=_initial(request))
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        if not contact_send_allowed(request):
            return render(request, "contact/contact.html", {**context, "limited": True}, status=429)
        if not form.from_robot:
            services.contact_message_send(**form.message_fields())
        request.session[SENT_KEY] = True
        return redirect("contact:sent")
    return render(request, "contact/contact.html", context, status=400 if form.errors else 200)


def sent(request):
    """'Thank you. We have your message.' Only after a message was sent in this session."""
    if not request.session.get(SENT_KEY):
        return redirect("contact:form")
    return render(request, "contact/sent.html")
