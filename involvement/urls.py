"""Involvement URLs, namespace `involvement`. Mounted at /involvement/ by portal/urls.py.

Members: /involvement/ (opportunities), /involvement/mine/ (claims and payments). Staff who run
opportunities: /involvement/staff/. Finance: /involvement/finance/.
"""

from django.urls import path

from . import finance_views, staff_views, views

app_name = "involvement"

urlpatterns = [
    # Members (involvement/views.py).
    path("", views.opportunity_list, name="opportunities"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity"),
    path("opportunities/<int:pk>/withdraw/", views.interest_withdraw, name="interest-withdraw"),
    path("mine/", views.mine, name="mine"),
    path("mine/claim/<int:pk>/", views.claim_new, name="claim-new"),
    path("mine/claims/<int:pk>/", views.claim_detail, name="claim"),
    path("mine/claims/<int:pk>/withdraw/", views.claim_withdraw, name="claim-withdraw"),
    path("mine/statement/<int:year>/", views.statement_pdf, name="statement"),
    path("receipts/<int:pk>/", views.receipt, name="receipt"),
    # Staff who run opportunities (involvement/staff_views.py).
    path("staff/", staff_views.opportunities, name="staff"),
    path("staff/new/", staff_views.opportunity_new, name="staff-new"),
    path("staff/event-work/", staff_views.event_work, name="staff-event-work"),
    path("staff/<int:pk>/", staff_views.opportunity_people, name="staff-opportunity"),
    path("staff/<int:pk>/change/", staff_views.opportunity_change, name="staff-opportunity-change"),
    # Finance (involvement/finance_views.py).
    path("finance/", finance_views.queue, name="finance"),
    path("finance/claims/<int:pk>/", finance_views.claim_review, name="finance-claim"),
    path("finance/batches/", finance_views.batches, name="finance-batches"),
    path("finance/batches/<int:pk>/", finance_views.batch_detail, name="finance-batch"),
    path("finance/batches/<int:pk>/export.csv", finance_views.batch_csv, name="finance-batch-csv"),
    path("finance/rates/", finance_views.rates, name="finance-rates"),
]
