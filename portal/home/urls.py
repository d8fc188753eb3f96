from django.urls import path

from . import views

app_name = "home"
urlpatterns = [
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("privacy-notice/", views.privacy_notice, name="privacy-notice"),
]
