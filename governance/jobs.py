"""Background jobs for governance, run through the outbox (portal.jobs): meeting reminders, overdue actions.

Each email is one outbox message with a fixed idempotency key, so it is sent once however often the
periodic task runs, and even when two runs overlap (the key is unique in the database):

- Meeting reminders. `meeting_reminders_enqueue` (every 15 minutes, from `tasks.governance_tick`)
  finds scheduled meetings that start within REMINDER_BEFORE (48 hours) and queues one
  `governance.send_meeting_reminder` message per current member of the body who accepts email, keyed
  `meeting-reminder-<meeting>-<user>`. Someone who joins the body inside those 48 hours is picked up
  by the next tick; nobody is reminded twice.
- Overdue actions. `overdue_digests_enqueue` (Monday mornings, from `tasks.overdue_actions_weekly`)
  queues one `governance.send_overdue_actions` message per owner of open actions past their due date,
  keyed `actions-overdue-<user>-<ISO year>-W<ISO week>`: one email a week listing all of them.

Long jobs (a person starts them from the evidence report page and watches their progress):
- `governance.evidence_pdf`: the evidence report as a PDF for an annual report.
- `governance.evidence_csv`: every figure of the evidence report as a CSV file.
Params are the period (`from`, `to`, `body` slug) and `public`; the trustees' version is made only if
the person who started it may still see it when it runs.

Each handler looks again at sending time (the meeting is still on and ahead, the person still sits on
the body, the actions are still overdue, the person still wants email) and then sends one plain-text
email with absolute links on the site's address (portal/site_links.py). Payloads hold ids (and the
week), never addresses or names.
"""

from datetime import date, datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import User
from portal.dates import gov_day
from portal.emails import site_link, wants_email
from portal.home.models import SiteSettings
from portal.jobs.long_jobs import JobFile, long_job
from portal.jobs.models import OutboxMessage
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue

from .evidence import can_view_full_evidence, evidence_report, period_from_params
from .evidence_exports import filename, report_csv, report_pdf
from .models import Action, Meeting, Membership, MinutesPage

REMINDER_BEFORE = timedelta(hours=48)


# --- keys ---------------------------------------------------------------------------------------
def reminder_key(meeting_id: int, user_id: int) -> str:
    return f"meeting-reminder-{meeting_id}-{user_id}"


def iso_week(day: date) -> str:
    """`2026-W05` for any day in ISO week 5 of 2026 (ISO years start on the Monday of week 1)."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def overdue_key(user_id: int, week: str) -> str:
    return f"actions-overdue-{user_id}-{week}"


# --- who is told ----------------------------------------------------------------------------------
def current_members(meeting: Meeting) -> QuerySet[User]:
    """Active people with a seat on the meeting's body on the day of the meeting who accept email."""
    day = timezone.localdate(meeting.starts_at)
    seats = Membership.objects.filter(body_id=meeting.body_id, starts_on__lte=day).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    )
    return User.objects.filter(wants_email(), is_active=True, pk__in=seats.values("person_id"))


def overdue_actions(today: date) -> QuerySet[Action]:
    """Open actions (not started, in progress, blocked) whose due date has passed."""
    return Action.objects.filter(status__in=Action.OPEN_STATUSES, due_on__lt=today)


def _enqueue_new(messages: dict[str, tuple[str, dict]]) -> int:
    """Queue each (job, payload) under its key unless the key was used before; return how many were new.

    Keys already used are skipped up front so a quiet tick costs one query; the outbox's unique key
    still makes a concurrent run find the first message instead of adding another.
    """
    used = set(
        OutboxMessage.objects.filter(idempotency_key__in=messages).values_list("idempotency_key", flat=True)
    )
    new = 0
    for key, (job_name, payload) in messages.items():
        if key in used:
            continue
        with transaction.atomic():
            outbox_enqueue(job=job_name, payload=payload, idempotency_key=key)
        new += 1
    return new


# --- the periodic work ----------------------------------------------------------------------------
def upcoming_meetings(now: datetime) -> QuerySet[Meeting]:
    """Scheduled meetings that start after `now` and within REMINDER_BEFORE of it."""
    return Meeting.objects.filter(
        status=Meeting.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=now + REMINDER_BEFORE
    )


def meeting_reminders_enqueue(*, now: datetime) -> int:
    """Queue a reminder for each current member of each meeting starting soon, once per person and
    meeting (key `meeting-reminder-<meeting>-<user>`); return how many were new."""
    messages = {}
    for meeting in upcoming_meetings(now):
        for user_id in current_members(meeting).order_by("pk").values_list("pk", flat=True):
            payload = {"meeting_id": meeting.pk, "user_id": user_id}
            messages[reminder_key(meeting.pk, user_id)] = ("governance.send_meeting_reminder", payload)
    return _enqueue_new(messages)


def overdue_digests_enqueue(*, today: date) -> int:
    """Queue one digest per owner of overdue open actions for `today`'s ISO week (key
    `actions-overdue-<user>-<year>-W<week>`); return how many were new. Running it again in the same
    week adds nothing."""
    week = iso_week(today)
    owners = (
        User.objects.filter(wants_email(), is_active=True, pk__in=overdue_actions(today).values("owner_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    messages = {
        overdue_key(user_id, week): ("governance.send_overdue_actions", {"user_id": user_id, "week": week})
        for user_id in owners
    }
    return _enqueue_new(messages)


# --- handlers -------------------------------------------------------------------------------------
@job("governance.send_meeting_reminder")
def send_meeting_reminder(*, meeting_id: int, user_id: int) -> None:
    """Remind one member about a meeting, if it is still on and ahead and they still sit on the body."""
    meeting = Meeting.objects.select_related("body").filter(pk=meeting_id).first()
    if meeting is None or meeting.status != Meeting.Status.SCHEDULED or meeting.starts_at <= timezone.now():
        return
    user = current_members(meeting).filter(pk=user_id).first()
    if user is None:
        return
    context = {
        "user": user,
        "meeting": meeting,
        "starts_at": timezone.localtime(meeting.starts_at),
        "agenda": meeting.agenda_items.filter(confidential=False).order_by("order"),
        "confidential_items": meeting.agenda_items.filter(confidential=True).count(),
        "link": body_link(meeting.body),
        "preferences": site_link(reverse("accounts:profile")),
    }
    starts_at = context["starts_at"]
    when = gov_day(starts_at)
    _send(
        user,
        f"Reminder: {meeting.body.name} meets on {when}",
        "governance/email/meeting_reminder.txt",
        context,
    )


@job("governance.send_overdue_actions")
def send_overdue_actions(*, user_id: int, week: str) -> None:
    """Send one owner the list of their actions that are still open and past due, if any are left."""
    user = User.objects.filter(wants_email(), is_active=True, pk=user_id).first()
    if user is None:
        return
    today = timezone.localdate()
    actions = list(
        overdue_actions(today).filter(owner=user).select_related("decision").order_by("due_on", "pk")
    )
    if not actions:
        return
    context = {
        "user": user,
        "actions": [
            (action, (today - action.due_on).days, action_link(action), decision_link(action.decision))
            for action in actions
        ],
        "preferences": site_link(reverse("accounts:profile")),
    }
    count = len(actions)
    subject = f"You have {count} overdue action{'s' if count != 1 else ''}"
    _send(user, subject, "governance/email/overdue_actions.txt", context)


# --- minutes circulated ---------------------------------------------------------------------------
def minutes_circulated_enqueue(minutes) -> None:
    """In the circulating transaction: one keyed email per member of the body who accepts email."""
    for user_id in current_members(minutes.meeting).order_by("pk").values_list("pk", flat=True):
        outbox_enqueue(job="governance.send_minutes_circulated", payload={"page_id": minutes.pk, "user_id": user_id},
                       idempotency_key=f"minutes-circulated-{minutes.pk}-{user_id}")


@job("governance.send_minutes_circulated")
def send_minutes_circulated(*, page_id: int, user_id: int) -> None:
    """Tell one member that draft minutes are there to read, if they are still circulated and the member
    still sits on the body. The email links to them; it never quotes them (they may be confidential)."""
    minutes = MinutesPage.objects.select_related("meeting__body").filter(pk=page_id).first()
    if minutes is None or minutes.status != MinutesPage.Status.CIRCULATED:
        return
    user = current_members(minutes.meeting).filter(pk=user_id).first()
    if user is None:
        return
    context = {"user": user, "meeting": minutes.meeting, "body": minutes.meeting.body,
               "link": site_link(reverse("governance:minutes-circulated", kwargs={"pk": minutes.pk})),
               "preferences": site_link(reverse("accounts:profile"))}
    _send(user, f"Draft minutes to read: {minutes.meeting.title}", "governance/email/minutes_circulated.txt", context)


# --- links and email ------------------------------------------------------------------------------
def body_link(body) -> str:
    """The body's public page: its members and upcoming meetings."""
    return site_link(reverse("governance:body-detail", kwargs={"slug": body.slug}))


def decision_link(decision) -> str:
    return site_link(reverse("governance:decision-detail", kwargs={"reference": decision.reference}))


def action_link(action) -> str:
    """Where the owner gives the action an update or marks it done."""
    return site_link(reverse("governance:action-status", kwargs={"pk": action.pk}))


def _send(user: User, subject: str, template: str, context: dict) -> None:
    send_mail(
        subject=" ".join(subject.split()),
        message=render_to_string(template, context),
        from_email=None,
        recipient_list=[user.email],
    )


# --- the evidence report (long jobs) --------------------------------------------------------------
def _evidence_report(job, progress):
    period = period_from_params(job.params)
    public = bool(job.params.get("public", True)) or not can_view_full_evidence(job.started_by)
    progress(10, "Counting the figures")
    return evidence_report(period=period, public=public)


@long_job("governance.evidence_pdf", label="Evidence report (PDF)", keep=timedelta(days=1))
def evidence_pdf(*, job, progress) -> JobFile:
    """The evidence report as a PDF, in the version its starter may see."""
    report = _evidence_report(job, progress)
    progress(50, "Drawing the PDF")
    settings_row = SiteSettings.objects.filter(site__is_default_site=True).first()
    organisation = settings_row.organisation_name if settings_row else ""
    content = report_pdf(report, organisation=organisation)
    return JobFile(name=filename(report, "pdf"), content_type="application/pdf", content=content)


@long_job("governance.evidence_csv", label="Evidence report figures (CSV)", keep=timedelta(days=1))
def evidence_csv(*, job, progress) -> JobFile:
    """Every figure of the evidence report as CSV, in the version its starter may see."""
    report = _evidence_report(job, progress)
    progress(70, "Writing the file")
    return JobFile(name=filename(report, "csv"), content_type="text/csv; charset=utf-8", content=report_csv(report))
