"""Background jobs for accounts, run through the outbox (portal.jobs)."""

from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal.emails import site_link
from portal.jobs.registry import job

from .models import User


@job("accounts.send_password_reset")
def send_password_reset(*, user_id: int) -> None:
    """Email a password-reset link. The token is made now, so a late email still carries a fresh link."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    path = reverse(
        "accounts:password-reset-confirm",
        kwargs={"uidb64": urlsafe_base64_encode(force_bytes(user.pk)), "token": default_token_generator.make_token(user)},
    )
    context = {"user": user, "link": site_link(path)}
    send_mail(
        subject="Reset your password",
        message=render_to_string("accounts/email/password_reset.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
