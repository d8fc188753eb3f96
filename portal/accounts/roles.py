"""The portal's roles, as Django groups, and what each may do.

The table below is the single statement of role permissions. Migrations call `apply_roles` with their
historical `apps`, so each later app adds its rows here and ships a one-line migration that re-applies
the table; running it twice changes nothing.
"""

SERVICE_USERS = "Service users"
PEER_WORKERS = "Peer workers"
EDITORS = "Editors"
ANALYSTS = "Analysts"
SECRETARIES = "Secretaries"
TRUSTEES = "Trustees"
RETURNING_OFFICERS = "Returning officers"
MODERATORS = "Moderators"
FINANCE = "Finance"

ALL_ROLES = [
    SERVICE_USERS, PEER_WORKERS, EDITORS, ANALYSTS, SECRETARIES, TRUSTEES, RETURNING_OFFICERS, MODERATORS, FINANCE,
]

ADMIN_ACCESS = "wagtailadmin.access_admin"
AUDIT_VIEW = "audit.view_auditevent"

GOVERNANCE_RECORDS = ["body", "membership", "meeting", "agendaitem"]
RECORD_GOVERNANCE = [f"governance.{verb}_{model}" for model in GOVERNANCE_RECORDS for verb in ("add", "change", "view")]
READ_GOVERNANCE = [f"governance.view_{model}" for model in GOVERNANCE_RECORDS]
BALLOT_RECORDS = ["ballot", "ballotoption"]
RUN_BALLOTS = [f"voting.{verb}_{model}" for model in BALLOT_RECORDS for verb in ("add", "change", "view")]
# Finance works on the front end (claims, rates, payment batches), not in the admin; holding this
# permission means handling people's payments, so it also asks for two-step sign-in (two_factor.py).
FINANCE_ACCESS = "involvement.change_claim"
PAY_INVOLVEMENT = [
    "involvement.view_claim", FINANCE_ACCESS, "involvement.view_expense", "involvement.view_payee",
    *(f"involvement.{verb}_{model}" for model in ("paymentbatch", "rate", "rateband") for verb in ("add", "change", "view")),
]
# Permissions whose holders must type an authenticator code after their password.
TWO_STEP_PERMISSIONS = [ADMIN_ACCESS, FINANCE_ACCESS]

# Model permissions ("app_label.codename") per role.
MODEL_PERMISSIONS: dict[str, list[str]] = {
    SERVICE_USERS: [],
    PEER_WORKERS: [],
    EDITORS: [
        ADMIN_ACCESS,
        "home.change_sitesettings",
        "wagtailredirects.add_redirect",
        "wagtailredirects.change_redirect",
        "wagtailredirects.delete_redirect",
    ],
    ANALYSTS: [ADMIN_ACCESS, AUDIT_VIEW],
    SECRETARIES: [ADMIN_ACCESS, AUDIT_VIEW, *RECORD_GOVERNANCE],
    TRUSTEES: [ADMIN_ACCESS, AUDIT_VIEW, *READ_GOVERNANCE],
    RETURNING_OFFICERS: [ADMIN_ACCESS, AUDIT_VIEW, *RUN_BALLOTS, "governance.view_body"],
    # Moderators (usually peer workers) work on the front end: the moderation queue, not the admin.
    MODERATORS: [],
    FINANCE: PAY_INVOLVEMENT,
}

# Wagtail page permissions on the whole tree (granted at the root page).
PAGE_PERMISSIONS: dict[str, list[str]] = {
    EDITORS: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    SECRETARIES: ["add_page", "change_page"],
}

# Wagtail collection permissions on the root collection, per model ("wagtailimages.image").
COLLECTION_PERMISSIONS: dict[str, dict[str, list[str]]] = {
    EDITORS: {
        "wagtailimages.image": ["add_image", "change_image", "choose_image"],
        "wagtaildocs.document": ["add_document", "change_document", "choose_document"],
    },
    SECRETARIES: {
        "wagtaildocs.document": ["add_document", "change_document", "choose_document"],
    },
    RETURNING_OFFICERS: {
        "wagtailimages.image": ["add_image", "choose_image"],
    },
}


def _ensure_permissions(apps) -> None:
    """Create model permissions now; Django would otherwise create them only after all migrations."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def _permission(apps, dotted: str):
    """The permission, or None while its app's tables do not exist yet (its own migration re-applies)."""
    Permission = apps.get_model("auth", "Permission")
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()


def apply_roles(apps, schema_editor=None) -> None:
    """Create every role group and grant exactly the permissions in the tables above (idempotent)."""
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    for role in ALL_ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(
            [perm for perm in (_permission(apps, p) for p in MODEL_PERMISSIONS.get(role, [])) if perm is not None]
        )
        _apply_page_permissions(apps, group, PAGE_PERMISSIONS.get(role, []))
        _apply_collection_permissions(apps, group, COLLECTION_PERMISSIONS.get(role, {}))


def _apply_page_permissions(apps, group, codenames: list[str]) -> None:
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    root = Page.objects.filter(depth=1).first()
    if root is None:
        return
    GroupPagePermission.objects.filter(group=group).exclude(permission__codename__in=codenames).delete()
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group, page=root, permission=_permission(apps, f"wagtailcore.{codename}")
        )


def _apply_collection_permissions(apps, group, grants: dict[str, list[str]]) -> None:
    Collection = apps.get_model("wagtailcore", "Collection")
    GroupCollectionPermission = apps.get_model("wagtailcore", "GroupCollectionPermission")
    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    wanted = [_permission(apps, f"{model.split('.')[0]}.{c}") for model, cs in grants.items() for c in cs]
    GroupCollectionPermission.objects.filter(group=group).exclude(permission__in=wanted).delete()
    for permission in wanted:
        GroupCollectionPermission.objects.get_or_create(group=group, collection=root, permission=permission)
