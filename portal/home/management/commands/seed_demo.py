"""Load demo content and accounts. Running it twice creates nothing twice."""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from portal.accounts import demo as accounts_demo
from portal.home.setup import ensure_home_page


def app_demo_modules():
    """Each installed app's `demo` module, in INSTALLED_APPS order (lower layers first).

    Found by name rather than imported here, so the portal layer never imports the apps above it.
    """
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        ours = str(config.path).startswith(str(settings.BASE_DIR)) and ".venv" not in str(config.path)
        if ours and config.name != accounts_demo.__package__ and find_spec(name) is not None:
            yield import_module(name)


class Command(BaseCommand):
    help = "Create demo pages and one demo account per role (idempotent), and print the accounts."

    def handle(self, *args, **options):
        with transaction.atomic():
            ensure_home_page()
            rows = accounts_demo.seed()
            for module in app_demo_modules():
                module.seed()
        self.stdout.write(self.style.SUCCESS("Demo content is ready. Demo accounts (sign in at /account/sign-in/ or /admin/):"))
        width = max(len(row[0]) for row in rows)
        for role, email, password, key in rows:
            key_note = f"  authenticator key: {key}" if key else ""
            self.stdout.write(f"  {role:<{width}}  {email:<32} password: {password:<24}{key_note}".rstrip())
        self.stdout.write(
            f"Every other demo person (board and council members such as grace.chair@example.org or\n"
            f"jo.council@example.org, and the voters member01@members.example.org to member60@...) signs in\n"
            f"with the password {accounts_demo.MEMBER_PASSWORD}.\n"
            "Staff accounts (those with an authenticator key) are asked for a 6-digit code after the\n"
            "password: add the key to an authenticator app, or run `python manage.py demo_otp EMAIL`\n"
            "for the current code."
        )
