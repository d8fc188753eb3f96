"""Writes for answering consultations: start, save a step, submit, withdraw.

Each checks permission, changes data in a transaction and records a ledger event with ids only:
never answers, names or emails.
"""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.audit.services import audit_record
from portal.privacy.services import consent_record_assisted

from . import permissions
from .forms import answer_form, answer_form_for_paper
from .jobs import receipt_enqueue
from .models import Answer, AnswerChoice, ConsultationPage, Identity, PaperBatch, Question, Response


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


# --- Paper and event responses ---------------------------------------------------------------------

SCAN_TYPES = {".pdf": b"%PDF", ".png": b"\x89PNG", ".jpg": b"\xff\xd8\xff", ".jpeg": b"\xff\xd8\xff"}


class PaperProblems(ValueError):
    """What is wrong with a typed-in form: messages by question id (0 for the form as a whole)."""

    def __init__(self, problems: dict[int, list[str]]):
        super().__init__("Some answers need attention.")
        self.problems = problems


def paper_scan_problem(upload) -> str | None:
    """None if `upload` is a scan we keep (PDF, PNG or JPEG, not too big); else what to do instead."""
    if upload is None:
        return None
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in SCAN_TYPES:
        return "The scan must be a PDF, PNG or JPEG file."
    if upload.size > settings.PORTAL_PAPER_SCAN_MAX_BYTES:
        return f"The scan must be smaller than {settings.PORTAL_PAPER_SCAN_MAX_BYTES // (1024 * 1024)} MB."
    head = upload.read(len(SCAN_TYPES[suffix]))
    upload.seek(0)
    if head != SCAN_TYPES[suffix]:
        return f"This file does not look like a {suffix.lstrip('.').upper()} file. Choose the scan again."
    return None


def paper_batch_start(*, consultation: ConsultationPage, user, origin: str, label: str, received_on, scan=None) -> PaperBatch:
    """Start a batch of paper (or event) forms for one consultation, with an optional scan of them."""
    if not permissions.can_enter_paper(user, consultation):
        raise PermissionDenied("Only peer workers and secretaries can type in paper forms, while a consultation takes them.")
    problem = paper_scan_problem(scan)
    if problem:
        raise ValidationError({"scan": problem})
    today = timezone.localdate()
    if received_on > today:
        raise ValidationError({"received_on": "The date cannot be in the future."})
    if received_on < timezone.localtime(consultation.opens_at).date() or received_on > timezone.localtime(consultation.closes_at).date():
        raise ValidationError({"received_on": "Only forms that arrived while the consultation was open can be counted."})
    with transaction.atomic():
        batch = PaperBatch(
            consultation=consultation, origin=origin, label=label, received_on=received_on, entered_by=user,
        )
        if scan is not None:
            batch.scan = scan
            batch.scan_delete_after = today + timedelta(days=settings.PORTAL_PAPER_SCAN_DAYS)
        batch.save()
        audit_record(
            actor=user, action="consultation.paper_batch_started", target=batch,
            data={"consultation": consultation.pk, "origin": origin, "scan": bool(scan)},
        )
    return batch


def paper_response_enter(
    *, batch: PaperBatch, user, raws: dict[int, dict], lived_experience: str = "", idempotency_key: str
) -> tuple[Response, bool]:
    """Type in one paper form as a submitted response; returns (response, whether it is new).

    Every question may be blank (a form says what the person wrote, no more), but what is there must
    be a valid answer. The same idempotency key gives the same response, so a double click enters one.
    The key belongs to this batch: the same key sent to another batch never finds this one's response.
    """
    consultation = batch.consultation
    if not permissions.can_enter_paper(user, consultation):
        raise PermissionDenied("Paper forms can no longer be typed in for this consultation.")
    idempotency_key = f"paper-{batch.pk}-{idempotency_key}"[:64]
    existing = Response.objects.filter(idempotency_key=idempotency_key, batch=batch).first()
    if existing is not None:
        return existing, False
    questions = list(consultation.questions.all())
    problems, answered = {}, False
    for question in questions:
        form = answer_form_for_paper(question, raws.get(question.pk, {}))
        if not form.is_valid():
            problems[question.pk] = [e for errors in form.errors.values() for e in errors]
        elif form.cleaned_value() not in (None, "", [], {}):
            answered = True
    if problems:
        raise PaperProblems(problems)
    if not answered:
        raise PaperProblems({0: ["This form has no answers. A blank form does not need to be typed in."]})
    try:
        with transaction.atomic():
            response = Response.objects.create(
                consultation=consultation, status=Response.Status.SUBMITTED, origin=batch.origin,
                entered_by=user, batch=batch, lived_experience=lived_experience or "",
                idempotency_key=idempotency_key, submitted_at=timezone.now(),
                draft={str(pk): raw for pk, raw in raws.items()},
            )
            _write_answers(response, questions)
            audit_record(
                actor=user, action="consultation.response_submitted", target=response,
                data={"consultation": consultation.pk, "origin": response.origin, "batch": batch.pk},
            )
    except IntegrityError:
        existing = Response.objects.filter(idempotency_key=idempotency_key, batch=batch).first()
        if existing is None:
            raise
        return existing, False
    return response, True


def paper_scan_delete(batch: PaperBatch) -> None:
    """Delete a batch's scan file (the retention job does this once it is due)."""
    if batch.scan:
        batch.scan.delete(save=False)
    PaperBatch.objects.filter(pk=batch.pk).update(scan="", scan_delete_after=None)


def paper_scans_rule(now, policy) -> int:
    """Retention rule: delete the scans of paper forms whose keeping period is over; returns how many."""
    due = PaperBatch.objects.filter(scan_delete_after__lt=timezone.localtime(now).date()).exclude(scan="")
    batches = list(due)
    for batch in batches:
        paper_scan_delete(batch)
    return len(batches)
