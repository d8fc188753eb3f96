"""Reads about accounts."""

from django.utils import timezone

from .data_export import SECTIONS
from .models import User
from .services import profile_for


def user_data_export(*, user: User) -> dict:
    """Everything the portal holds about `user`, as plain JSON-ready data ("My data").

    Later apps add their own sections through `data_export.register_section`; the ledger is not included because it holds no personal
    data, only the person's pseudonym key, which is included so they can find their own events.
    """
    profile = profile_for(user)
    pseudonym = getattr(user, "audit_pseudonym", None)
    data = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "preferences": {
            "easy_read_first": profile.easy_read_first,
            "larger_text": profile.larger_text,
            "contact_method": profile.contact_method,
            "contact_about_consultations": profile.contact_about_consultations,
            "contact_about_meetings": profile.contact_about_meetings,
        },
        "audit_pseudonym": pseudonym.key if pseudonym else None,
    }
    for name, build in SECTIONS.items():
        data[name] = build(user)
    return data
