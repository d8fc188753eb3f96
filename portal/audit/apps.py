from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"
    verbose_name = "Audit ledger"

    def ready(self) -> None:
        from . import labels, tasks  # noqa: F401  (tasks: registers the monthly task by name, eager mode included)

        labels.register()  # accounts, ledger events and page versions in words (apps above add their own)
