"""Governance URLs, namespace `governance`. Mounted at /governance/ by portal/urls.py."""

from django.urls import path

from . import evidence_views, minutes_views, views

app_name = "governance"

urlpatterns = [
    path("", views.index, name="index"),
    path("decisions/", views.decision_register, name="decision-register"),
    path("decisions/<str:reference>/", views.decision_detail, name="decision-detail"),
    path("decisions/<str:reference>/history/", views.decision_history, name="decision-history"),
    path("decisions/<str:reference>/history.csv", views.decision_history_csv, name="decision-history-csv"),
    path("decisions/<str:reference>/history.pdf", views.decision_history_pdf, name="decision-history-pdf"),
    path("decisions/<str:reference>/actions/new/", views.action_new, name="action-new"),
    path("decisions/<str:reference>/outcomes/new/", views.outcome_new, name="outcome-new"),
    path("actions/<int:pk>/", views.action_status, name="action-status"),
    path("bodies/<slug:slug>/", views.body_detail, name="body-detail"),
    path("bodies/<slug:slug>/meetings.ics", views.body_meetings_ics, name="body-meetings-ics"),
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/decisions/new/", views.decision_new, name="decision-new"),
    path("minutes/<int:pk>/circulated/", minutes_views.circulated, name="minutes-circulated"),
    path("evidence/", evidence_views.evidence, name="evidence"),
    path("evidence/export/", evidence_views.evidence_export, name="evidence-export"),
    path("evidence/records/<slug:kind>/", evidence_views.evidence_records, name="evidence-records"),
]
