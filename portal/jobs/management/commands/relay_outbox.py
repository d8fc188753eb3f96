"""`manage.py relay_outbox`: what Celery beat does every minute, by hand."""

from django.core.management.base import BaseCommand

from portal.jobs.services import outbox_relay, outbox_run_due_here


class Command(BaseCommand):
    help = (
        "Hand due background jobs (the outbox) to the job queue: ones the queue was down for, retries, "
        "and ones whose worker stopped. Safe to run at any time; each job still runs once."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--here",
            action="store_true",
            help="Run the due jobs in this process instead, for when the job queue is down for long.",
        )

    def handle(self, *args, here: bool = False, **options):
        if here:
            done = outbox_run_due_here()
            self.stdout.write(f"Ran {done} job(s) here.")
        else:
            sent = outbox_relay()
            self.stdout.write(f"Handed {sent} job(s) to the job queue.")
