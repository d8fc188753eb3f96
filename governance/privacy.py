"""What governance holds about a person, for "My data" and erasure.

Found by `portal.privacy` when it starts. The statutory record (who sat on the board, who came, who
moved what) is kept when a former trustee is erased, under the husk account: see the erase page.
"""

from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page, Revision

from portal.accounts.data_export import register_section
from portal.privacy.registry import (
    MEETINGS, register_email_subjects, register_erasure_guard, register_eraser, register_keeper, register_page_part,
)
from portal.privacy.your_data import Entry, day, when

from .models import Action, ActionUpdate, AgendaItem, Attendance, Decision, Meeting, Membership, MinutesPage

STATUTORY_ROLES = {
    Membership.Role.CHAIR, Membership.Role.VICE_CHAIR, Membership.Role.TRUSTEE, Membership.Role.SECRETARY,
}


def _day(value) -> str | None:
    return value.isoformat() if value else None


def current_statutory_memberships(person):
    """The person's memberships as chair, vice chair, trustee or secretary that have not ended."""
    today = timezone.localdate()
    return Membership.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today), person=person, role__in=STATUTORY_ROLES, starts_on__lte=today
    ).select_related("body")


def governance_guard(person) -> str | None:
    """Refuse to erase someone who holds a governance role now (the register must show who they are)."""
    current = list(current_statutory_memberships(person))
    if not current:
        return None
    roles = ", ".join(f"{m.get_role_display().lower()} of {m.body.name}" for m in current)
    return (
        f"You are {roles} now. The law says we must keep an up-to-date register of who holds these roles, "
        "so we cannot erase your account while you do. Ask the secretary to record the end of your term, "
        "then come back here."
    )


def memberships_of(user) -> list[dict]:
    rows = Membership.objects.filter(person=user).select_related("body").order_by("starts_on")
    return [
        {"body": m.body.name, "role": m.get_role_display(), "seat": m.get_seat_display(),
         "starts_on": _day(m.starts_on), "ends_on": _day(m.ends_on)}
        for m in rows
    ]


def attendance_of(user) -> list[dict]:
    rows = Attendance.objects.filter(person=user).select_related("meeting__body").order_by("meeting__starts_at")
    return [
        {"body": a.meeting.body.name, "meeting": a.meeting.title, "starts_at": a.meeting.starts_at.isoformat(),
         "status": a.get_status_display()}
        for a in rows
    ]


def decisions_of(user) -> list[dict]:
    rows = Decision.objects.filter(Q(mover=user) | Q(seconder=user)).order_by("decided_on", "reference")
    return [
        {"reference": d.reference, "title": d.title, "decided_on": _day(d.decided_on),
         "you": "moved and seconded" if d.mover_id == d.seconder_id else ("moved" if d.mover_id == user.pk else "seconded")}
        for d in rows
    ]


def actions_of(user) -> list[dict]:
    rows = Action.objects.filter(owner=user).select_related("decision").order_by("due_on")
    return [
        {"title": a.title, "decision": a.decision.reference, "due_on": _day(a.due_on), "status": a.get_status_display()}
        for a in rows
    ]


def action_updates_of(user) -> list[dict]:
    rows = ActionUpdate.objects.filter(author=user).select_related("action").order_by("created_at")
    return [{"action": u.action.title, "text": u.text, "written_at": u.created_at.isoformat()} for u in rows]


def meetings_for_page(person) -> list[Entry]:
    """Groups the person is or was in, the meetings they were recorded at, decisions they proposed or
    seconded and actions they were given (four queries)."""
    entries = []
    for m in Membership.objects.filter(person=person).select_related("body").order_by("starts_on", "pk"):
        since = f"From {day(m.starts_on)}"
        status = f"{since} until {day(m.ends_on)}." if m.ends_on else f"{since}. You are still in this group."
        entries.append(Entry(m.body.name, status=status,
                             rows=[("Your role", m.get_role_display()), ("Your seat", m.get_seat_display())]))
    attendance = Attendance.objects.filter(person=person).select_related("meeting__body").order_by("meeting__starts_at")
    for a in attendance:
        entries.append(Entry(a.meeting.title, status=f"{a.meeting.body.name} meeting on {when(a.meeting.starts_at)}",
                             rows=[("You were recorded as", a.get_status_display())]))
    for d in Decision.objects.filter(Q(mover=person) | Q(seconder=person)).order_by("decided_on", "reference"):
        you = "proposed and seconded" if d.mover_id == d.seconder_id else (
            "proposed" if d.mover_id == person.pk else "seconded")
        entries.append(Entry(f"Decision {d.reference}: {d.title}", status=f"You {you} this on {day(d.decided_on)}."))
    for action in Action.objects.filter(owner=person).select_related("decision").order_by("due_on", "pk"):
        entries.append(Entry(action.title, status=f"An action you were given, from decision {action.decision.reference}.",
                             rows=[("Due", day(action.due_on)), ("Where it stands", action.get_status_display())]))
    return entries


def _titles(model, key: str, template: str, title: str = "title"):
    def subjects(payloads: list[dict]) -> list[str]:
        found = dict(model.objects.filter(pk__in={p.get(key) for p in payloads}).values_list("pk", title))
        return [template.format(title=found.get(p.get(key), "a meeting")) for p in payloads]
    return subjects


def _overdue_subjects(payloads: list[dict]) -> list[str]:
    return ["You have overdue actions" for _ in payloads]


def erase(ctx) -> dict[str, int]:
    """The person's name and email are scrubbed from action updates they wrote and from the titles of
    actions they were given; the rows themselves stay (they are the action's record). Elsewhere, from
    other actions and updates, agenda items and draft minutes, their email and full name are scrubbed
    (`ctx.wide`). Memberships, attendance and decisions move to the husk afterwards; decisions and
    minutes as approved are kept as written (see `_scrub_minutes`)."""
    scrubbed = ctx.scrub_rows(ActionUpdate.objects.filter(author=ctx.person), ["text"])
    scrubbed += ctx.scrub_rows(Action.objects.filter(owner=ctx.person), ["title"])
    wide = ctx.wide
    scrubbed += wide.scrub_rows(ActionUpdate.objects.all(), ["text"])
    scrubbed += wide.scrub_rows(Action.objects.all(), ["title"])
    scrubbed += wide.scrub_rows(AgendaItem.objects.all(), ["title", "description"])
    return {"governance_texts_scrubbed": scrubbed, "minutes_drafts_scrubbed": _scrub_minutes(wide)}


def _scrub_minutes(wide) -> int:
    """Minutes not yet approved lose the person's email and full name from the page and every revision.
    Approved minutes are the charity's statutory record and are locked with their hash, so the wording
    that was approved (the live revision) stays as written, as the erase page says; earlier drafts of
    them are scrubbed like any draft."""
    unapproved = MinutesPage.objects.exclude(status__in=MinutesPage.PUBLISHABLE)
    changed = wide.scrub_rows(Page.objects.filter(pk__in=unapproved.values("pk")), ["title", "draft_title"])
    changed += wide.scrub_rows(unapproved, ["easy_read_summary"], json_fields=["sections"])
    drafts = Revision.page_revisions.filter(
        object_id__in=[str(pk) for pk in MinutesPage.objects.values_list("pk", flat=True)]
    ).exclude(pk__in=MinutesPage.objects.filter(live_revision__isnull=False).values("live_revision_id"))
    return changed + wide.scrub_rows(drafts, ["object_str"], json_fields=["content"])


def kept(person) -> list[str]:
    """What stays, as "Former member": the record of the charity's governance the law asks us to keep."""
    counts = [
        (Membership.objects.filter(person=person).count(), "time on a board or group (role, seat and dates)",
         "times on boards or groups (roles, seats and dates)"),
        (Attendance.objects.filter(person=person).count(), "meeting attended", "meetings attended"),
        (Decision.objects.filter(Q(mover=person) | Q(seconder=person)).count(), "decision you proposed or seconded",
         "decisions you proposed or seconded"),
        (Action.objects.filter(owner=person).count(), "action you were given", "actions you were given"),
    ]
    return [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]


register_section("memberships", memberships_of)
register_section("meeting_attendance", attendance_of)
register_section("decisions_moved_or_seconded", decisions_of)
register_section("actions_owned", actions_of)
register_section("action_updates", action_updates_of)
register_page_part(MEETINGS, "governance", meetings_for_page)
register_email_subjects("governance.send_meeting_reminder", _titles(Meeting, "meeting_id", "Meeting reminder: {title}"))
register_email_subjects("governance.send_minutes_circulated",
                        _titles(MinutesPage, "page_id", "Draft minutes to read: {title}", "meeting__title"))
register_email_subjects("governance.send_overdue_actions", _overdue_subjects)
register_erasure_guard("governance", governance_guard)
register_eraser("governance", erase)
register_keeper("governance", kept)
