"""`manage.py verify_audit`: re-walk the audit chain and its checkpoints; name the first bad event."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import pluralize

from portal.audit.selectors import audit_verify


def _checkpoint_arg(text: str) -> dict:
    count, _, head = "".join(text.split()).partition(":")
    return {"count": count, "head_hash": head.lower()}


class Command(BaseCommand):
    help = (
        "Check every audit event follows the one before it and matches its hash, that every checkpoint in "
        "the chain quotes the chain as it is and carries the portal's signature, and that the chain matches "
        "any checkpoint saved outside the database. Exits 0 with the event count and head hash when it all "
        "holds; otherwise names the first bad event or the missing events and exits 1."
    )

    def add_arguments(self, parser):
        parser.add_argument("--published-head", "--head", dest="published_head", metavar="HASH",
                            help="A head hash published in minutes or on /transparency/: fail unless it is in the chain.")
        parser.add_argument("--checkpoint", action="append", default=[], metavar="COUNT:HASH",
                            help="A checkpoint kept outside the database: the chain's COUNTth event must have HASH. "
                                 "May be given more than once.")
        parser.add_argument("--checkpoint-file", action="append", default=[], metavar="FILE",
                            help="A signed checkpoint file (downloaded from /transparency/ or emailed to trustees). "
                                 "May be given more than once.")

    def handle(self, *args, published_head=None, checkpoint=(), checkpoint_file=(), **options):
        if published_head is not None:
            published_head = "".join(published_head.split()).lower()  # as copied from minutes or a web page
        saved = [_checkpoint_arg(text) for text in checkpoint]
        for path in checkpoint_file:
            try:
                with open(path, encoding="utf-8") as file:
                    saved.append(json.load(file))
            except (OSError, ValueError) as error:
                raise CommandError(f"The checkpoint file {path} could not be read: {error}.") from error
        result = audit_verify(published_head=published_head, saved=saved)
        if not result.ok:
            if result.first_bad_id is None:
                which = "its published checkpoint" if "published head" in result.reason else "a checkpoint saved outside it"
                raise CommandError(f"The audit ledger does not match {which}: {result.reason}.")
            raise CommandError(
                f"The audit ledger is broken at event {result.first_bad_id}: {result.reason}. "
                f"Events before it that check out: {result.count}."
            )
        self.stdout.write(
            f"The audit ledger is intact: {result.count} event{pluralize(result.count)}, "
            f"head hash {result.head_hash}; {result.checkpoints_checked} checkpoint"
            f"{pluralize(result.checkpoints_checked)} checked."
        )
