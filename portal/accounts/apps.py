from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .permission_cache import permissions_changed

        user_model = get_user_model()
        # Someone's roles, or what a role may do, changed: every kept answer is out of date.
        for number, through in enumerate(
            (user_model.groups.through, user_model.user_permissions.through, Group.permissions.through)
        ):
            m2m_changed.connect(permissions_changed, sender=through, dispatch_uid=f"permissions-m2m-{number}")
        for model in (Group, Permission):
            for number, signal in enumerate((post_save, post_delete)):
                signal.connect(permissions_changed, sender=model, dispatch_uid=f"permissions-{model.__name__}-{number}")
