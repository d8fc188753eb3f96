from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("django-admin/", include("portal.django_admin_urls")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("account/what-came-of-it/", include("portal.hear_back.urls")),
    path("account/", include("portal.accounts.urls")),
    path("governance/", include("governance.urls")),
    path("ballots/", include("voting.urls")),
    path("proposals/", include("proposals.urls")),
    path("involvement/", include("involvement.urls")),
    path("paper-responses/", include("consultations.urls")),
    path("jobs/", include("portal.jobs.urls")),
    path("privacy/", include("portal.privacy.urls")),
    path("", include("portal.audit.urls")),  # /transparency/ and /audit/
    path("", include("portal.home.urls")),
    path("", include("portal.contact.urls")),  # /contact/
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
else:
    from django.urls import re_path
    from django.views.static import serve

    # Image renditions (candidates' photos, page images) are public and there is no separate media
    # server in front of gunicorn, so Django serves them: only the renditions folder, never the
    # originals or anything else under media (documents go through Wagtail's own view and checks).
    urlpatterns += [
        re_path(r"^media/(?P<path>images/[^/]+)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]

urlpatterns += [path("", include(wagtail_urls))]

# A database connection lost part-way through a request (or while its session is saved) gets a 503
# "send it again" page, not the 500 or the 400.
handler400 = "portal.errors.bad_request"
handler500 = "portal.errors.server_error"
