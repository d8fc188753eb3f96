from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "governance"
    label = "governance"
    verbose_name = "Governance"

    def ready(self):
        from consultations.you_said_we_did import register_decision_source
        from portal.audit.links import register_object_link
        from portal.audit.words import register_event_key, register_target_label

        from . import tasks  # noqa: F401  (registers the periodic tasks by name, eager mode included)
        from .labels import EVENT_KEYS, LABELS
        from .links import LINKS
        from .selectors import decisions_citing

        # "You said, we did" on each consultation lists the decisions citing its themes and statements.
        register_decision_source(decisions_citing)
        # The audit ledger's explorer links decisions, meetings and groups to their public pages.
        for target_type, urls_for in LINKS.items():
            register_object_link(target_type, urls_for)
        # The ledger and the history views name decisions, minutes, meetings... in words, never by id.
        for target_type, (labels_for, kind) in LABELS.items():
            register_target_label(target_type, labels_for, kind=kind)
        for key, meaning, action in EVENT_KEYS:
            register_event_key(key, meaning, action=action)

        # Public pages show meetings and groups (and the page cache keeps them): a change to either, from
        # a service or the admin, must not wait for a cached copy.
        from django.db.models.signals import post_delete, post_save

        from portal.home.page_cache import page_cache_clear

        from .models import Body, Meeting

        for model in (Body, Meeting):
            for number, signal in enumerate((post_save, post_delete)):
                signal.connect(page_cache_clear, sender=model, dispatch_uid=f"page-cache-{model.__name__}-{number}")
