from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "proposals"
    label = "proposals"
    verbose_name = "Proposals"

    def ready(self):
        from django.db.models import Exists, OuterRef

        from governance.selectors import register_input_source
        from portal.audit.history import hide_history
        from portal.audit.words import register_event_key, register_target_label

        from .evidence import register
        from .labels import EVENT_KEYS, LABELS
        from .models import Proposal
        from .selectors import decision_input_lines

        for target_type, (labels_for, kind) in LABELS.items():
            register_target_label(target_type, labels_for, kind=kind)
        for key, meaning, action in EVENT_KEYS:
            register_event_key(key, meaning, action=action)

        # A proposal's history names its author and who changed it: for an author who chose "a member",
        # that would tell staff reading the history explorer who wrote it. It stays out of the explorer.
        hide_history("proposals.proposal")

        # A decision that answers a members' proposal was shaped by service-user input.
        register_input_source(lambda: Exists(Proposal.objects.filter(decision=OuterRef("pk"))), decision_input_lines)

        register()  # proposals' figures in governance's evidence report (governance cannot import us)
