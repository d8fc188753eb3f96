"""Demo accounts, one per role, for `manage.py seed_demo`. Never used outside demos and tests."""

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db.models import Q

from . import roles, two_factor
from .models import Profile, User
from .services import user_sign_up

DEMO_ACCOUNTS = [
    # (email, display name, role or None for the superuser, password)
    ("admin@example.org", "Demo administrator", None, "demo-admin-pass-2026"),
    ("service.user@example.org", "Sam (service user)", roles.SERVICE_USERS, "demo-service-user-2026"),
    ("peer.worker@example.org", "Priya (peer worker)", roles.PEER_WORKERS, "demo-peer-worker-2026"),
    ("editor@example.org", "Erin (editor)", roles.EDITORS, "demo-editor-pass-2026"),
    ("analyst@example.org", "Ali (analyst)", roles.ANALYSTS, "demo-analyst-pass-2026"),
    ("secretary@example.org", "Sol (secretary)", roles.SECRETARIES, "demo-secretary-2026"),
    ("trustee@example.org", "Tom (trustee)", roles.TRUSTEES, "demo-trustee-pass-2026"),
    ("returning.officer@example.org", "Rae (returning officer)", roles.RETURNING_OFFICERS, "demo-returning-2026"),
    ("moderator@example.org", "Mo (moderator)", roles.MODERATORS, "demo-moderator-2026"),
    ("finance@example.org", "Fran (finance)", roles.FINANCE, "demo-finance-2026"),
]


# Everyone else the demo makes (board and council members, the members who vote) signs in with this.
MEMBER_PASSWORD = "demo-member-2026"


def let_sign_in(users) -> int:
    """Give each demo person who has no password yet the shared member password (hashed once for all,
    so fifty members cost one hash), and a demo authenticator to anyone who can open the staff area.
    Returns how many got a password. Demo content only."""
    waiting = [user for user in users if not user.has_usable_password()]
    if waiting:
        User.objects.filter(pk__in=[u.pk for u in waiting]).update(password=make_password(MEMBER_PASSWORD))
    app_label, codename = roles.ADMIN_ACCESS.split(".")
    staff = User.objects.filter(pk__in=[u.pk for u in users]).filter(
        Q(is_superuser=True)
        | Q(groups__permissions__content_type__app_label=app_label, groups__permissions__codename=codename)
    ).distinct()
    for user in staff:
        two_factor.demo_device(user)
    return len(waiting)


def seed() -> list[tuple[str, str, str, str]]:
    """Create any missing demo account; return (role, email, password, authenticator key) rows to print.

    Every account that can open the staff area also gets a demo authenticator (the key is "" for the
    others), so a reviewer can pass two-step sign-in: add the key to an app, or run
    `manage.py demo_otp EMAIL`. Idempotent: an account that exists keeps its data and its key.
    """
    rows = []
    for email, name, role, password in DEMO_ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            if role is None:
                user = User.objects.create_superuser(email=email, password=password, display_name=name)
                Profile.objects.get_or_create(user=user)
            else:
                # Through the real sign-up service, so the demo ledger has events from the start.
                user = user_sign_up(email=email, display_name=name, password=password)
                if role != roles.SERVICE_USERS:
                    user.groups.set([Group.objects.get(name=role)])
        staff = user.is_superuser or any(user.has_perm(p) for p in roles.TWO_STEP_PERMISSIONS)
        key = two_factor.secret_in_groups(two_factor.demo_device(user)) if staff else ""
        rows.append((role or "Superuser (everything)", email, password, key))
    return rows
