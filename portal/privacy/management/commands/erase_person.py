"""`manage.py erase_person EMAIL`: erase an account for a request by phone or letter."""

from django.core.management.base import BaseCommand, CommandError

from portal.privacy.erasure import STAFF, ErasureRefused, person_erase
from portal.privacy.selectors import kept_after_erasure

from ._people import person_by_email, staff_by_email


class Command(BaseCommand):
    help = (
        "Erase the account with this email address, exactly as 'Erase my account' does: personal data is "
        "removed, records the charity must keep stay under an anonymous 'Former member', and the "
        "erasure is recorded in the audit ledger. Asks for confirmation unless --yes is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address, as they sign in with it.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        parser.add_argument("--by", metavar="STAFF_EMAIL", help="Your own account's email, recorded as who did it.")

    def handle(self, *args, email, yes=False, by=None, **options):
        person = person_by_email(email)
        staff = staff_by_email(by)
        if staff is not None and staff.pk == person.pk:
            raise CommandError("You cannot erase your own account with --by yourself. Use the account page instead.")
        kept = kept_after_erasure(person=person)
        self.stdout.write(f"This will erase the account of {person.display_name} <{person.email}> for good.")
        if kept:
            self.stdout.write("Kept, as 'Former member': " + "; ".join(kept) + ".")
        if not yes and input("Type 'erase' to go ahead: ").strip().lower() != "erase":
            raise CommandError("Not confirmed; nothing was changed.")
        try:
            report = person_erase(person=person, by=staff, channel=STAFF)
        except ErasureRefused as refused:
            raise CommandError("This account cannot be erased yet. " + " ".join(refused.reasons)) from None
        self.stdout.write(f"Erased. The audit ledger records it as event #{report.event_id}.")
