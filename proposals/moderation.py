"""Moderation of proposals and comments: alerts, hold, hide, publish, the author's resubmission, reports.

Built for a mental-health community. The rules:

- Who moderates: active members of the Moderators group, and superusers (`can_moderate`). They work on
  the front end (the queue at /proposals/moderation/), never in the admin.
- What is never public: a HELD item (waiting for a moderator: words that suggest someone may be at risk
  put it there by itself, see screening.py, or a moderator held it) and a HIDDEN one (a moderator took it
  down). Only its author, moderators and superusers see it.
- Every decision is one ledger event with ids and the reason code only, never the text, the note or the
  author (`proposals.proposal_held`, `..._hidden`, `..._published`, and the same for comments). The
  reports about the item are resolved with it.
- The author is told why, in kind words (words.py): on the item itself and on their account page when
  they look, and by one email through the outbox when they accept emails (keyed per decision, so it goes
  once). The email links to the item; it never quotes it.
- The author can change a held or hidden item and send it again. It always goes back to the queue as
  HELD, never straight out, even when the words no longer trip screening: a moderator's reason (a name
  that could be recognised, words that could hurt) is a person's judgement, and a word list cannot tell
  whether the change answers it. The moderators are alerted again, once per moderator decision, so
  sending it again and again does not flood them.
- Alerts (`moderation_alert_enqueue`): one email per active moderator who accepts email, keyed per item
  (and per report, and per round of resubmission), saying only that something waits and linking to the
  queue. Nobody's safety rests on this: the queue shows everything held whether or not an email went.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.accounts import roles
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record, changes_by
from portal.audit.words import register_event_key
from portal.emails import site_link, wants_email
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue

from . import words
from .agenda import agenda_item_refresh
from .models import Comment, ModerationReason, Proposal, Report
from .permissions import PUBLIC_STATUSES, is_moderator, is_service_user
from .screening import may_be_at_risk

ALERT_JOB = "proposals.send_moderation_alert"
NOTICE_JOB = "proposals.send_moderation_notice"
PROPOSAL, COMMENT, REPORT = "proposal", "comment", "report"
HOLD, HIDE, PUBLISH = "hold", "hide", "publish"
DECISION_ACTIONS = [
    f"proposals.{kind}_{done}" for kind in (PROPOSAL, COMMENT) for done in ("held", "hidden", "published")
]
# The audit explorer reads the reason code of a decision as its label ("It could hurt or upset someone").
for _action in DECISION_ACTIONS:
    register_event_key("reason", Comment._meta.get_field("moderation_reason"), action=_action)
COMMENT_MAX = 1000
REPORT_MAX = 500

PUBLIC_PROPOSAL = PUBLIC_STATUSES
NOT_PUBLIC = {
    Proposal: (Proposal.Status.HELD, Proposal.Status.HIDDEN),
    Comment: (Comment.Status.HELD, Comment.Status.HIDDEN),
}


# --- who ----------------------------------------------------------------------------------------
def can_moderate(user) -> bool:
    """Moderators and superusers hold, hide and publish; nobody else, however senior."""
    return bool(getattr(user, "is_active", False)) and is_moderator(user)


def can_comment(user) -> bool:
    """Signed-in service users (and superusers) comment on proposals."""
    return bool(getattr(user, "is_active", False)) and is_service_user(user)


def moderators() -> QuerySet[User]:
    """Active moderators who accept email (the queue shows everything to all of them regardless)."""
    return User.objects.filter(wants_email(), is_active=True, groups__name=roles.MODERATORS).distinct()


def is_public(item: Proposal | Comment) -> bool:
    """Whether anyone may see it: not held, not hidden (and, for a comment, its proposal neither)."""
    if isinstance(item, Comment):
        return item.status == Comment.Status.PUBLISHED and item.proposal.status in PUBLIC_PROPOSAL
    return item.status in PUBLIC_PROPOSAL


def can_see(user, item: Proposal | Comment) -> bool:
    """The public sees public items; a held or hidden one only its author and moderators."""
    if is_public(item):
        return True
    return can_moderate(user) or (getattr(user, "is_authenticated", False) and item.author_id == user.pk)


def flagged(item: Proposal | Comment) -> bool:
    """Held by the word list rather than by a person: it has words that suggest its writer may be at risk."""
    if item.status != item.Status.HELD:
        return False
    if isinstance(item, Comment):
        return may_be_at_risk(item.text)
    return may_be_at_risk(item.title, item.change, item.reason, item.easy_read)


# --- alerts -------------------------------------------------------------------------------------
def _subject(*, proposal=None, comment=None, report=None) -> tuple[str, Proposal | Comment | Report]:
    given = [(k, obj) for k, obj in ((PROPOSAL, proposal), (COMMENT, comment), (REPORT, report)) if obj is not None]
    if len(given) != 1:
        raise ValueError("Give exactly one of proposal, comment or report.")
    return given[0]


def moderation_alert_enqueue(*, proposal=None, comment=None, report=None, after: int = 0) -> int:
    """In the caller's transaction: one email per moderator who accepts email, about one held item (or
    one report), keyed `moderation-alert-<kind>-<id>-<after>-<user>` so it goes once per item and round
    (`after` is 0 when it is first held; a resubmission after the n-th moderator decision passes n).
    The email says only that something waits, and links to the queue: never the text. Returns how many
    were queued."""
    kind, obj = _subject(proposal=proposal, comment=comment, report=report)
    queued = 0
    for user_id in moderators().order_by("pk").values_list("pk", flat=True):
        outbox_enqueue(job=ALERT_JOB, payload={"kind": kind, "item_id": obj.pk, "user_id": user_id},
                       idempotency_key=f"moderation-alert-{kind}-{obj.pk}-{after}-{user_id}")
        queued += 1
    return queued


def _still_waiting(kind: str, item_id: int) -> bool:
    if kind == REPORT:
        return Report.objects.filter(pk=item_id, resolved_at__isnull=True).exists()
    model = Proposal if kind == PROPOSAL else Comment
    return model.objects.filter(pk=item_id, status=model.Status.HELD).exists()


@job(ALERT_JOB)
def send_moderation_alert(*, kind: str, item_id: int, user_id: int) -> None:
    """Tell one moderator something waits, if it still does and they still moderate. Never the text."""
    user = moderators().filter(pk=user_id).first()
    if user is None or not _still_waiting(kind, item_id):
        return
    safety = False
    if kind != REPORT:
        item = (Proposal if kind == PROPOSAL else Comment).objects.get(pk=item_id)
        safety = flagged(item)
    context = {"user": user, "kind": kind, "safety": safety,
               "link": site_link(reverse("proposals:moderation-queue"))}
    subject = "Please check a post: someone may need support" if safety else "Something is waiting for a moderator"
    _send(user, subject, "proposals/moderation/email/alert.txt", context)


# --- decisions ----------------------------------------------------------------------------------
def _kind(item) -> str:
    return PROPOSAL if isinstance(item, Proposal) else COMMENT


def _public_status(proposal: Proposal) -> str:
    if proposal.decision_id:
        return Proposal.Status.DECIDED
    if proposal.agenda_item_id or proposal.threshold_reached_at or proposal.taken_forward_at:
        return Proposal.Status.ON_AGENDA  # with or without a meeting yet: the duty to answer stands
    return Proposal.Status.OPEN


def _decide(*, item, action: str, reason: str, note: str, user) -> Proposal | Comment:
    """The one path for hold, hide and publish: permission, change, ledger, reports resolved, author told."""
    if not can_moderate(user):
        raise PermissionDenied("Only moderators can do this.")
    if action != PUBLISH and reason not in ModerationReason.values:
        raise ValidationError({"reason": "Choose a reason from the list."})
    kind = _kind(item)
    with transaction.atomic(), changes_by(user):
        item = type(item).objects.select_for_update().get(pk=item.pk)
        item.status = _new_status(item, action)
        item.moderation_reason = "" if action == PUBLISH else reason
        item.moderation_note = "" if action == PUBLISH else note.strip()
        if isinstance(item, Proposal) and action == PUBLISH and item.published_at is None:
            item.published_at = timezone.now()
        item.save()
        if isinstance(item, Proposal):
            agenda_item_refresh(item)  # the public meeting page never shows a held or hidden proposal
        resolved = open_reports(item).update(resolved_at=timezone.now(), resolved_by=user)
        done = {HOLD: "held", HIDE: "hidden", PUBLISH: "published"}[action]
        data = {kind: item.pk, "reason": item.moderation_reason, "reports_resolved": resolved}
        if isinstance(item, Comment):
            data["proposal"] = item.proposal_id
        event = audit_record(actor=user, action=f"proposals.{kind}_{done}", target=item, data=data)
        if action != PUBLISH and item.author_id:
            outbox_enqueue(job=NOTICE_JOB, payload={"kind": kind, "item_id": item.pk},
                           idempotency_key=f"moderation-notice-{kind}-{item.pk}-{event.pk}")
    return item


def _new_status(item, action: str) -> str:
    if action == HOLD:
        return item.Status.HELD
    if action == HIDE:
        return item.Status.HIDDEN
    return _public_status(item) if isinstance(item, Proposal) else Comment.Status.PUBLISHED


def open_reports(item) -> QuerySet[Report]:
    field = "proposal" if isinstance(item, Proposal) else "comment"
    return Report.objects.filter(**{field: item}, resolved_at__isnull=True)


def hold(*, item: Proposal | Comment, reason: str, note: str = "", user) -> Proposal | Comment:
    """Keep an item out of public view until its author changes it (or a moderator publishes it), with
    a reason from ModerationReason. The ledger gets the ids and the reason code; the author is told."""
    return _decide(item=item, action=HOLD, reason=reason, note=note, user=user)


def hide(*, item: Proposal | Comment, reason: str, note: str = "", user) -> Proposal | Comment:
    """Take an item down, at any step of its life, with a reason. As `hold`, but it says "hidden"."""
    return _decide(item=item, action=HIDE, reason=reason, note=note, user=user)


def publish(*, item: Proposal | Comment, reason: str = "", note: str = "", user) -> Proposal | Comment:
    """Put an item up (or leave it up, resolving the reports about it). A proposal returns to the step it
    had reached (open, on the agenda, decided); the reason and note are cleared."""
    return _decide(item=item, action=PUBLISH, reason=reason, note=note, user=user)


# --- the author's side ----------------------------------------------------------------------------
def _decisions_so_far(item) -> int:
    """How many moderator decisions the item has had: a resubmission alerts once per decision."""
    return AuditEvent.objects.filter(
        action__in=DECISION_ACTIONS, target_type=item._meta.label_lower, target_id=str(item.pk)
    ).count()


def _require_author(user, item) -> None:
    if not getattr(user, "is_authenticated", False) or item.author_id != user.pk:
        raise PermissionDenied("Only the person who wrote it can change it.")
    if item.status not in NOT_PUBLIC[type(item)]:
        raise ValidationError("This is already up, so there is nothing to send again.")


def proposal_resubmit(*, proposal: Proposal, title: str, change: str, reason: str, easy_read: str = "",
                      user) -> Proposal:
    """The author's changed proposal goes back to the queue as HELD (see the module docstring: a person
    looks again, whatever the word list says); the moderators are alerted once per round."""
    _require_author(user, proposal)
    with transaction.atomic(), changes_by(user if proposal.show_name else None):
        proposal.title, proposal.change, proposal.reason, proposal.easy_read = title, change, reason, easy_read
        return _back_to_queue(proposal, user)


def comment_resubmit(*, comment: Comment, text: str, user) -> Comment:
    """As `proposal_resubmit`, for a comment."""
    _require_author(user, comment)
    _check_comment_text(text)
    with transaction.atomic():
        comment.text = text.strip()
        return _back_to_queue(comment, user)


def _back_to_queue(item, user):
    item.status = item.Status.HELD
    item.moderation_reason = item.moderation_note = ""
    item.save()
    kind = _kind(item)
    actor = user if item.show_name else None  # "a member" stays out of the ledger, as when it was raised
    audit_record(actor=actor, action=f"proposals.{kind}_resubmitted", target=item, data={kind: item.pk})
    moderation_alert_enqueue(**{kind: item}, after=_decisions_so_far(item))
    return item


@job(NOTICE_JOB)
def send_moderation_notice(*, kind: str, item_id: int) -> None:
    """Tell the author, kindly, why their item is held or hidden, if it still is and they accept email.
    It links to the item; it never quotes it."""
    model = Proposal if kind == PROPOSAL else Comment
    item = model.objects.filter(pk=item_id, status__in=NOT_PUBLIC[model]).first()
    if item is None or not item.moderation_reason or item.author_id is None:
        return
    user = User.objects.filter(wants_email(), is_active=True, pk=item.author_id).first()
    if user is None:
        return
    proposal = item if isinstance(item, Proposal) else item.proposal
    context = {"user": user, "kind": kind, "sentence": words.author_sentence(item),
               "link": site_link(item_link(item, proposal)), "preferences": site_link(reverse("accounts:profile"))}
    subject = f"About your {'proposal' if kind == PROPOSAL else 'comment'}"
    _send(user, subject, "proposals/moderation/email/notice.txt", context)


def item_link(item, proposal: Proposal) -> str:
    """Where the author sees the item and the way to change it."""
    if isinstance(item, Proposal):
        return reverse("proposals:proposal-resubmit", kwargs={"pk": item.pk})
    return reverse("proposals:comment-resubmit", kwargs={"pk": item.pk})


# --- comments and reports -------------------------------------------------------------------------
def _check_comment_text(text: str) -> None:
    if not text.strip():
        raise ValidationError({"text": "Write your comment."})
    if len(text.strip()) > COMMENT_MAX:
        raise ValidationError({"text": f"Your comment must be {COMMENT_MAX} characters or fewer."})


def comment_post(*, proposal: Proposal, text: str, show_name: bool = False, user) -> Comment:
    """A signed-in service user's plain-text comment on a public proposal. Words that suggest the writer
    may be at risk keep it HELD and alert the moderators (the view shows the crisis routes at once);
    otherwise it is published. The ledger gets ids and the status, never the text."""
    if not can_comment(user):
        raise PermissionDenied("Only service users who are signed in can comment.")
    if proposal.status not in PUBLIC_PROPOSAL:
        raise ValidationError("You cannot comment on this proposal now.")
    _check_comment_text(text)
    held = may_be_at_risk(text)
    with transaction.atomic():
        comment = Comment.objects.create(
            proposal=proposal, author=user, show_name=show_name, text=text.strip(),
            status=Comment.Status.HELD if held else Comment.Status.PUBLISHED,
        )
        # As for proposals, "a member" keeps the commenter out of the ledger too (not even a pseudonym).
        audit_record(actor=user if show_name else None, action="proposals.comment_posted", target=comment,
                     data={"comment": comment.pk, "proposal": proposal.pk, "status": comment.status})
        if held:
            moderation_alert_enqueue(comment=comment)
    return comment


def report_make(*, item: Proposal | Comment, reason: str = "", user) -> Report:
    """Someone signed in asks a moderator to look at a public item. One open report per person and item
    (a second returns the first, with no second alert); the moderators are alerted once per report."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Sign in to report something.")
    if not is_public(item):
        raise ValidationError("This is not up at the moment, so there is nothing to report.")
    if len(reason.strip()) > REPORT_MAX:
        raise ValidationError({"reason": f"Your reason must be {REPORT_MAX} characters or fewer."})
    field = "proposal" if isinstance(item, Proposal) else "comment"
    with transaction.atomic():
        existing = Report.objects.filter(**{field: item}, reporter=user, resolved_at__isnull=True).first()
        if existing:
            return existing
        report = Report.objects.create(**{field: item}, reporter=user, reason=reason.strip())
        # Who reported is not in the ledger: the report row keeps it for moderators, and erasure clears it.
        audit_record(actor=None, action="proposals.reported", target=report, data={"report": report.pk, field: item.pk})
        moderation_alert_enqueue(report=report)
    return report


def _send(user: User, subject: str, template: str, context: dict) -> None:
    send_mail(subject=subject, message=render_to_string(template, context), from_email=None,
              recipient_list=[user.email])
