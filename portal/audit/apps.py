from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"
    verbose_name = "Audit ledger"

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (registers the monthly task by name, eager mode included)
