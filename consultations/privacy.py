"""What consultations hold about a person, for "My data", erasure and retention.

Found by `portal.privacy` when it starts (as `jobs.py` modules are), so the portal never imports us.
Named responses are the person's own; assisted responses belong to the person helped, and only the
fact that a peer worker entered them is about the peer worker.
"""

from datetime import timedelta

from portal.accounts.data_export import register_section
from portal.privacy.models import ConsentRecord
from portal.privacy.registry import register_eraser, register_keeper, register_retention_rule

from .models import Answer, Response, ResponseStatement, Theme

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


def kept(person) -> list[str]:
    """Sent answers stay, with no name, so results never change."""
    sent = Response.objects.filter(respondent=person).exclude(status=Response.Status.DRAFT).count()
    return [f"{sent} set{'s' if sent != 1 else ''} of answers you sent, with no name"] if sent else []


register_section("consultation_drafts", drafts_of)
register_section("assisted_entries", assisted_entries_of)
register_eraser("consultations", erase)
register_keeper("consultations", kept)
register_retention_rule("anonymous_drafts", anonymous_drafts_rule)
