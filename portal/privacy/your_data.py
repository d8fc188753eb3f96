"""The "Your data" page: what we hold about a person, in plain words, grouped the way a person thinks.

My account; What I answered; How I voted; Meetings I was part of; Involvement payments; What I agreed
to; What we sent you. The apps above the portal fill "answers", "votes", "meetings" and "payments"
through `register_page_part`, and name their emails through `register_email_subjects`
(portal/privacy/registry.py); the portal never imports them. The same page is printed as a PDF; the
machine-readable file (JSON) is `selectors.person_data`.

No hashes or pseudonym keys appear here: they mean nothing to a person. The page's "Technical details"
says what they are and that the JSON file holds them.

Queries: a fixed number, never one per row: one or two per part, one per kind of email named. The
whole request takes 28 in tests/privacy/test_your_data.py, however many answers, votes and emails.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q

from portal.accounts.models import Profile
from portal.accounts.services import profile_for
from portal.dates import gov_date, gov_datetime
from portal.jobs.models import OutboxMessage

from .consent import wording_for
from .models import ConsentRecord, LivedExperienceDeclaration
from .registry import (
    ANSWERS, EMAIL_ADDRESSEES, EMAIL_SUBJECTS, MEETINGS, PAGE_PARTS, PAYMENTS, RAISED, VOTES,
    register_email_subjects,
)


@dataclass
class Entry:
    """One thing on the page: a heading, a line saying where it stands, and label/value rows."""

    title: str
    status: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


@dataclass
class Group:
    key: str
    heading: str
    intro: str
    entries: list[Entry]
    empty: str


def withdrawn_days() -> int:
    return settings.PORTAL_WITHDRAWN_RESPONSE_DAYS


def day(value) -> str:
    """A date as people write it: 3 March 2026 (the site's one style, portal/dates.py)."""
    return gov_date(value)


def when(value) -> str:
    """A date and time as people say it: 3 March 2026 at 2pm, or at 2:05pm."""
    return gov_datetime(value, weekday=False)


def yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def account(person, profile: Profile) -> list[Entry]:
    roles = sorted(person.groups.values_list("name", flat=True))
    rows = [
        ("Name", person.display_name or "You have not given a name"),
        ("Email address", person.email),
        ("Joined", day(person.date_joined)),
        ("Last signed in", when(person.last_login) or "Not yet"),
        ("What you can do here", ", ".join(roles) or "Read and answer consultations"),
    ]
    entries = [Entry("Your account", rows=rows)]
    entries.append(Entry("How the site looks for you", rows=[
        ("Show easy read first", yes_no(profile.easy_read_first)),
        ("Bigger text", yes_no(profile.larger_text)),
    ]))
    declaration = LivedExperienceDeclaration.objects.filter(person=person).first()
    if declaration is not None:
        entries.append(Entry("Lived experience", rows=[
            ("Your answer", declaration.get_answer_display()), ("You told us on", day(declaration.declared_at)),
        ], note="We only use this to count how many people with lived experience take part."))
    return entries


def contact_choices(profile: Profile) -> Entry:
    """The contact choices on the account page: what they allow us to email, as the person agreed it."""
    emails = profile.contact_method == Profile.ContactMethod.EMAIL
    rows = [
        ("How we may contact you", profile.get_contact_method_display()),
        ("Tell me when a new consultation opens", yes_no(emails and profile.contact_about_consultations)),
        ("Tell me about meetings and decisions", yes_no(emails and profile.contact_about_meetings)),
        ("Last changed", day(profile.updated_at)),
    ]
    if emails:
        note = (
            "Email is the setting every account starts with. While it says Email, we send you emails about "
            "things you take part in: a receipt when you send answers, a reminder about answers you saved, "
            "ballots you can vote in, and meetings of groups you are in. To stop all emails, choose "
            "\"Please do not contact me\" on your account page."
        )
    else:
        note = "You asked us not to contact you, so we do not send you emails."
    return Entry("Your contact choices", status="What you chose on your account page", rows=rows, note=note)


def agreements(person, profile: Profile) -> list[Entry]:
    entries = [contact_choices(profile)]
    for record in ConsentRecord.objects.filter(person=person).order_by("given_at", "pk"):
        wording = wording_for(record)
        rows = [
            ("The words you agreed to", wording.text if wording else "We no longer have these words."),
            ("Version of the words", record.wording_version),
            ("You agreed on", when(record.given_at)),
            ("You took it back on", when(record.withdrawn_at) if record.withdrawn_at else "You have not taken it back"),
        ]
        status = "Still in place" if record.active else "Taken back"
        entries.append(Entry(record.get_kind_display(), status=status, rows=rows))
    return entries


EMAIL_STATUS = {
    OutboxMessage.Status.DONE: "Sent on {day}",
    OutboxMessage.Status.PENDING: "Waiting to be sent since {day}",
    OutboxMessage.Status.RUNNING: "Being sent now",
    OutboxMessage.Status.FAILED: "We could not send it ({day})",
}


def emails_to(person) -> list[Entry]:
    """Emails in the outbox addressed to the person, newest first, with their subject and date."""
    addressed = Q(payload__user_id=person.pk)
    for job, find in EMAIL_ADDRESSEES.items():
        extra = find(person)
        if extra is not None:
            addressed |= Q(job=job) & extra
    messages = list(
        OutboxMessage.objects.filter(addressed, job__in=list(EMAIL_SUBJECTS)).order_by("-created_at", "-pk")
        .only("job", "payload", "status", "created_at", "done_at")
    )
    subjects = {}
    for job in {m.job for m in messages}:
        mine = [m for m in messages if m.job == job]
        subjects.update(zip((m.pk for m in mine), EMAIL_SUBJECTS[job]([m.payload for m in mine]), strict=True))
    return [
        Entry(subjects[m.pk], status=EMAIL_STATUS.get(m.status, "{day}").format(day=day(m.done_at or m.created_at)))
        for m in messages
    ]


def _part(group: str, person) -> list[Entry]:
    return [entry for build in PAGE_PARTS[group].values() for entry in build(person)]


def your_data(person) -> list[Group]:
    """Every group of the page, in the order a person reads it."""
    days, profile = withdrawn_days(), profile_for(person)
    return [
        Group("account", "My account", "The details you gave us and how the site works for you.",
              account(person, profile), ""),
        Group("answers", "What I answered",
              f"Consultations you answered with your name. We delete withdrawn answers after {days} days.",
              _part(ANSWERS, person), "You have not answered any consultations with your name."),
        Group("raised", "What I raised and supported",
              "Proposals you raised or supported, and comments you wrote.",
              _part(RAISED, person), "You have not raised, supported or commented on any proposals."),
        Group("votes", "How I voted",
              "Ballots you could vote in. In a secret ballot nothing links you to your choice, so we cannot "
              "see how you voted and it is not shown here.",
              _part(VOTES, person), "You have not been able to vote in any ballots."),
        Group("meetings", "Meetings I was part of",
              "Groups you are or were in, meetings you were at, and decisions and actions with your name.",
              _part(MEETINGS, person), "You have not been part of any meetings."),
        Group("payments", "Involvement payments",
              "Things you took part in, what you claimed and what we paid you. We keep payment records for "
              f"{settings.PORTAL_FINANCE_RETENTION_YEARS} years, even if you erase your account.",
              _part(PAYMENTS, person), "You have not claimed any involvement payments."),
        Group("agreed", "What I agreed to", "What you said we may do, and when.", agreements(person, profile), ""),
        Group("emails", "What we sent you",
              "Emails we sent you or tried to send. If you had asked us not to email you by then, we did not send it.",
              emails_to(person), "We have not sent you any emails."),
    ]


# --- the portal's own emails -------------------------------------------------------------------------
def _same(subject: str):
    return lambda payloads: [subject] * len(payloads)


register_email_subjects("accounts.send_password_reset", _same("Reset your password"))
register_email_subjects("audit.send_checkpoint_email", _same("Audit checkpoint to keep"))
