from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "portal.home"
    label = "home"
    verbose_name = "Site pages and settings"

    def ready(self):
        from django.core import checks

        checks.register(_shared_cache_check, checks.Tags.caches, deploy=True)
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import PageViewRestriction, Site
        from wagtail.signals import page_published, page_unpublished, post_page_move, published, unpublished

        from .models import SiteSettings
        from .page_cache import page_cache_clear

        # Content changed: every cached public page may now be out of date.
        for number, signal in enumerate((page_published, page_unpublished, post_page_move, published, unpublished)):
            signal.connect(page_cache_clear, dispatch_uid=f"page-cache-{number}")
        post_save.connect(_clear_on_settings_change, sender=SiteSettings, dispatch_uid="page-cache-settings")
        post_delete.connect(_clear_on_page_delete, dispatch_uid="page-cache-page-deleted")
        post_save.connect(page_cache_clear, sender=Site, dispatch_uid="page-cache-site")
        post_delete.connect(page_cache_clear, sender=Site, dispatch_uid="page-cache-site-deleted")
        # Restricting a page (or lifting it) changes who may see it: no copy may outlive that.
        for number, signal in enumerate((post_save, post_delete)):
            signal.connect(page_cache_clear, sender=PageViewRestriction, dispatch_uid=f"page-cache-restriction-{number}")


def _clear_on_settings_change(sender, instance, created=False, **kwargs):
    """A settings row made on first use holds the defaults every page already showed: nothing to forget."""
    from .page_cache import page_cache_clear

    if not created:
        page_cache_clear()


def _clear_on_page_delete(sender, instance, **kwargs):
    from wagtail.models import Page

    from .page_cache import page_cache_clear

    if isinstance(instance, Page):
        page_cache_clear()


def _shared_cache_check(app_configs=None, **kwargs):
    """`check --deploy`: a deployment with more than one web process must share one cache (REDIS_URL),
    or a change made in one process (a page restricted, a role taken away) is not seen by what the
    others keep (stable.py). One process on the in-memory cache is fine, so this is a warning."""
    from django.conf import settings
    from django.core import checks

    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend.endswith("LocMemCache"):
        return [checks.Warning(
            "The cache is in each process's memory. With more than one web process, set REDIS_URL so they "
            "share one: otherwise a page restricted or a role taken away in one process can still be served "
            "by another for up to an hour.",
            id="portal.W001",
        )]
    return []
