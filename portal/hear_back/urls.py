from django.urls import path

from . import views

app_name = "hear_back"

urlpatterns = [
    path("", views.what_came_of_it, name="list"),
]
