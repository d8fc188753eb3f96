"""What consultations hold about a person, for "My data", erasure and retention.

Found by `portal.privacy` when it starts (as `jobs.py` modules are), so the portal never imports us.
Named responses are the person's own; assisted responses belong to the person helped, and only the
fact that a peer worker entered them is about the peer worker.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from portal.accounts.data_export import register_section
from portal.privacy.models import ConsentRecord
from portal.privacy.registry import (
    ANSWERS, register_email_subjects, register_eraser, register_keeper, register_page_part, register_retention_rule,
)
from portal.privacy.your_data import Entry, day, when

from .forms import answer_form
from .models import Answer, ConsultationPage, Response, ResponseStatement, Theme

HistoricalResponse = Response.history.model
RESPONSE_LABEL = Response._meta.label_lower


def drafts_of(user) -> list[dict]:
    """For "My data": the person's named drafts, not sent yet (their answers are in consultation_responses)."""
    drafts = Response.objects.filter(respondent=user, status=Response.Status.DRAFT).select_related("consultation")
    return [
        {"consultation": r.consultation.title, "reference": r.reference, "last_saved_at": r.updated_at.isoformat()}
        for r in drafts.order_by("created_at")
    ]


def assisted_entries_of(user) -> list[dict]:
    """For "My data": responses the person entered for someone else, as a peer worker (not the answers:
    those belong to the person they helped)."""
    entered = Response.objects.filter(entered_by=user).select_related("consultation").order_by("created_at")
    return [
        {"consultation": r.consultation.title, "reference": r.reference, "status": r.status,
         "started_at": r.created_at.isoformat()}
        for r in entered
    ]


def delete_responses(ids: list[int]) -> int:
    """Delete responses with their consent records and every history row (deleting writes one more)."""
    if not ids:
        return 0
    ConsentRecord.objects.filter(subject_type=RESPONSE_LABEL, subject_id__in=[str(i) for i in ids]).delete()
    Response.objects.filter(pk__in=ids).delete()
    HistoricalResponse.objects.filter(id__in=ids).delete()
    return len(ids)


def erase(ctx) -> dict[str, int]:
    """Named responses become anonymous (answers and counts stay); unsent named drafts are deleted.

    Plain UPDATEs, so no new history row names the change; the history rows already written lose the
    respondent and who saved them. The person's name and email are scrubbed from the free text of
    their own answers and each response's saved copy of them (`draft`), and from consent notes they
    wrote as a peer worker (the note itself stays: it is the helped person's consent). Anywhere else,
    in other people's answers, anonymous answers (which may be the person's own: nothing says whose
    they are), themes and "what we did" statements, their email and full name are scrubbed
    (`ctx.wide`). Choices and scales are never touched, so no count changes.
    """
    pk = ctx.person.pk
    drafts = list(Response.objects.filter(respondent_id=pk, status=Response.Status.DRAFT).values_list("pk", flat=True))
    deleted = delete_responses(drafts)
    own = Response.objects.filter(respondent_id=pk)
    scrubbed = ctx.scrub_rows(Answer.objects.filter(response__in=own), ["text"])
    scrubbed += ctx.scrub_rows(own, json_fields=["draft"])
    scrubbed += ctx.scrub_rows(Response.objects.filter(entered_by_id=pk), ["consent_statement"])
    wide = ctx.wide
    scrubbed += wide.scrub_rows(Answer.objects.all(), ["text"])
    scrubbed += wide.scrub_rows(Response.objects.all(), ["consent_statement"], json_fields=["draft"])
    scrubbed += wide.scrub_rows(Theme.objects.all(), ["name", "summary"])
    scrubbed += wide.scrub_rows(ResponseStatement.objects.all(), ["text"])
    anonymised = own.update(respondent=None)
    HistoricalResponse.objects.filter(respondent_id=pk).update(respondent=None)
    HistoricalResponse.objects.filter(history_user_id=pk).update(history_user=None)
    return {"responses_anonymised": anonymised, "drafts_deleted": deleted, "texts_scrubbed": scrubbed}


def anonymous_drafts_rule(now, policy) -> int:
    """Delete drafts with no respondent once their consultation closed `anonymous_draft_retention_days`
    ago: never sent, never counted, and no one can come back to them."""
    cutoff = now - timedelta(days=policy.anonymous_draft_retention_days)
    old = Response.objects.filter(
        status=Response.Status.DRAFT, respondent__isnull=True, consultation__closes_at__lte=cutoff
    )
    return delete_responses(list(old.values_list("pk", flat=True)))


def withdrawn_responses_rule(now, policy) -> int:
    """Delete the answers of responses withdrawn more than PORTAL_WITHDRAWN_RESPONSE_DAYS days ago.

    What goes: every Answer (with its picks and theme tags), the typed copy (`draft`), the link to the
    person (`respondent`, `entered_by`), their lived-experience answer, the peer worker's consent note,
    the assisted-entry consent record and every history row. What stays is a bare row (consultation,
    status "withdrawn", dates, random reference): results never counted withdrawn answers, but the
    closing summary and the ledger's "consultation closed" event count how many were withdrawn, and a
    bare row keeps that number true. The ledger holds no content, so it is untouched.

    Plain UPDATEs (no history-aware save): the history rows are deleted in the same transaction, so no
    new one may name the change. Idempotent: a stripped row matches nothing here, so a second run
    (or a retry) finds nothing to do and returns 0.
    """
    cutoff = now - timedelta(days=settings.PORTAL_WITHDRAWN_RESPONSE_DAYS)
    held = (
        Q(respondent__isnull=False) | Q(entered_by__isnull=False) | ~Q(lived_experience="")
        | ~Q(consent_statement="") | ~Q(draft={}) | Q(pk__in=Answer.objects.values("response_id"))
        | Q(pk__in=HistoricalResponse.objects.values("id"))
    )
    old = Response.objects.filter(held, status=Response.Status.WITHDRAWN, withdrawn_at__lte=cutoff)
    return strip_withdrawn(list(old.values_list("pk", flat=True)))


@transaction.atomic
def strip_withdrawn(ids: list[int]) -> int:
    """Remove everything a withdrawn response held but the bare row (see `withdrawn_responses_rule`)."""
    if not ids:
        return 0
    Answer.objects.filter(response_id__in=ids).delete()
    ConsentRecord.objects.filter(subject_type=RESPONSE_LABEL, subject_id__in=[str(i) for i in ids]).delete()
    Response.objects.filter(pk__in=ids, status=Response.Status.WITHDRAWN).update(
        respondent=None, entered_by=None, lived_experience="", consent_statement="", draft={}
    )
    HistoricalResponse.objects.filter(id__in=ids).delete()
    return len(ids)


# --- the "Your data" page ---------------------------------------------------------------------------
def _status(response: Response) -> str:
    if response.status == Response.Status.DRAFT:
        return f"Saved but not sent. You last saved it on {day(response.updated_at)}."
    if response.status == Response.Status.WITHDRAWN:
        days = settings.PORTAL_WITHDRAWN_RESPONSE_DAYS
        gone = day(response.withdrawn_at + timedelta(days=days)) if response.withdrawn_at else ""
        return (f"You withdrew it on {day(response.withdrawn_at)}. It is not counted. We delete withdrawn "
                f"answers after {days} days{f', so these go on {gone}' if gone else ''}.")
    return f"Sent on {when(response.submitted_at)}."


def answers_for_page(person) -> list[Entry]:
    """Each consultation the person answered by name, with their answers as they typed them (2 queries)."""
    responses = (
        Response.objects.filter(respondent=person).select_related("consultation")
        .prefetch_related("consultation__questions").order_by("created_at", "pk")
    )
    return [
        Entry(
            response.consultation.title,
            status=_status(response),
            rows=[
                (q.prompt, answer_form(q, response.draft.get(str(q.pk), {})).display_value())
                for q in response.consultation.questions.all()
            ],
        )
        for response in responses
    ]


def assisted_for_page(person) -> list[Entry]:
    """Answers the person typed in for someone else, as a peer worker: not the answers (they are the
    other person's), only that they did it."""
    entered = Response.objects.filter(entered_by=person).select_related("consultation").order_by("created_at", "pk")
    return [
        Entry(r.consultation.title, status=f"You typed in answers for someone else on {day(r.created_at)}.",
              note="The answers belong to the person you helped, so they are not shown here.")
        for r in entered
    ]


def _titles(payloads: list[dict], template: str) -> list[str]:
    titles = dict(ConsultationPage.objects.filter(pk__in={p.get("page_id") for p in payloads})
                  .values_list("pk", "title"))
    return [template.format(title=titles.get(p.get("page_id"), "a consultation")) for p in payloads]


def _receipt_subjects(payloads: list[dict]) -> list[str]:
    titles = dict(Response.objects.filter(pk__in={p.get("response_id") for p in payloads})
                  .values_list("pk", "consultation__title"))
    return [f"We received your answers: {titles.get(p.get('response_id'), 'a consultation')}" for p in payloads]


def _receipts_to(person) -> Q:
    ids = list(Response.objects.filter(respondent=person).values_list("pk", flat=True))
    return Q(payload__response_id__in=ids)


def _summaries_to(person) -> Q:
    ids = list(ConsultationPage.objects.filter(owner=person).values_list("pk", flat=True))
    return Q(payload__page_id__in=ids)


def kept(person) -> list[str]:
    """Sent answers stay, with no name, so results never change."""
    sent = Response.objects.filter(respondent=person).exclude(status=Response.Status.DRAFT).count()
    return [f"{sent} set{'s' if sent != 1 else ''} of answers you sent, with no name"] if sent else []


register_section("consultation_drafts", drafts_of)
register_section("assisted_entries", assisted_entries_of)
register_eraser("consultations", erase)
register_keeper("consultations", kept)
register_retention_rule("anonymous_drafts", anonymous_drafts_rule)
register_retention_rule("withdrawn_responses", withdrawn_responses_rule)
register_page_part(ANSWERS, "responses", answers_for_page)
register_page_part(ANSWERS, "assisted", assisted_for_page)
register_email_subjects("consultations.send_opened_email",
                        lambda payloads: _titles(payloads, "A new consultation is open: {title}"))
register_email_subjects("consultations.send_reminder_email",
                        lambda payloads: _titles(payloads, "Your answers are not sent yet: {title}"))
register_email_subjects("consultations.send_receipt_email", _receipt_subjects, _receipts_to)
register_email_subjects("consultations.send_closing_summary",
                        lambda payloads: _titles(payloads, "Consultation closed: {title}"), _summaries_to)
