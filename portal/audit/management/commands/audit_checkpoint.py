"""`manage.py audit_checkpoint`: record the current head of the audit chain, ready to publish."""

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from portal.audit.services import AuditChainBroken, audit_checkpoint


class Command(BaseCommand):
    help = (
        "Record an audit.checkpoint event holding the head hash and event count before it, and print "
        "them so they can be published in minutes or on the website."
    )

    def handle(self, *args, **options):
        try:
            event = audit_checkpoint()
        except AuditChainBroken as error:
            raise CommandError(
                f"{error} No checkpoint was recorded: run verify_audit, find out what changed, "
                "and publish a checkpoint only once the ledger is whole."
            ) from error
        count = event.data["count"]
        self.stdout.write(
            f"Checkpoint recorded as event {event.pk}.\n"
            f"Publish this: head hash {event.data['head_hash']} after {count} event{pluralize(count)}."
        )
