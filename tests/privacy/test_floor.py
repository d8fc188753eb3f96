"""The floor for erasure: afterwards no table anywhere holds the person's email, name or id (outside
the pseudonym map, which no longer has them either), the ledger still verifies, and every consultation
result and ballot tally is exactly as it was. Run on SQLite and on PostgreSQL."""

import pytest
from django.core.management import call_command

from consultations.models import Response
from consultations.results import consultation_results
from governance.models import Attendance, Decision, Membership
from portal.audit.models import ActorPseudonym, AuditEvent
from portal.audit.selectors import audit_verify
from portal.privacy.erasure import SELF, person_erase
from voting.models import Ballot, BallotPaper, NamedVote, RollEntry
from voting.services import count_papers

from .scan import id_hits, text_hits
from .world import EMAIL, NAME, build_world

pytestmark = pytest.mark.django_db


def snapshot(world) -> dict:
    """Every result and count that must not change: results per consultation, stored tallies and a
    fresh recount of each ballot, and the number of rows that make up the governance record."""
    ballots = Ballot.objects.filter(pk__in=[b.pk for b in world.ballots]).order_by("pk")
    return {
        "results": [consultation_results(page=page, suppress=False) for page in world.pages],
        "submitted": Response.objects.filter(status=Response.Status.SUBMITTED).count(),
        "tallies": [(b.tally, b.tally_hash) for b in ballots],
        "recounts": [count_papers(b) for b in ballots],
        "rows": [m.objects.count() for m in (BallotPaper, RollEntry, NamedVote, Membership, Attendance, Decision)],
    }


def test_after_erasure_no_table_holds_the_persons_email_name_or_id(client, home_page):
    world = build_world(client)
    person, old_id = world.person, world.person.pk
    key = ActorPseudonym.objects.get(user=person).key
    # The world really does hold the person in live tables, history, Wagtail's and Django's logs,
    # sign-in records and free text others keep.
    places = {
        "accounts_user.email", "axes_accesslog.username", "axes_accessattempt.username",
        "wagtailcore_modellogentry.label", "django_admin_log.object_repr", "governance_actionupdate.text",
        "consultations_response.consent_statement", "consultations_historicalresponse.consent_statement",
    }
    assert places <= set(text_hits([EMAIL, NAME], only={place.split(".")[0] for place in places}))
    before_ids = " ".join(id_hits(old_id))
    for place in ("consultations_historicalresponse.history_user_id", "governance_historicalaction.owner_id",
                  "wagtailcore_pagelogentry.user_id", "wagtailcore_revision.user_id", "voting_namedvote.voter_id",
                  "revision", "session"):
        assert place in before_ids
    before = snapshot(world)
    events_by_person = AuditEvent.objects.filter(actor_key=key).count()

    report = person_erase(person=person, channel=SELF)

    assert text_hits([EMAIL, NAME]) == []
    assert id_hits(old_id) == []
    assert not ActorPseudonym.objects.filter(key=key).exists()
    assert AuditEvent.objects.filter(actor_key=key).count() == events_by_person + 1  # + the erasure itself
    assert audit_verify().ok
    call_command("verify_audit")
    assert snapshot(world) == before
    assert report.counts["responses_anonymised"] == 1 and report.counts["drafts_deleted"] == 1
