"""Background jobs for consultations, run through the outbox (portal.jobs): phase events and emails.

How a consultation's phases become ledger events and emails, each exactly once:

1. `consultation_phases_enqueue` (called every 5 minutes by `tasks.consultation_schedule_tick`) finds
   the live, public consultations that have opened, are within 48 hours of closing, or have closed,
   and enqueues one `consultations.phase_reached` message per consultation and phase, keyed
   `consultation-<opened|reminder|closed>-event-<page>`. A key already used returns the first message
   (a unique constraint, safe under concurrency), so each phase is acted on once however often the
   tick runs, and even when two ticks run at the same moment.
2. `phase_reached` records the ledger event (`consultation.opened`, `consultation.closed`) in the same
   transaction as the outbox marks the message done, so the event is written once, and fans out one
   email message per recipient, keyed `consultation-opened-<page>-<user>`,
   `consultation-reminder-<page>-<user>` or `consultation-closed-<page>`.
3. Each email handler looks again, at sending time, at whether the email is still wanted (the page is
   still open, the person still has a draft, still wants emails) and sends one plain-text email.

Who is emailed, always respecting the person's contact preferences (Profile.contact_method "email"):
- opened: active people in the audience who asked to be told about new consultations
  (`contact_about_consultations`): the "Service users" group for a service-users consultation,
  everyone otherwise (a members-only or public consultation is open to every signed-in person);
- reminder: people with a saved, named draft when the 48 hours start (an anonymous draft has no one
  to write to; a draft started later is not chased);
- closed: the page's owner, with counts and a link to the results;
- receipt: the author of a named response, once, when it is sent (its reference, never its answers).

A consultation that opened or closed more than CATCH_UP ago is left alone, so switching the
scheduler on (or back on after a long outage) never mails people about old news.
Payloads hold ids and a phase code only, never addresses or names.
"""

from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse

from portal.accounts import roles
from portal.accounts.models import Profile, User
from portal.emails import site_link, wants_email
from portal.audit.services import audit_record
from portal.jobs.models import OutboxMessage
from portal.jobs.registry import job
from portal.jobs.services import outbox_enqueue

from .models import Audience, ConsultationPage, Phase, Response

OPENED, REMINDER, CLOSED = "opened", "reminder", "closed"
REMINDER_BEFORE = timedelta(hours=48)
CATCH_UP = timedelta(days=7)
EMAIL = Profile.ContactMethod.EMAIL


# --- keys ---------------------------------------------------------------------------------------
def phase_event_key(page_id: int, phase: str) -> str:
    return f"consultation-{phase}-event-{page_id}"


def email_key(page_id: int, phase: str, user_id: int | None = None) -> str:
    return f"consultation-{phase}-{page_id}" + (f"-{user_id}" if user_id is not None else "")


# --- the tick's work ------------------------------------------------------------------------------
def phases_due(now: datetime) -> list[tuple[int, str]]:
    """(page id, phase) for every live, public consultation whose phase needs acting on now."""
    pages = ConsultationPage.objects.live().public()
    recent = now - CATCH_UP
    opened = pages.filter(opens_at__lte=now, closes_at__gt=now).filter(
        Q(opens_at__gte=recent) | Q(first_published_at__gte=recent)
    )
    closing = pages.filter(opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + REMINDER_BEFORE)
    closed = pages.filter(closes_at__lte=now, closes_at__gt=recent)
    due = [(pk, OPENED) for pk in opened.values_list("pk", flat=True)]
    due += [(pk, REMINDER) for pk in closing.values_list("pk", flat=True)]
    due += [(pk, CLOSED) for pk in closed.values_list("pk", flat=True)]
    return due


def consultation_phases_enqueue(*, now: datetime) -> int:
    """Enqueue a `phase_reached` message for each phase due now and not enqueued before; return how
    many were new. Idempotent: the outbox's unique idempotency key makes a repeat (or a concurrent
    run) find the first message instead of adding another; keys already used are skipped up front
    so a quiet tick costs a few queries."""
    due = {phase_event_key(pk, phase): (pk, phase) for pk, phase in phases_due(now)}
    done = set(
        OutboxMessage.objects.filter(idempotency_key__in=due).values_list("idempotency_key", flat=True)
    )
    new = 0
    for key, (page_id, phase) in due.items():
        if key in done:
            continue
        with transaction.atomic():
            outbox_enqueue(
                job="consultations.phase_reached",
                payload={"page_id": page_id, "phase": phase},
                idempotency_key=key,
            )
        new += 1
    return new


# --- who is told ----------------------------------------------------------------------------------
def opened_recipients(page: ConsultationPage):
    """Active people in the page's audience who asked to hear about new consultations, by email."""
    people = User.objects.filter(
        is_active=True, profile__contact_about_consultations=True, profile__contact_method=EMAIL
    )
    if page.audience == Audience.SERVICE_USERS:
        people = people.filter(groups__name=roles.SERVICE_USERS)
    return people


def reminder_recipients(page: ConsultationPage):
    """Active people with a saved draft of a named response to `page` who accept email."""
    drafts = Response.objects.filter(consultation=page, status=Response.Status.DRAFT)
    return User.objects.filter(wants_email(), is_active=True, pk__in=drafts.values("respondent_id"))


def _ids(people) -> list[int]:
    return list(people.order_by("pk").values_list("pk", flat=True).distinct())


def response_counts(page: ConsultationPage) -> dict[str, int]:
    """How many responses were sent, withdrawn, or started and never sent (one SQL query)."""
    status = Response.Status
    return Response.objects.filter(consultation=page).aggregate(
        submitted=Count("pk", filter=Q(status=status.SUBMITTED)),
        withdrawn=Count("pk", filter=Q(status=status.WITHDRAWN)),
        drafts=Count("pk", filter=Q(status=status.DRAFT)),
    )


# --- handlers -------------------------------------------------------------------------------------
@job("consultations.phase_reached")
def phase_reached(*, page_id: int, phase: str) -> None:
    """Record the phase's ledger event and queue its emails, one outbox message per recipient.

    Runs once per page and phase (its message is keyed by both). The ledger event commits with the
    message's "done" mark, so a run that fails part-way leaves no event and is simply retried.
    """
    page = ConsultationPage.objects.live().filter(pk=page_id).first()
    if page is None:
        return
    if phase == OPENED:
        audit_record(actor=None, action="consultation.opened", target=page, data={"opens_at": page.opens_at})
        if page.phase() == Phase.OPEN:
            for user_id in _ids(opened_recipients(page)):
                _enqueue_email("consultations.send_opened_email", page.pk, OPENED, user_id)
    elif phase == REMINDER:
        if page.phase() == Phase.OPEN:
            for user_id in _ids(reminder_recipients(page)):
                _enqueue_email("consultations.send_reminder_email", page.pk, REMINDER, user_id)
    elif phase == CLOSED:
        counts = response_counts(page)
        audit_record(
            actor=None,
            action="consultation.closed",
            target=page,
            data={
                "closes_at": page.closes_at,
                "submitted": counts["submitted"],
                "withdrawn": counts["withdrawn"],
            },
        )
        outbox_enqueue(
            job="consultations.send_closing_summary",
            payload={"page_id": page.pk},
            idempotency_key=email_key(page.pk, CLOSED),
        )
    else:
        raise ValueError(f"Unknown consultation phase {phase!r}.")


def _enqueue_email(job_name: str, page_id: int, phase: str, user_id: int) -> None:
    outbox_enqueue(
        job=job_name,
        payload={"page_id": page_id, "user_id": user_id},
        idempotency_key=email_key(page_id, phase, user_id),
    )


@job("consultations.send_opened_email")
def send_opened_email(*, page_id: int, user_id: int) -> None:
    """Tell one person a consultation is open, if it still is and they still want to be told."""
    page = ConsultationPage.objects.live().filter(pk=page_id).first()
    if page is None or page.phase() != Phase.OPEN or not opened_recipients(page).filter(pk=user_id).exists():
        return
    user = User.objects.get(pk=user_id)
    preferences = site_link(reverse("accounts:profile"))
    context = {"user": user, "page": page, "link": page_link(page), "preferences": preferences}
    _send(user, f"A new consultation is open: {page.title}", "consultations/email/opened.txt", context)


@job("consultations.send_reminder_email")
def send_reminder_email(*, page_id: int, user_id: int) -> None:
    """Remind one person that their saved answers are not sent yet, while the consultation is open."""
    page = ConsultationPage.objects.live().filter(pk=page_id).first()
    if (
        page is None
        or page.phase() != Phase.OPEN
        or not reminder_recipients(page).filter(pk=user_id).exists()
    ):
        return
    user = User.objects.get(pk=user_id)
    context = {"user": user, "page": page, "link": page_link(page)}
    _send(user, f"Your answers are not sent yet: {page.title}", "consultations/email/reminder.txt", context)


def receipt_key(response_id: int) -> str:
    return f"consultation-receipt-{response_id}"


def receipt_enqueue(response: Response) -> None:
    """In the submit transaction: queue one receipt email for a named response (nobody to write to
    for an anonymous one or one entered by a peer worker), keyed by the response so it goes once."""
    if response.respondent_id is not None:
        outbox_enqueue(
            job="consultations.send_receipt_email",
            payload={"response_id": response.pk},
            idempotency_key=receipt_key(response.pk),
        )


def receipt_goes_by_email(response: Response) -> bool:
    """Whether the author of `response` will get (or got) the receipt email, for the "sent" page."""
    return response.respondent_id is not None and User.objects.filter(
        wants_email(), pk=response.respondent_id, is_active=True
    ).exists()


@job("consultations.send_receipt_email")
def send_receipt_email(*, response_id: int) -> None:
    """Tell the author their answers arrived (title, time and reference only, never the answers), if
    the response is still sent and they still want email."""
    response = (
        Response.objects.filter(pk=response_id, status=Response.Status.SUBMITTED, respondent__is_active=True)
        .select_related("consultation", "respondent")
        .first()
    )
    if response is None or not User.objects.filter(wants_email(), pk=response.respondent_id).exists():
        return
    page, user = response.consultation, response.respondent
    context = {
        "user": user,
        "page": page,
        "response": response,
        "link": page_link(page),
        "preferences": site_link(reverse("accounts:profile")),
    }
    _send(user, f"We received your answers: {page.title}", "consultations/email/receipt.txt", context)


@job("consultations.send_closing_summary")
def send_closing_summary(*, page_id: int) -> None:
    """Send the page's owner the closing counts and a link to the results (unless they asked for no email)."""
    page = ConsultationPage.objects.filter(pk=page_id).select_related("owner").first()
    owner = page.owner if page is not None else None
    if owner is None or not owner.is_active or not User.objects.filter(wants_email(), pk=owner.pk).exists():
        return
    context = {
        "user": owner,
        "page": page,
        "counts": response_counts(page),
        "link": page_link(page),
        "results": page_link(page, "results"),
        "themes": page_link(page, "themes"),
    }
    _send(owner, f"Consultation closed: {page.title}", "consultations/email/closed_summary.txt", context)


# --- email ----------------------------------------------------------------------------------------
def page_link(page: ConsultationPage, route: str | None = None) -> str:
    """An absolute link to the page (or one of its routes), on the site's address (portal/site_links.py)."""
    parts = page.get_url_parts()
    path = parts[2] if parts else "/"
    if route:
        path += page.reverse_subpage(route)
    return site_link(path)


def _send(user: User, subject: str, template: str, context: dict) -> None:
    send_mail(
        subject=" ".join(subject.split()),
        message=render_to_string(template, context),
        from_email=None,
        recipient_list=[user.email],
    )
