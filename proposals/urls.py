"""Proposals URLs, namespace `proposals`. Mounted at /proposals/ by portal/urls.py."""

from django.urls import path

from . import moderation_views, views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("proposals.csv", views.proposal_list_csv, name="list-csv"),
    path("new/", views.proposal_new, name="new"),
    path("new/for-someone/", views.proposal_new_assisted, name="new-assisted"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/support/", views.proposal_support, name="support"),
    path("<int:pk>/support/withdraw/", views.proposal_support_withdraw, name="support-withdraw"),
    path("<int:pk>/take-forward/", views.proposal_take_forward, name="take-forward"),
    path("<int:pk>/place/", views.proposal_place, name="place"),
    path("<int:pk>/decide/", views.proposal_decide, name="decide"),
    # Moderation, comments and reports (proposals/moderation_views.py).
    path("<int:pk>/comments/new/", moderation_views.comment_new, name="comment-new"),
    path("<int:pk>/change/", moderation_views.proposal_resubmit, name="proposal-resubmit"),
    path("<int:pk>/report/", moderation_views.proposal_report, name="proposal-report"),
    path("comments/<int:pk>/change/", moderation_views.comment_resubmit, name="comment-resubmit"),
    path("comments/<int:pk>/report/", moderation_views.comment_report, name="comment-report"),
    path("moderation/", moderation_views.queue, name="moderation-queue"),
    path("moderation/proposals/<int:pk>/", moderation_views.moderate_proposal, name="moderate-proposal"),
    path("moderation/comments/<int:pk>/", moderation_views.moderate_comment, name="moderate-comment"),
]
