from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("my-data/", views.my_data, name="my-data"),
    path("my-data/pdf/", views.my_data_pdf, name="my-data-pdf"),
    path("consents/", views.consents, name="consents"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent-withdraw"),
    path("lived-experience/", views.lived_experience, name="lived-experience"),
    path("erase/", views.erase, name="erase"),
    path("erase/done/", views.erased, name="erased"),
]
