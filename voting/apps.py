from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"
    label = "voting"
    verbose_name = "Voting"

    def ready(self):
        from portal.audit.words import register_target_label

        from .evidence import register
        from .labels import LABELS

        register()  # ballots and turnout in governance's evidence report (governance cannot import us)
        # The ledger and the history views name ballots and their options in words, never by id.
        for target_type, labels_for in LABELS.items():
            register_target_label(target_type, labels_for)
