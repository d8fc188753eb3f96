"""`manage.py verify_audit`: re-walk the audit chain and name the first bad event."""

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from portal.audit.selectors import audit_verify


class Command(BaseCommand):
    help = (
        "Check every audit event follows the one before it and matches its hash. "
        "Exits 0 and prints the event count and head hash when the chain is whole; "
        "otherwise names the first bad event and exits 1."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--published-head",
            "--head",
            dest="published_head",
            metavar="HASH",
            help="A head hash published by audit_checkpoint (in minutes or on /transparency/); "
            "fail unless it is still in the chain.",
        )

    def handle(self, *args, published_head=None, **options):
        if published_head is not None:
            published_head = "".join(published_head.split()).lower()  # as copied from minutes or a web page
        result = audit_verify(published_head=published_head)
        if not result.ok:
            if result.first_bad_id is None:
                raise CommandError(
                    f"The audit ledger does not match its published checkpoint: {result.reason}."
                )
            raise CommandError(
                f"The audit ledger is broken at event {result.first_bad_id}: {result.reason}. "
                f"Events before it that check out: {result.count}."
            )
        self.stdout.write(
            f"The audit ledger is intact: {result.count} event{pluralize(result.count)}, "
            f"head hash {result.head_hash}."
        )
