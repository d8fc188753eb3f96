"""Print the current two-step sign-in code of a demo staff account, so a reviewer can sign in."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.accounts import two_factor
from portal.accounts.models import User


class Command(BaseCommand):
    help = (
        "Print the 6-digit code a demo staff account's authenticator shows now. Refuses unless DEBUG is on "
        "or the account's authenticator is a demo one (made by seed_demo)."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The demo account's email address, e.g. editor@example.org")

    def handle(self, *args, email: str, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"There is no account with the email address {email}.")
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=True)
        device = devices.filter(name=two_factor.DEMO_DEVICE_NAME).first() or devices.first()
        if device is None:
            raise CommandError(f"{email} has no authenticator. Staff set one up when they first sign in.")
        if not (settings.DEBUG or device.name == two_factor.DEMO_DEVICE_NAME):
            raise CommandError(
                f"Refused: {email} has a real authenticator and DEBUG is off. "
                "This command is only for demo accounts (seed_demo) or a development copy."
            )
        self.stdout.write(two_factor.current_code(device))
        self.stderr.write(
            "A new code comes every 30 seconds; each one works once. If it is refused, run this again."
        )
