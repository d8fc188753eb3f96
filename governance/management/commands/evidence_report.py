"""`manage.py evidence_report`: the evidence report as a file, for scheduled use (a cron job, a yearly
annual-report run). The same figures as the page and the long jobs.

    python manage.py evidence_report --from 2025-04-01 --to 2026-03-31 [--body SLUG] [--public] \\
        --format csv|json|pdf --output FILE

Without --public it writes the trustees' version (every number): keep that file among trustees.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.home.models import SiteSettings

from ...evidence import evidence_report, period_from_params
from ...evidence_exports import report_csv, report_json, report_pdf

WRITERS = {"csv": report_csv, "json": report_json, "pdf": report_pdf}


class Command(BaseCommand):
    help = "Write the evidence report (4Pi) for a period, and optionally one group, as CSV, JSON or PDF."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="First day, YYYY-MM-DD.")
        parser.add_argument("--to", dest="end", required=True, help="Last day, YYYY-MM-DD (included).")
        parser.add_argument("--body", default="", help="A group's slug, e.g. board-of-trustees. All groups if left out.")
        parser.add_argument("--public", action="store_true", help="The public version: small numbers hidden.")
        parser.add_argument("--format", choices=sorted(WRITERS), required=True)
        parser.add_argument("--output", required=True, help="The file to write.")

    def handle(self, *args, start, end, body, public, format, output, **options):
        try:
            period = period_from_params({"from": start, "to": end, "body": body})
        except ValueError as error:
            raise CommandError(str(error)) from None
        report = evidence_report(period=period, public=public)
        if format == "pdf":
            settings_row = SiteSettings.objects.filter(site__is_default_site=True).first()
            content = report_pdf(report, organisation=settings_row.organisation_name if settings_row else "")
        else:
            content = WRITERS[format](report)
        path = Path(output)
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Could not write {path}: {error.strerror}.") from None
        version = "public" if public else "trustees'"
        self.stdout.write(f"Wrote the {version} evidence report ({len(report.figures)} figures) to {path}.")
