from django.apps import AppConfig


class VotingConfig(AppConfig):
    name = "voting"
    label = "voting"
    verbose_name = "Voting"
