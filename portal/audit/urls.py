from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("transparency/", views.transparency, name="transparency"),
    path("audit/", views.explorer, name="explorer"),
    path("audit/history/", views.history, name="history"),
    path("audit/check/", views.verify_start, name="verify-start"),
    path("audit/check/<uuid:pk>/", views.verify_result, name="verify-result"),
    path("transparency/checkpoints/<int:pk>.json", views.checkpoint_download, name="checkpoint-file"),
]
