"""`manage.py export_audit FILE`: the whole ledger as JSON, for `python -m portal.audit.verify_export`."""

from django.core.management.base import BaseCommand

from portal.audit.selectors import ledger_export_lines


class Command(BaseCommand):
    help = "Write the whole audit ledger, oldest first, as JSON that portal/audit/verify_export.py checks."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write it ('-' for standard output).")

    def handle(self, *args, file: str, **options):
        if file == "-":
            for line in ledger_export_lines():
                self.stdout.write(line, ending="")
            return
        with open(file, "w", encoding="utf-8") as out:
            out.writelines(ledger_export_lines())
        self.stdout.write(f"Wrote the ledger to {file}.")
