from django.apps import AppConfig


class InvolvementConfig(AppConfig):
    name = "involvement"
    label = "involvement"
    verbose_name = "Involvement payments"

    def ready(self):
        from portal.audit.words import register_event_key, register_target_label

        from . import signals
        from .evidence import register
        from .labels import EVENT_KEYS, LABELS

        for target_type, (labels_for, kind) in LABELS.items():
            register_target_label(target_type, labels_for, kind=kind)
        for key, meaning, action in EVENT_KEYS:
            register_event_key(key, meaning, action=action)

        signals.connect()  # attendance and meetings in governance make participation here
        register()  # involvement's figures in governance's evidence report (governance cannot import us)
