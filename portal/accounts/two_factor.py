"""Two-step sign-in for staff: a code from an authenticator app (TOTP) after the password.

Who: everyone who can reach the Wagtail admin (`wagtailadmin.access_admin`), Django's admin
(`is_staff`), people's payments (Finance: `roles.TWO_STEP_PERMISSIONS`) or everything (`is_superuser`),
while PORTAL_STAFF_2FA is on. Service users and peer workers without admin access never see any of this.

What: until such a person has typed a code in this session, `StaffTwoFactorMiddleware` shows them
nothing but the two-step pages: "Check it's you" if they have a confirmed authenticator, or "Set up
two-step sign-in" (a QR code, the key as text, and a first code to confirm it) if they have none, then
ten single-use backup codes shown once. Staff permissions reach past /admin/ (the audit explorer,
consultation analysis), so the whole site waits for the code, not only the admin.

Wrong codes: django-otp's own back-off (1, 2, 4, 8 seconds...) applies to each device, and after
MAX_WRONG_CODES wrong codes in a row, with the last less than WRONG_CODE_PAUSE ago, every code is
refused until the pause is over. Both use the devices' throttling counters, so they hold across
sessions and browsers. A right code resets the count.

A verified session: the device is recorded in the session by django-otp (`django_otp.login`) after
the session key is changed, so a key seen before the code was typed is worthless afterwards.
"""

from base64 import b32encode
from dataclasses import dataclass
from datetime import timedelta

import segno
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Submit
from django import forms
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import login as otp_login, verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import roles

APP_DEVICE_NAME = "Authenticator app"
DEMO_DEVICE_NAME = "Demo authenticator (seed_demo)"
BACKUP_DEVICE_NAME = "Backup codes"
BACKUP_CODE_COUNT = 10
BACKUP_CODES_SESSION_KEY = "two_factor_new_backup_codes"
MAX_WRONG_CODES = 5
WRONG_CODE_PAUSE = timedelta(minutes=15)

WRONG_CODE = (
    "That code did not work. Check you are looking at the code for Together Voices, and type the newest one."
)
WRONG_FIRST_CODE = (
    "That code did not work. Type the 6-digit code your app shows now. If it still does not work, "
    "check the time on your phone is set automatically."
)
TOO_FAST = "Please wait a few seconds, then type the newest code."
PAUSED = (
    "A wrong code was typed too many times, so we have paused codes for this account for 15 minutes. "
    "This keeps the account safe. You have not lost anything: try again after 15 minutes."
)


def needs_two_factor(user) -> bool:
    """True if this person must type an authenticator code before seeing any page (staff only)."""
    return bool(
        settings.PORTAL_STAFF_2FA
        and user.is_authenticated
        and user.is_active
        and (user.is_superuser or user.is_staff or any(user.has_perm(p) for p in roles.TWO_STEP_PERMISSIONS))
    )


def is_verified(user) -> bool:
    """True once a code has been typed in this session (django-otp's middleware sets `is_verified`)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def app_device(user) -> TOTPDevice | None:
    """The person's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def step_url(user, next_url: str) -> str:
    """Where an unverified member of staff goes next: the code check, or setting up an authenticator."""
    name = "accounts:two-factor-check" if app_device(user) else "accounts:two-factor-setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def safe_next(request) -> str:
    """The `next` address from the query or form if it is a path on this site, else the person's profile.

    Only a path: redirect() would take any other text for a URL name and fail (a 500) looking it up.
    """
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _exempt_paths() -> tuple[str, ...]:
    """The pages an unverified member of staff may still open: the two-step pages and signing out."""
    names = ["accounts:two-factor-check", "accounts:two-factor-setup", "accounts:two-factor-backup-codes"]
    names += ["accounts:logout", "wagtailadmin_logout", "admin:logout"]
    return (*(reverse(name) for name in names), settings.STATIC_URL)


class StaffTwoFactorMiddleware:
    """Send staff who have not typed a code this session to the two-step pages, whatever they asked for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if needs_two_factor(user) and not is_verified(user) and not request.path_info.startswith(_exempt_paths()):
            return redirect(step_url(user, request.get_full_path()))
        # The person is known by now (read above), so the rest of the request uses them directly rather
        # than through two lazy wrappers (Django's and django-otp's), which every one of the few hundred
        # uses of request.user on a page went through.
        request.user = unwrapped(user)
        return self.get_response(request)


def unwrapped(user):
    """The object behind Django's lazy request.user (and django-otp's wrapper around it)."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


# --- Devices and codes --------------------------------------------------------------------------


def pending_app_device(user) -> TOTPDevice:
    """The authenticator being set up: one unconfirmed device, kept so the QR code stays the same."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def secret_in_groups(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32, in groups of four ("ABCD EFGH ...")."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// address as a QR code, an SVG data URI for an <img> (no script, no file)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=4)


def current_code(device: TOTPDevice) -> str:
    """The code the device's app shows now (for the demo command; never shown on a page)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def paused(user) -> bool:
    """True while MAX_WRONG_CODES wrong codes in a row were typed, the last within WRONG_CODE_PAUSE."""
    since = timezone.now() - WRONG_CODE_PAUSE
    return any(
        model.objects.filter(
            user=user, throttling_failure_count__gte=MAX_WRONG_CODES, throttling_failure_timestamp__gt=since
        ).exists()
        for model in (TOTPDevice, StaticDevice)
    )


@dataclass(frozen=True)
class CodeCheck:
    """What happened to a typed code: the device that took it, or a message to show."""

    device: TOTPDevice | StaticDevice | None = None
    message: str = ""
    paused: bool = False

    @property
    def used_backup_code(self) -> bool:
        return isinstance(self.device, StaticDevice)


def _check(user, device, code: str, wrong: str) -> CodeCheck:
    if paused(user):
        return CodeCheck(message=PAUSED, paused=True)
    if device is None:
        return CodeCheck(message=wrong)
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return CodeCheck(message=TOO_FAST)
    verified = verify_token(user, device.persistent_id, code)
    if verified is not None:
        return CodeCheck(device=verified)
    return CodeCheck(message=PAUSED, paused=True) if paused(user) else CodeCheck(message=wrong)


def code_check(*, user, code: str) -> CodeCheck:
    """Check a code typed at "Check it's you": 6 digits go to the app, anything else to the backup codes."""
    code = _normalised(code)
    if code.isdigit():
        return _check(user, app_device(user), code, WRONG_CODE)
    backup = StaticDevice.objects.devices_for_user(user, confirmed=True).first()
    return _check(user, backup, code, WRONG_CODE)


def enrolment_confirm(*, user, device: TOTPDevice, code: str) -> CodeCheck:
    """Confirm a new authenticator with its first code; it replaces nothing until that code is right."""
    result = _check(user, device, _normalised(code), WRONG_FIRST_CODE)
    if result.device is not None:
        with transaction.atomic():
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
    return result


def backup_codes_create(*, user) -> list[str]:
    """Make a fresh set of single-use backup codes (any older set stops working) and return them."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user).count()


def session_verify(request, device) -> None:
    """Mark this session as having passed the code check, under a new session key."""
    request.session.cycle_key()
    otp_login(request, device)


def demo_device(user) -> TOTPDevice:
    """The demo account's authenticator (created once, confirmed); seed_demo prints its key."""
    device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME).first()
    return device or TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, confirmed=True)


# --- Forms -------------------------------------------------------------------------------------


class CodeForm(forms.Form):
    """One box for a code. Spaces are allowed (apps show "123 456"); the check ignores them."""

    code = forms.CharField(
        label="Code",
        max_length=24,
        error_messages={
            "required": "Enter the code",
            "max_length": "That is too long to be a code. Check it and try again.",
        },
    )

    def __init__(self, *args, label: str, hint: str, numeric: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        field.label, field.help_text = label, hint
        field.widget.attrs.pop("maxlength", None)
        field.widget.attrs.update(autocomplete="one-time-code", spellcheck="false", autocapitalize="off")
        if numeric:
            field.widget.attrs.update(inputmode="numeric")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("code", field_width=Fluid.ONE_THIRD), Submit("submit", "Continue")
        )
