from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"
    label = "voting"
    verbose_name = "Voting"

    def ready(self):
        from .evidence import register

        register()  # ballots and turnout in governance's evidence report (governance cannot import us)
