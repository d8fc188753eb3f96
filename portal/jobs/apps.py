from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "portal.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Every app's jobs.py registers its handlers; our tasks module registers the Celery tasks, so
        # eager mode (no worker, no autodiscovery) finds them by name too.
        autodiscover_modules("jobs")
        from . import tasks  # noqa: F401
