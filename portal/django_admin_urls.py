"""Django's own admin, kept for superusers only; editors and staff use the Wagtail admin."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("", admin.site.urls)]
