from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PrivacyConfig(AppConfig):
    name = "portal.privacy"
    label = "privacy"
    verbose_name = "Privacy and data rights"

    def ready(self) -> None:
        # Each app's privacy.py says what it holds about a person (its "My data" sections), how to
        # erase it and what it keeps by retention rules; the portal layer never imports those apps.
        autodiscover_modules("privacy")
        from . import retention, sections, tasks, your_data  # noqa: F401  (our rules, sections, email names; the daily task)

        sections.register()
