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

        # A decision's page and its minutes show the ballots that settle it (kept in the cache for each
        # generation): opening, closing or editing a ballot must show at once.
        from django.db.models.signals import post_delete, post_save

        from portal.home.page_cache import page_cache_clear

        from .models import Ballot

        for number, signal in enumerate((post_save, post_delete)):
            signal.connect(page_cache_clear, sender=Ballot, dispatch_uid=f"page-cache-ballot-{number}")
