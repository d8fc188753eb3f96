from django.urls import path

from . import views

app_name = "voting"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/receipts/", views.receipts, name="receipts"),
    path("<int:pk>/papers.json", views.papers, name="papers"),
]
