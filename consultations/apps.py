from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "consultations"
    label = "consultations"
    verbose_name = "Consultations"

    def ready(self):
        from portal.accounts.data_export import register_section
        from portal.audit.words import register_event_key, register_target_label
        from portal.privacy.registry import register_retention_rule

        from . import tasks  # noqa: F401  (registers the periodic task by name, eager mode included)
        from .labels import EVENT_KEYS, LABELS
        from .selectors import data_of
        from .services import paper_scans_rule

        register_section("consultation_responses", data_of)
        register_retention_rule("paper_scans", paper_scans_rule)
        # The ledger and the history views name consultations, themes and answers in words, never by id.
        for target_type, (labels_for, kind) in LABELS.items():
            register_target_label(target_type, labels_for, kind=kind)
        for key, model in EVENT_KEYS.items():
            register_event_key(key, model)
