"""Load demo content and accounts. Running it twice creates nothing twice."""

from django.core.management.base import BaseCommand
from django.db import transaction

from consultations import demo as consultations_demo
from portal.accounts import demo as accounts_demo
from portal.home import demo as home_demo
from portal.home.setup import ensure_home_page


class Command(BaseCommand):
    help = "Create demo pages and one demo account per role (idempotent), and print the accounts."

    def handle(self, *args, **options):
        with transaction.atomic():
            ensure_home_page()
            rows = accounts_demo.seed()
            home_demo.seed()
            consultations_demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo content is ready. Demo accounts (sign in at /account/sign-in/ or /admin/):"))
        width = max(len(role) for role, _, _ in rows)
        for role, email, password in rows:
            self.stdout.write(f"  {role:<{width}}  {email:<32} password: {password}")
