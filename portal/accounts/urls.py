from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("sign-up/", views.sign_up, name="sign-up"),
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("two-step/check/", views.two_factor_check, name="two-factor-check"),
    path("two-step/set-up/", views.two_factor_setup, name="two-factor-setup"),
    path("two-step/backup-codes/", views.two_factor_backup_codes, name="two-factor-backup-codes"),
    path("password-reset/", views.password_reset, name="password-reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password-reset-sent"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
    path("profile/", views.profile, name="profile"),
    path("my-data/", views.my_data, name="my-data"),
]
