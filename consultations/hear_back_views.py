"""The done page's email box: someone who answered without their name may leave an address, for
hearing what came of it and nothing else.

The address is stored apart from the answers (portal.hear_back HearBackAddress: the consultation's id,
the address and the day; no response). The response's token only proves that this person answered;
it is never stored with the address. The session remembers that an address was left for this
consultation, so the box says so instead of asking again.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from portal.hear_back.forms import AddressForm
from portal.hear_back.services import hear_back_address_leave

from .models import ConsultationPage, Response

SESSION_LEFT = "hear_back_left"


def _anonymous_sent(page: ConsultationPage, token: str) -> Response:
    response = Response.objects.filter(
        consultation=page, resume_token=token, status=Response.Status.SUBMITTED, respondent__isnull=True
    ).first()
    if response is None:
        raise Http404("We could not find that response. Check the link, or start again.")
    return response


@require_http_methods(["GET", "POST"])
def leave_address(request, page: ConsultationPage, token: str):
    """Keep the address (checked) and go back to the done page; a mistake shows the box again."""
    response = _anonymous_sent(page, token)
    done_url = page.url + page.reverse_subpage("done", args=[response.resume_token])
    left = request.session.get(SESSION_LEFT, [])
    if request.method == "GET" or page.pk in left:
        return redirect(done_url)
    form = AddressForm(request.POST)
    if form.is_valid():
        hear_back_address_leave(consultation_id=page.pk, email=form.cleaned_data["email"])
        request.session[SESSION_LEFT] = (left + [page.pk])[-50:]
        messages.success(request, "Thank you. We will email you once, when we know what came of this.")
        return redirect(done_url)
    context = {"page": page, "response": response, "form": form}
    result = TemplateResponse(request, "consultations/hear_back.html", context, status=400)
    patch_cache_control(result, private=True, no_store=True)
    return result
