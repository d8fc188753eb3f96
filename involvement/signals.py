"""Hearing governance: attendance and meetings saved there make (or take back) participation here.

Governance cannot import this app (layers point downward), so these receivers listen to its models'
`post_save`. They only call services (`participation_from_attendance`, `participations_for_meeting`),
which hold the rules; fixtures being loaded (`raw`) are left alone. Connected in InvolvementConfig.ready.
"""

from django.db.models.signals import post_save

from governance.models import Attendance, Meeting

from .services import participation_from_attendance, participations_for_meeting


def attendance_saved(sender, instance: Attendance, raw: bool = False, **kwargs) -> None:
    if not raw:
        participation_from_attendance(attendance=instance)


def meeting_saved(sender, instance: Meeting, raw: bool = False, **kwargs) -> None:
    if not raw and instance.status == Meeting.Status.HELD:
        participations_for_meeting(meeting=instance)


def connect() -> None:
    post_save.connect(attendance_saved, sender=Attendance, dispatch_uid="involvement.attendance_saved")
    post_save.connect(meeting_saved, sender=Meeting, dispatch_uid="involvement.meeting_saved")
