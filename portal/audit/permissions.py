"""Who may look into the audit trail, and who may say where a checkpoint was published."""

from wagtail.permission_policies.pages import PagePermissionPolicy

from portal.accounts.roles import AUDIT_VIEW


def can_explore_audit(user) -> bool:
    """Holders of the ledger's view permission (trustees, secretaries, analysts, returning officers):
    the same people who see the read-only ledger in the admin."""
    return bool(user and user.is_authenticated and user.has_perm(AUDIT_VIEW))


def can_record_checkpoint_publication(user, page=None) -> bool:
    """Someone who can see the ledger and edit the page (secretaries, superusers) may record that the
    page quotes a checkpoint; with no page given, whether they could for some page.

    No new permission: editing the minutes is already what makes someone answerable for their text.
    """
    if not can_explore_audit(user):
        return False
    if page is None:
        return PagePermissionPolicy().user_has_any_permission(user, ["change"])
    return page.permissions_for_user(user).can_edit()
