from django.urls import path

from . import paper_views, views

app_name = "voting"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/receipts/", views.receipts, name="receipts"),
    path("<int:pk>/papers.json", views.papers, name="papers"),
    path("<int:pk>/paper-votes/", paper_views.paper_votes, name="paper-votes"),
    path("<int:pk>/paper-votes/new/", paper_views.paper_vote_new, name="paper-vote-new"),
    path("<int:pk>/paper-votes/<int:number>/check/", paper_views.paper_vote_check, name="paper-vote-check"),
]
