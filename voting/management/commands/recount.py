"""Count a closed ballot again from its papers and compare with the stored tally, exactly."""

import json

from django.core.management.base import BaseCommand, CommandError

from voting import tally
from voting.models import Ballot
from voting.services import count_papers


class Command(BaseCommand):
    help = "Recount a closed ballot from its papers; exit 0 when the tally (and its hash) match exactly."

    def add_arguments(self, parser):
        parser.add_argument("ballot", type=int, help="The ballot's id.")
        parser.add_argument("--show", action="store_true", help="Print the recounted tally as JSON.")

    def handle(self, *args, ballot: int, show: bool, **options):
        found = Ballot.objects.filter(pk=ballot).first()
        if found is None:
            raise CommandError(f"There is no ballot {ballot}.")
        if found.status != Ballot.Status.CLOSED:
            raise CommandError("That ballot is not closed yet, so it has no stored tally to compare with.")
        result = count_papers(found)
        digest = tally.tally_hash(result)
        if show:
            self.stdout.write(json.dumps(result, indent=2, sort_keys=True))
        if digest != found.tally_hash:
            raise CommandError(f"MISMATCH: the recount gives {digest}, the stored tally says {found.tally_hash}.")
        self.stdout.write(f"Recount matches the stored tally: {digest} ({result['turnout']['papers']} papers).")
