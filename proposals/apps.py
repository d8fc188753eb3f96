from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    label = "proposals"
    verbose_name = "Proposals"

    def ready(self):
        from portal.audit.history import hide_history
        from portal.audit.words import register_event_key, register_target_label

        from .labels import EVENT_KEYS, LABELS

        for target_type, (labels_for, kind) in LABELS.items():
            register_target_label(target_type, labels_for, kind=kind)
        for key, meaning, action in EVENT_KEYS:
            register_event_key(key, meaning, action=action)

        # A proposal's history names its author and who changed it: for an author who chose "a member",
        # that would tell staff reading the history explorer who wrote it. It stays out of the explorer.
        hide_history("proposals.proposal")

        from .evidence import register

        register()  # proposals' figures in governance's evidence report (governance cannot import us)
