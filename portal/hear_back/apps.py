from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class HearBackConfig(AppConfig):
    name = "portal.hear_back"
    label = "hear_back"
    verbose_name = "Hearing back"

    def ready(self) -> None:
        # Apps above the portal say who hears back about their news in their own `hear_back.py`
        # (register_audience), because the portal may not import them.
        autodiscover_modules("hear_back")
