from django.urls import path

from . import views

app_name = "contact"
urlpatterns = [
    path("contact/", views.contact, name="form"),
    path("contact/sent/", views.sent, name="sent"),
]
