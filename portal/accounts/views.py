"""Front-end account pages: sign up, sign in and out, password reset, profile and "My data"."""

import json

from django.contrib import messages
from django.contrib.auth import login, views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from . import forms, selectors, services, two_factor


@require_http_methods(["GET", "POST"])
def sign_up(request):
    """Create an account and sign the person straight in."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = forms.SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.user_sign_up(**form.cleaned_data)
        login(request, user, backend="portal.accounts.backends.ModelBackendWithProfile")
        messages.success(request, "Your account is ready. You are signed in.")
        return redirect("accounts:profile")
    return render(request, "accounts/sign_up.html", {"form": form}, status=400 if form.errors else 200)


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True

    def form_invalid(self, form):
        response = super().form_invalid(form)
        response.status_code = 400
        return response

    def get_success_url(self):
        """Staff go on to the second step (their authenticator code) before where they were going."""
        url = super().get_success_url()
        user = self.request.user
        if two_factor.needs_two_factor(user) and not two_factor.is_verified(user):
            return two_factor.step_url(user, url)
        return url


class SignOutView(auth_views.LogoutView):
    template_name = "accounts/signed_out.html"


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = forms.PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(email=form.cleaned_data["email"])
        return redirect("accounts:password-reset-sent")
    return render(request, "accounts/password_reset.html", {"form": form}, status=400 if form.errors else 200)


def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.NewPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The person's own page: their name and how the portal should treat them."""
    form = forms.ProfileForm(request.POST or None, instance=services.profile_for(request.user))
    if request.method == "POST" and form.is_valid():
        preferences = {name: form.cleaned_data[name] for name in form.Meta.fields}
        services.profile_update(
            user=request.user, display_name=form.cleaned_data["display_name"], preferences=preferences
        )
        messages.success(request, "Your changes are saved.")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def my_data(request):
    """Download everything the portal holds about the signed-in person, as a JSON file."""
    data = selectors.user_data_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response["Cache-Control"] = "no-store"
    return response


CHECK_HINT = (
    "Open the authenticator app on your phone and type the 6-digit code it shows for Together Voices."
)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_check(request):
    """The "Check it's you" step: staff type their app's code (or a backup code) once per session."""
    user, next_url = request.user, two_factor.safe_next(request)
    if not two_factor.needs_two_factor(user) or two_factor.is_verified(user):
        return redirect(next_url)
    if two_factor.app_device(user) is None:
        return redirect(two_factor.step_url(user, next_url))
    form = two_factor.CodeForm(request.POST or None, label="Code", hint=CHECK_HINT, numeric=False)
    status = 400 if form.errors else 200
    if request.method == "POST" and form.is_valid():
        result = two_factor.code_check(user=user, code=form.cleaned_data["code"])
        if result.device is not None:
            two_factor.session_verify(request, result.device)
            if result.used_backup_code:
                left = two_factor.backup_codes_left(user)
                messages.info(request, f"You used a backup code. You have {left} left. Each one works once.")
            return redirect(next_url)
        form.add_error("code", result.message)
        status = 429 if result.paused else 400
    return render(request, "accounts/two_factor_check.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    """Add an authenticator app: scan the QR code (or type the key), then type its first code."""
    user, next_url = request.user, two_factor.safe_next(request)
    if not two_factor.needs_two_factor(user):
        return redirect(next_url)
    if two_factor.app_device(user) is not None:
        return redirect(two_factor.step_url(user, next_url))
    device = two_factor.pending_app_device(user)
    form = two_factor.CodeForm(
        request.POST or None, label="Code from the app", hint="For example, 123456.", numeric=True
    )
    status = 400 if form.errors else 200
    if request.method == "POST" and form.is_valid():
        result = two_factor.enrolment_confirm(user=user, device=device, code=form.cleaned_data["code"])
        if result.device is not None:
            two_factor.session_verify(request, result.device)
            request.session[two_factor.BACKUP_CODES_SESSION_KEY] = two_factor.backup_codes_create(user=user)
            return redirect(f"{reverse('accounts:two-factor-backup-codes')}?{urlencode({'next': next_url})}")
        form.add_error("code", result.message)
        status = 429 if result.paused else 400
    context = {
        "form": form,
        "qr_code": two_factor.qr_code_data_uri(device),
        "secret": two_factor.secret_in_groups(device),
    }
    return render(request, "accounts/two_factor_setup.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_backup_codes(request):
    """New backup codes, shown once; a verified member of staff can make a new set (old ones stop working)."""
    user, next_url = request.user, two_factor.safe_next(request)
    if not two_factor.needs_two_factor(user) or not two_factor.is_verified(user):
        return redirect(next_url)
    if request.method == "POST":
        request.session[two_factor.BACKUP_CODES_SESSION_KEY] = two_factor.backup_codes_create(user=user)
        return redirect(request.get_full_path())
    context = {
        "codes": request.session.pop(two_factor.BACKUP_CODES_SESSION_KEY, None),
        "left": two_factor.backup_codes_left(user),
        "next": next_url,
    }
    response = render(request, "accounts/two_factor_backup_codes.html", context)
    response["Cache-Control"] = "no-store"
    return response
