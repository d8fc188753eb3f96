from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    label = "consultations"
    verbose_name = "Consultations"

    def ready(self):
        from portal.accounts.data_export import register_section

        from . import tasks  # noqa: F401  (registers the periodic task by name, eager mode included)
        from .selectors import data_of

        register_section("consultation_responses", data_of)
