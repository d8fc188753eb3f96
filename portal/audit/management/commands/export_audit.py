"""`manage.py export_audit FILE`: the whole ledger as JSON, for `python -m portal.audit.verify_export`."""

from django.core.management.base import BaseCommand

from portal.audit.selectors import ledger_export_lines


class Command(BaseCommand):
    help = "Write the whole audit ledger, oldest first, as JSON that portal/audit/verify_export.py checks."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write it ('-' for standard output).")

    def handle(self, *args, file: str, **options):
        out = self.stdout if file == "-" else open(file, "w", encoding="utf-8")  # noqa: SIM115 - closed below
        count = 0
        try:
            for line in ledger_export_lines():
                out.write(line) if file != "-" else self.stdout.write(line, ending="")
                count += 1
        finally:
            if file != "-":
                out.close()
        if file != "-":
            self.stdout.write(f"Wrote {max(count - 2, 0)} events to {file}.")
