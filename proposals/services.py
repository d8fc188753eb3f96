"""Writes for proposals: raise, support and withdraw, the agenda (by threshold or taken forward), and
the decision that answers a proposal.

Each follows the same order: check permission, validate, change data in one transaction with one
ledger event (ids only, never names or text), and act after commit (signals; emails go through the
outbox in the same transaction). The ledger and the history rows name the author only when they
chose to show their name: an anonymous proposal is raised by "nobody" there too.

The duty to answer: when a support makes the count reach the body's threshold, in that same
transaction and exactly once, the proposal gets `threshold_reached_at`, an answer date
(`respond_by` = today + the body's `response_days`) and an agenda item on the body's next meeting.
Exactly once because the proposal row is locked (`select_for_update`, PostgreSQL) before the count
moves, and the agenda step is a conditional update on `threshold_reached_at IS NULL`: whichever
support lands second sees the first one's work. When the body has no meeting set yet, the proposal
is still on the agenda (the clock runs) and waits: `agenda_place_waiting` puts it on the next meeting
as soon as there is one (hourly from `tasks.place_waiting_proposals`, or at once by a secretary's
button on the proposal page). Withdrawing a support never undoes any of this.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from governance import services as governance_services
from governance.models import AgendaItem, Body, Decision, EvidenceLink, Meeting
from portal.audit.services import audit_record, changes_by
from portal.dates import gov_date
from portal.home.page_cache import page_cache_clear
from portal.privacy.services import consent_record_assisted

from . import jobs, permissions, selectors
from .agenda import agenda_words
from .models import Proposal, Support
from .moderation import moderation_alert_enqueue
from .screening import may_be_at_risk
from .signals import proposal_decided, proposal_on_agenda

TITLE_MAX = 150


def _required(**texts: str) -> None:
    messages = {
        "title": "Give your idea a short title",
        "change": "Say what you want to change",
        "reason": "Say why it matters",
    }
    missing = {name: messages[name] for name, text in texts.items() if not (text or "").strip()}
    if missing:
        raise ValidationError(missing)


# --- raising ------------------------------------------------------------------------------------------
def proposal_raise(
    *,
    body: Body,
    title: str,
    change: str,
    reason: str,
    easy_read: str = "",
    show_name: bool = False,
    user,
    author=None,
    consent_statement: str = "",
) -> Proposal:
    """Raise a proposal to `body`: by `user` themselves, or (with `author`) by a peer worker on the
    author's behalf, with the consent they gave written down.

    Published at once (OPEN), unless its words suggest someone may be at risk: then it is HELD (not
    public), a moderator is alerted in the same transaction, and the page shows the author the crisis
    routes. The ledger names the author only if they chose to show their name (an assisted one names
    the peer worker who entered it).
    """
    assisted = author is not None
    if assisted:
        if not permissions.can_raise_for_someone(user, body):
            raise PermissionDenied("Only peer workers can raise a proposal for someone else.")
        if not permissions.is_service_user(author):
            raise ValidationError({"author_email": "This person is not a service-user member. Check the email address."})
        if not consent_statement.strip():
            raise ValidationError({"consent_statement": "Write down the consent the person gave"})
    elif not permissions.can_raise_proposal(user, body):
        raise PermissionDenied("Only service-user members can raise a proposal to this group.")
    _required(title=title, change=change, reason=reason)
    held = may_be_at_risk(title, change, reason, easy_read)
    proposal = Proposal(
        body=body,
        title=title.strip()[:TITLE_MAX],
        change=change.strip(),
        reason=reason.strip(),
        easy_read=easy_read.strip(),
        author=author if assisted else user,
        show_name=show_name,
        origin=Proposal.Origin.ASSISTED if assisted else Proposal.Origin.ONLINE,
        entered_by=user if assisted else None,
        consent_statement=consent_statement.strip() if assisted else "",
        status=Proposal.Status.HELD if held else Proposal.Status.OPEN,
        published_at=None if held else timezone.now(),
    )
    actor = user if (assisted or show_name) else None
    with changes_by(actor), transaction.atomic():
        proposal.save()
        if assisted:
            consent_record_assisted(subject_type=proposal._meta.label_lower, subject_id=proposal.pk, recorded_by=user)
        audit_record(
            actor=actor,
            action="proposals.raised",
            target=proposal,
            data={"proposal": proposal.pk, "body": body.pk, "status": proposal.status, "origin": proposal.origin},
        )
        if held:
            moderation_alert_enqueue(proposal=proposal)
        else:
            transaction.on_commit(page_cache_clear)
    return proposal


# --- supporting ---------------------------------------------------------------------------------------
def _locked(proposal: Proposal) -> Proposal:
    """The proposal row, locked to the end of the transaction (PostgreSQL; SQLite serialises writes)."""
    return Proposal.objects.select_for_update().select_related("body").get(pk=proposal.pk)


def support_add(*, proposal: Proposal, user) -> Support:
    """`user` supports `proposal` (once: a second support is refused in plain words).

    The count moves with an F() update in the same transaction; if it reaches the threshold the
    proposal goes on the agenda there and then, exactly once (see the module docstring).
    """
    with transaction.atomic():
        locked = _locked(proposal)
        if not permissions.can_support_proposal(user, locked):
            raise PermissionDenied("You cannot support this proposal.")
        try:
            with transaction.atomic():
                support = Support.objects.create(proposal=locked, person=user)
        except IntegrityError:
            raise ValidationError("You already support this proposal.") from None
        Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") + 1)
        count = Proposal.objects.filter(pk=locked.pk).values_list("support_count", flat=True).get()
        audit_record(actor=user, action="proposals.supported", target=locked, data={"proposal": locked.pk})
        transaction.on_commit(page_cache_clear)
        needed = selectors.support_needed(selectors.rules_for(locked.body))
        locked.support_count = count
        if needed is not None and count >= needed and locked.status == Proposal.Status.OPEN:
            _reach_threshold(locked)
    proposal.refresh_from_db()
    return support


def support_withdraw(*, proposal: Proposal, user) -> Support:
    """`user` takes back their support, while the proposal is still open. Kept, with the time."""
    with transaction.atomic():
        locked = _locked(proposal)
        if not permissions.can_withdraw_support(user, locked):
            raise ValidationError("This proposal is on the agenda now, so support can no longer be taken back.")
        support = Support.objects.filter(proposal=locked, person=user, withdrawn_at__isnull=True).first()
        if support is None:
            raise ValidationError("You do not support this proposal.")
        support.withdrawn_at = timezone.now()
        support.save(update_fields=["withdrawn_at"])
        Proposal.objects.filter(pk=locked.pk).update(support_count=F("support_count") - 1)
        audit_record(actor=user, action="proposals.support_withdrawn", target=locked, data={"proposal": locked.pk})
        transaction.on_commit(page_cache_clear)
    proposal.refresh_from_db()
    return support


# --- the agenda ---------------------------------------------------------------------------------------
def _reach_threshold(locked: Proposal) -> None:
    now = timezone.now()
    # The conditional update is the "exactly once": a second caller finds the column already set.
    if not Proposal.objects.filter(pk=locked.pk, threshold_reached_at__isnull=True).update(threshold_reached_at=now):
        return
    locked.threshold_reached_at = now
    _go_on_agenda(locked, actor=None, why="threshold")


def proposal_take_forward(*, proposal: Proposal, user) -> Proposal:
    """The body's secretary puts an open proposal on the agenda before it reaches the threshold."""
    with changes_by(user), transaction.atomic():
        locked = _locked(proposal)
        if not permissions.can_take_forward(user, locked):
            raise PermissionDenied("Only the group's secretaries can take an open proposal forward.")
        locked.taken_forward_at = timezone.now()
        _go_on_agenda(locked, actor=user, why="taken_forward")
    proposal.refresh_from_db()
    return proposal


def _go_on_agenda(proposal: Proposal, *, actor, why: str) -> None:
    """ON_AGENDA with an answer date; an item on the next meeting (or waiting for one); the secretaries
    told through the outbox; `proposal_on_agenda` sent once this commits."""
    rules = selectors.rules_for(proposal.body)
    days = rules.response_days if rules else 56
    proposal.status = Proposal.Status.ON_AGENDA
    proposal.respond_by = timezone.localdate() + datetime.timedelta(days=days)
    meeting = selectors.next_meeting(proposal.body)
    if meeting is not None:
        proposal.agenda_item = _agenda_item(proposal, meeting)
    with changes_by(actor):
        proposal.save()
    audit_record(
        actor=actor,
        action="proposals.on_agenda",
        target=proposal,
        data={"proposal": proposal.pk, "body": proposal.body_id, "why": why,
              "meeting": meeting.pk if meeting else None, "respond_by": proposal.respond_by},
    )
    jobs.on_agenda_enqueue(proposal)
    transaction.on_commit(page_cache_clear)
    transaction.on_commit(lambda: proposal_on_agenda.send(sender=Proposal, proposal=proposal))


def _agenda_item(proposal: Proposal, meeting: Meeting) -> AgendaItem:
    last = meeting.agenda_items.aggregate(last=Max("order"))["last"] or 0
    title, description = agenda_words(proposal)
    return AgendaItem.objects.create(meeting=meeting, order=last + 1, title=title, description=description)


def agenda_place_waiting(*, body: Body | None = None, user=None) -> int:
    """Put proposals that are on the agenda but wait for a meeting on their body's next meeting, now
    that one is set; returns how many were placed. Idempotent: each is locked and checked again, so
    two runs at once place each proposal once. `user`, when given, must be able to record for the body."""
    waiting = Proposal.objects.filter(status=Proposal.Status.ON_AGENDA, agenda_item__isnull=True)
    if body is not None:
        waiting = waiting.filter(body=body)
    placed = 0
    for proposal_id in waiting.order_by("pk").values_list("pk", flat=True):
        with changes_by(user), transaction.atomic():
            locked = Proposal.objects.select_for_update().select_related("body").get(pk=proposal_id)
            if user is not None and not permissions.can_place_on_agenda(user, locked):
                raise PermissionDenied("Only the group's secretaries can do this.")
            meeting = selectors.next_meeting(locked.body)
            if locked.agenda_item_id is not None or meeting is None:
                continue
            locked.agenda_item = _agenda_item(locked, meeting)
            locked.save()
            audit_record(actor=user, action="proposals.placed_on_agenda", target=locked,
                         data={"proposal": locked.pk, "meeting": meeting.pk})
            transaction.on_commit(page_cache_clear)
            placed += 1
    return placed


# --- the decision -------------------------------------------------------------------------------------
def proposal_decide(
    *,
    proposal: Proposal,
    outcome: str,
    text: str,
    rationale: str = "",
    deferred_to: datetime.date | None = None,
    meeting: Meeting | None = None,
    theme=None,
    user,
) -> Decision:
    """Record the body's answer to a proposal on its agenda, through governance's `decision_record`
    (so it has a reference, a ledger event and its place in the register), link it, and mark the
    proposal DECIDED; `proposal_decided` is sent once this commits.

    Carried, not carried, deferred (with the date it comes back by) or noted (with a reason). A
    decision that cites no theme says, as its reason for no other input, that it answers members'
    proposal.
    """
    if not permissions.can_record_decision(user, proposal):
        raise PermissionDenied("Only the group's secretaries can record the decision on a proposal on its agenda.")
    _check_decision(outcome, text, rationale, deferred_to)
    if meeting is not None and meeting.starts_at > timezone.now():
        raise ValidationError({"meeting": "This meeting has not happened yet. Record the decision after it, "
                                          "or choose “Not at a meeting”."})
    words = text.strip()
    if outcome == Decision.Outcome.DEFERRED:
        words += f"\n\nWe will come back to it by {gov_date(deferred_to)}."
    evidence = [governance_services.Evidence(relation=EvidenceLink.Relation.INFORMED_BY, theme=theme)] if theme else []
    with changes_by(user), transaction.atomic():
        locked = _locked(proposal)
        if locked.decision_id is not None or locked.status != Proposal.Status.ON_AGENDA:
            raise ValidationError("A decision on this proposal is already recorded.")
        decision = governance_services.decision_record(
            body=locked.body, meeting=meeting, title=locked.title, text=words, outcome=outcome,
            rationale=rationale.strip(), evidence=evidence,
            no_input_reason="" if theme else f"It answers a proposal that members raised and supported: “{locked.title}”.",
            user=user,
        )
        locked.decision = decision
        locked.status = Proposal.Status.DECIDED
        locked.deferred_to = deferred_to if outcome == Decision.Outcome.DEFERRED else None
        locked.save()
        audit_record(actor=user, action="proposals.decided", target=locked,
                     data={"proposal": locked.pk, "decision": decision.pk, "outcome": outcome})
        transaction.on_commit(page_cache_clear)
        transaction.on_commit(lambda: proposal_decided.send(sender=Proposal, proposal=locked))
    proposal.refresh_from_db()
    return decision


def _check_decision(outcome: str, text: str, rationale: str, deferred_to) -> None:
    errors = {}
    if outcome not in Decision.Outcome.values:
        errors["outcome"] = "Choose what was decided"
    if not (text or "").strip():
        errors["text"] = "Write what was decided"
    if outcome == Decision.Outcome.DEFERRED and (deferred_to is None or deferred_to <= timezone.localdate()):
        errors["deferred_to"] = "Give the date the group will come back to it: a day after today"
    if outcome == Decision.Outcome.NOTED and not (rationale or "").strip():
        errors["rationale"] = "Say why the group noted it without deciding"
    if errors:
        raise ValidationError(errors)
