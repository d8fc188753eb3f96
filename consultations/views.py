"""Answering a consultation, one question per page, with every step saved on the server.

The resume token in each URL is the key to an anonymous draft; named drafts also need their author
signed in. Pages that carry a token are never cached anywhere.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from portal.hear_back.forms import AddressForm
from portal.home.stable import kept_form_html
from portal.responses import private

from . import permissions, services
from .forms import AnswerForm, AssistedForm, StartForm, answer_form, raw_from_post
from .jobs import receipt_goes_by_email
from .models import ConsultationPage, Identity, Phase, Response
from .selectors import responses_of
from .you_said_we_did import you_said_we_did_html

SESSION_DRAFTS = "consultation_drafts"


def consultation_context(request, page: ConsultationPage) -> dict:
    """What the consultation page shows: phase, whether this person may answer, and their own response."""
    user = request.user
    mine = None
    if user.is_authenticated:
        mine = next((r for r in responses_of(user) if r.consultation_id == page.pk and r.status != "withdrawn"), None)
    prefers_easy_read = bool(getattr(getattr(user, "profile", None), "easy_read_first", False)) if user.is_authenticated else False
    return {
        "phase": page.phase(),
        # Counted in the routing query when the page was reached through its index (see its `route`).
        "question_count": page.question_total if hasattr(page, "question_total") else page.questions.count(),
        "why_not": permissions.why_not_respond(user, page),
        "my_response": mine,
        "resume_url": resume_url(page, mine) if mine is not None and mine.status == Response.Status.DRAFT else "",
        "show_results_link": permissions.can_view_results(user, page),
        "can_enter_assisted": permissions.can_enter_assisted(user, page),
        "easy_read_first": prefers_easy_read,
        "you_said_we_did_html": you_said_we_did_html(page, request),
    }



def _refusal(request, page: ConsultationPage, message: str, status: int = 403) -> HttpResponse:
    return private(
        TemplateResponse(request, "consultations/not_now.html", {"page": page, "message": message}, status=status)
    )


def _needs_sign_in(request, page: ConsultationPage) -> bool:
    if request.user.is_authenticated or page.phase() != Phase.OPEN:
        return False
    return page.audience != "public" or page.identity == Identity.NAMED


def start(request, page: ConsultationPage):
    """Before the first question: say what to expect, ask about anonymity where the person chooses."""
    if _needs_sign_in(request, page):
        return redirect_to_login(request.get_full_path())
    why_not = permissions.why_not_respond(request.user, page)
    if why_not:
        return _refusal(request, page, why_not)
    ask_named = page.identity == Identity.CHOOSE and request.user.is_authenticated
    form = StartForm(request.POST or None, ask_named=ask_named, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        response = services.response_start(
            consultation=page,
            user=request.user,
            idempotency_key=form.cleaned_data["idempotency_key"],
            named=form.cleaned_data.get("named"),
            lived_experience=form.cleaned_data.get("lived_experience", ""),
        )
        return _go_to_response(request, page, response)
    context = {"page": page, "form": form, "question_count": page.questions.count(), "assisted": False}
    return private(TemplateResponse(request, "consultations/start.html", context, status=400 if form.errors else 200))


def assisted_start(request, page: ConsultationPage):
    """A peer worker starts a response on someone's behalf, with the consent they gave written down."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.can_enter_assisted(request.user, page):
        return _refusal(request, page, "Only peer workers can enter answers for someone else, while it is open.")
    form = AssistedForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        response = services.response_start(
            consultation=page,
            user=request.user,
            idempotency_key=form.cleaned_data["idempotency_key"],
            lived_experience=form.cleaned_data.get("lived_experience", ""),
            origin=Response.Origin.ASSISTED,
            consent_statement=form.cleaned_data["consent_statement"],
        )
        return _go_to_response(request, page, response)
    context = {"page": page, "form": form, "question_count": page.questions.count(), "assisted": True}
    return private(TemplateResponse(request, "consultations/start.html", context, status=400 if form.errors else 200))


def _go_to_response(request, page, response: Response):
    if response.status == Response.Status.SUBMITTED:
        return redirect(page.url + page.reverse_subpage("done", args=[response.resume_token]))
    drafts = request.session.get(SESSION_DRAFTS, [])
    if response.resume_token not in drafts:
        request.session[SESSION_DRAFTS] = (drafts + [response.resume_token])[-20:]
    return redirect(_question_url(page, response, 1))


def _question_url(page, response, number: int) -> str:
    return page.url + page.reverse_subpage("question", args=[response.resume_token, number])


def _check_url(page, response) -> str:
    return page.url + page.reverse_subpage("check", args=[response.resume_token])


def resume_url(page, response) -> str:
    """Where "Carry on answering" goes: the first question with nothing saved for it yet, or the check
    page once every question has been saved (an optional one passed empty counts as answered)."""
    order = list(page.questions.order_by("sort_order", "pk").values_list("pk", flat=True))
    for number, pk in enumerate(order, start=1):
        if str(pk) not in response.draft:
            return _question_url(page, response, number)
    return _check_url(page, response)


# Every question page, autosave and check page reads its response first, so it is read in plain SQL:
# building this one query with the ORM took three times as long as running it (bench: "question").
_LOAD_SQL = "SELECT * FROM consultations_response WHERE consultation_id = %s AND resume_token = %s LIMIT 1"


def _load(page: ConsultationPage, token: str) -> Response:
    response = next(iter(Response.objects.raw(_LOAD_SQL, [page.pk, token])), None)
    if response is None:
        raise Http404("We could not find that response. Check the link, or start again.")
    response.consultation = page  # the page in hand, not read again when the response is checked
    return response


SESSION_TYPED = "consultation_typed_signed_out"


def _keep_until_signed_in(request, response: Response, question, raw) -> None:
    """What a signed-out person typed into a draft that needs its owner signed in: kept in their own
    session (never written to the draft, which may not be theirs) until they sign in as its owner."""
    typed = request.session.get(SESSION_TYPED, {})
    typed.setdefault(response.resume_token, {})[str(question.pk)] = raw
    request.session[SESSION_TYPED] = dict(list(typed.items())[-5:])


def _apply_kept(request, response: Response, questions) -> None:
    """After signing in: the owner's typing kept by `_keep_until_signed_in` goes into the draft."""
    typed = request.session.get(SESSION_TYPED, {})
    kept = typed.pop(response.resume_token, None)
    if kept is None:
        return
    request.session[SESSION_TYPED] = typed
    by_pk = {str(q.pk): q for q in questions}
    for pk, raw in kept.items():
        if pk in by_pk:
            services.response_save_step(response=response, question=by_pk[pk], raw=raw)
    response.refresh_from_db()


def question(request, page: ConsultationPage, token: str, number: int):
    """One question. Every POST keeps what was typed, even when it is not valid yet."""
    response = _load(page, token)
    questions = list(page.questions.all())
    if not 1 <= number <= len(questions):
        raise Http404("There is no question with that number.")
    if response.status == Response.Status.SUBMITTED:
        return redirect(page.url + page.reverse_subpage("done", args=[token]))
    current = questions[number - 1]
    owner_signed_out = not request.user.is_authenticated and (
        response.respondent_id or response.origin == Response.Origin.ASSISTED)
    if request.method == "POST" and response.status == Response.Status.DRAFT and page.phase() == Phase.OPEN:
        # Checked before anything is saved: only the draft's owner writes to it. A signed-out owner's
        # typing is kept in their session and saved once they sign in, so nothing typed is lost.
        kept = True
        if permissions.can_continue(request.user, response):
            services.response_save_step(response=response, question=current, raw=raw_from_post(current, request.POST))
        elif owner_signed_out:
            _keep_until_signed_in(request, response, current, raw_from_post(current, request.POST))
        else:
            kept = False
        if request.headers.get("X-Autosave"):
            return private(HttpResponse(status=204 if kept else 403))
    if owner_signed_out:
        return redirect_to_login(request.get_full_path())
    if not permissions.can_continue(request.user, response):
        return _refusal(request, page, _why_cannot_edit(request, page, response))
    _apply_kept(request, response, questions)
    if request.method == "POST":
        response.refresh_from_db()
        if "back" in request.POST:
            return redirect(_question_url(page, response, number - 1) if number > 1 else page.url)
        form = answer_form(current, response.draft.get(str(current.pk), {}))
        if form.is_valid():
            if request.GET.get("from") == "check" or number == len(questions):
                return redirect(_check_url(page, response))
            return redirect(_question_url(page, response, number + 1))
    else:
        raw = response.draft.get(str(current.pk))
        form = answer_form(current, raw) if raw else None
    context = {
        "page": page,
        "response": response,
        "question": current,
        "form": form,
        # A question not answered yet looks the same to everyone: its form is rendered once per publish.
        "form_html": "" if form is not None else kept_form_html(
            request, ("question", current.pk), lambda: AnswerForm(current)),
        "number": number,
        "total": len(questions),
        "position": f"{number} of {len(questions)}",  # as text: numbers in templates go through localisation
        # This very question, its number written plainly (the address ends in it; page.url costs more).
        "resume_url": request.build_absolute_uri(f"{request.path.rstrip('/').rsplit('/', 1)[0]}/{number}/"),
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return private(TemplateResponse(request, "consultations/question.html", context, status=status))


def _why_cannot_edit(request, page, response) -> str:
    if response.status == Response.Status.WITHDRAWN:
        return "This response was withdrawn, so it cannot be changed."
    if page.phase() == Phase.CLOSED:
        return "This consultation has closed, so answers can no longer be changed or sent. Thank you."
    return "This response belongs to someone else. If it is yours, please sign in with your own account."


def check_answers(request, page: ConsultationPage, token: str):
    """'Check your answers', then send. Sending twice (double click, second tab) sends once."""
    response = _load(page, token)
    if response.status == Response.Status.SUBMITTED:
        return redirect(page.url + page.reverse_subpage("done", args=[token]))
    if (response.respondent_id or response.origin == Response.Origin.ASSISTED) and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.can_continue(request.user, response):
        return _refusal(request, page, _why_cannot_edit(request, page, response))
    questions = list(page.questions.all())
    _apply_kept(request, response, questions)
    problems = services.response_problems(response=response, questions=questions)
    if request.method == "POST" and not problems:
        services.response_submit(response=response, questions=questions, user=request.user)
        return redirect(page.url + page.reverse_subpage("done", args=[token]))
    rows = [
        {
            "number": n,
            "question": q,
            "answer": answer_form(q, response.draft.get(str(q.pk), {})).display_value(),
            "problems": problems.get(q.pk, []),
            "change_url": _question_url(page, response, n) + "?from=check",
        }
        for n, q in enumerate(questions, start=1)
    ]
    context = {"page": page, "response": response, "rows": rows, "problems": problems}
    status = 400 if request.method == "POST" and problems else 200
    return private(TemplateResponse(request, "consultations/check_answers.html", context, status=status))


def done(request, page: ConsultationPage, token: str):
    """The confirmation, with the response's reference."""
    response = _load(page, token)
    if response.status == Response.Status.DRAFT:
        return redirect(_check_url(page, response))
    context = {
        "page": page,
        "response": response,
        "can_withdraw": permissions.can_withdraw(request.user, response),
        "show_results_link": permissions.can_view_results(request.user, page),
        "receipt_by_email": response.status == Response.Status.SUBMITTED and receipt_goes_by_email(response),
        # Someone who answered without their name may leave an address to hear what came of it.
        "form": AddressForm() if response.status == Response.Status.SUBMITTED and response.respondent_id is None else None,
    }
    return private(TemplateResponse(request, "consultations/done.html", context))


def withdraw(request, page: ConsultationPage, token: str):
    """A named author takes back a submitted response while the consultation is open."""
    response = _load(page, token)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not permissions.can_withdraw(request.user, response):
        raise PermissionDenied("This response cannot be withdrawn now.")
    if request.method == "POST":
        services.response_withdraw(response=response, user=request.user)
        messages.success(request, "Your response has been withdrawn. It will not be counted.")
        return redirect(page.url)
    return private(TemplateResponse(request, "consultations/withdraw.html", {"page": page, "response": response}))
