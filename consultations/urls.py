"""Typing in paper and event responses, namespace `paper-responses`. Mounted at /paper-responses/."""

from django.urls import path

from . import paper_views

app_name = "paper-responses"
urlpatterns = [
    path("", paper_views.paper_home, name="home"),
    path("consultations/<int:page_id>/new-batch/", paper_views.batch_new, name="batch-new"),
    path("batches/<int:pk>/", paper_views.batch_detail, name="batch"),
    path("batches/<int:pk>/scan/", paper_views.batch_scan, name="batch-scan"),
]
