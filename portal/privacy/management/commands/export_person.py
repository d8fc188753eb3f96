"""`manage.py export_person EMAIL --output FILE`: a "My data" file for a request by phone or letter."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import audit_record
from portal.privacy.selectors import person_data_json

from ._people import person_by_email, staff_by_email


class Command(BaseCommand):
    help = (
        "Write everything the portal holds about the person with this email address to a JSON file "
        "(the same file as 'Download my data'), and record the export in the audit ledger."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's email address, as they sign in with it.")
        parser.add_argument("--output", "-o", required=True, metavar="FILE", help="Where to write the JSON file.")
        parser.add_argument("--by", metavar="STAFF_EMAIL", help="Your own account's email, recorded as who did it.")

    def handle(self, *args, email, output, by=None, **options):
        person = person_by_email(email)
        staff = staff_by_email(by)
        path = Path(output)
        if path.exists():
            raise CommandError(f"{path} already exists. Choose a new file name; nothing was written.")
        content = person_data_json(person=person)
        path.write_bytes(content)
        path.chmod(0o600)
        try:
            audit_record(actor=staff, action="privacy.data_exported", target=person, data={"channel": "staff_command"})
        except Exception:
            path.unlink()  # an export the ledger does not record must not be handed out
            raise
        self.stdout.write(
            f"Wrote {len(content):,} bytes to {path}. Send it to the person securely, then delete your copy."
        )
