"""Writes for answering consultations: start, save a step, submit, withdraw.

Each checks permission, changes data in a transaction and records a ledger event with ids only:
never answers, names or emails.
"""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.audit.services import audit_record
from portal.privacy.services import consent_record_assisted

from . import permissions
from .forms import answer_form
from .jobs import receipt_enqueue
from .models import Answer, AnswerChoice, ConsultationPage, Identity, Question, Response


def response_start(
    *,
    consultation: ConsultationPage,
    user,
    idempotency_key: str,
    named: bool | None = None,
    lived_experience: str = "",
    origin: str = Response.Origin.ONLINE,
    consent_statement: str = "",
) -> Response:
    """Start (or find) a draft response.

    The same idempotency key always gives the same response, so a double click or a retried request
    starts one draft. A signed-in person answering by name gets back their existing response instead
    of a second one.
    """
    assisted = origin == Response.Origin.ASSISTED
    if assisted and not permissions.can_enter_assisted(user, consultation):
        raise PermissionDenied("Only peer workers can enter answers for someone else.")
    if not assisted and not permissions.can_respond(user, consultation):
        raise PermissionDenied(permissions.why_not_respond(user, consultation))
    existing = Response.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    keep_name = not assisted and user.is_authenticated and _keeps_name(consultation, named)
    if keep_name:
        current = Response.objects.filter(consultation=consultation, respondent=user).exclude(
            status=Response.Status.WITHDRAWN
        ).first()
        if current is not None:
            return current
    try:
        with transaction.atomic():
            response = Response.objects.create(
                consultation=consultation,
                respondent=user if keep_name else None,
                entered_by=user if assisted else None,
                origin=origin,
                consent_statement=consent_statement,
                lived_experience=lived_experience or "",
                idempotency_key=idempotency_key,
            )
            if assisted:
                consent_record_assisted(subject_type=response._meta.label_lower, subject_id=response.pk, recorded_by=user)
            return response
    except IntegrityError:
        # A concurrent request with the same key won the race, or (answering by name) the same person's
        # other tab with its own key did: either way there is one draft, and this is it.
        existing = Response.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None and keep_name:
            existing = Response.objects.filter(consultation=consultation, respondent=user).exclude(
                status=Response.Status.WITHDRAWN
            ).first()
        if existing is None:
            raise
        return existing


def _keeps_name(consultation: ConsultationPage, named: bool | None) -> bool:
    if consultation.identity == Identity.NAMED:
        return True
    if consultation.identity == Identity.ANONYMOUS:
        return False
    return bool(named)


def response_save_step(*, response: Response, question: Question, raw: dict) -> Response:
    """Keep exactly what was typed for one question in the draft, valid or not (nothing is lost)."""
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.status != Response.Status.DRAFT:
            return locked
        locked.draft = {**locked.draft, str(question.pk): raw}
        locked.save(update_fields=["draft", "updated_at"])
    return locked


def response_problems(*, response: Response, questions: list[Question]) -> dict[int, list[str]]:
    """The questions whose draft answers are not valid yet, with their messages (empty when ready)."""
    problems = {}
    for question in questions:
        form = answer_form(question, response.draft.get(str(question.pk), {}))
        if not form.is_valid():
            problems[question.pk] = [e for errors in form.errors.values() for e in errors]
    return problems


def response_submit(*, response: Response, questions: list[Question], user) -> Response:
    """Send a draft: validate every answer, write Answer rows, mark it submitted, once.

    Invariant: a response is submitted at most once. The status flips with a conditional UPDATE, so a
    double click, a second tab or a retry finds it already submitted and changes nothing.
    """
    if response.status == Response.Status.SUBMITTED:
        return response
    if not permissions.can_continue(user, response) and not _assisted_by(user, response):
        raise PermissionDenied("This response can no longer be sent.")
    if response_problems(response=response, questions=questions):
        raise ValueError("Some answers need attention before sending.")
    with transaction.atomic():
        flipped = Response.objects.filter(pk=response.pk, status=Response.Status.DRAFT).update(
            status=Response.Status.SUBMITTED, submitted_at=timezone.now(), updated_at=timezone.now()
        )
        response.refresh_from_db()
        if not flipped:
            return response
        _write_answers(response, questions)
        _record_history(response)
        audit_record(
            actor=None if response.respondent_id is None else response.respondent,
            action="consultation.response_submitted",
            target=response,
            data={"consultation": response.consultation_id, "origin": response.origin},
        )
        # The receipt email is queued with the response, so it exists if and only if the response does.
        receipt_enqueue(response)
    return response


def _assisted_by(user, response: Response) -> bool:
    return (
        response.origin == Response.Origin.ASSISTED
        and user.is_authenticated
        and response.entered_by_id == user.pk
        and response.status == Response.Status.DRAFT
    )


def _write_answers(response: Response, questions: list[Question]) -> None:
    picks = []
    for question in questions:
        form = answer_form(question, response.draft.get(str(question.pk), {}))
        form.is_valid()
        value = form.cleaned_value()
        if value in (None, [], {}):
            continue
        answer = Answer(response=response, question=question)
        kind = question.kind
        if kind in Question.TEXT_KINDS:
            answer.text = value
        elif kind == Question.Kind.SCALE:
            answer.scale = value
        elif kind in (Question.Kind.SINGLE_CHOICE, Question.Kind.YES_NO):
            answer.choice = value
        answer.save()
        if kind == Question.Kind.MULTIPLE_CHOICE:
            picks += [AnswerChoice(answer=answer, question=question, choice=c) for c in value]
        elif kind == Question.Kind.RANKING:
            picks += [AnswerChoice(answer=answer, question=question, choice=c, rank=r) for c, r in value.items()]
    AnswerChoice.objects.bulk_create(picks)


def _record_history(response: Response) -> None:
    # The status changed through a conditional UPDATE, which simple_history cannot see; record it here.
    response.save(update_fields=["updated_at"])


def response_withdraw(*, response: Response, user) -> Response:
    """Withdraw a named, submitted response while the consultation is open; results stop counting it."""
    if not permissions.can_withdraw(user, response):
        raise PermissionDenied("This response cannot be withdrawn now.")
    with transaction.atomic():
        response.status = Response.Status.WITHDRAWN
        response.withdrawn_at = timezone.now()
        response.save(update_fields=["status", "withdrawn_at", "updated_at"])
        audit_record(
            actor=user,
            action="consultation.response_withdrawn",
            target=response,
            data={"consultation": response.consultation_id},
        )
    return response
