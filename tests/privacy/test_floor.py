"""The floor for erasure: afterwards no table anywhere holds the person's email, name or id (outside
the pseudonym map, which no longer has them either), a dump of the whole database (SQLite's `.dump`,
PostgreSQL's `pg_dump`) holds neither their email nor their name, no event links their pseudonym to
the erasure, the ledger still verifies, and every consultation result, ballot tally and evidence
figure is exactly as it was. Run on SQLite and on PostgreSQL."""

import json
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

from consultations.models import Response
from consultations.results import consultation_results
from governance.evidence import default_period, evidence_report
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
        "evidence": [f.as_row() for f in evidence_report(period=default_period(), public=False).figures
                     if f.key != "process.people"],
        "people": evidence_report(period=default_period(), public=False).figure("process.people").value,
    }


def unchanged_but_people(after: dict, before: dict) -> None:
    """Every figure is as it was, except "People who took part (each person once)": the person was one
    person across their named answer, meetings and ballots; afterwards nothing links their answer (now
    without a name) to the husk, so it counts as one more person, as every answer without a name does."""
    assert after["people"] == before["people"] + 1
    assert {**after, "people": None} == {**before, "people": None}


def database_dump() -> str:
    """The whole database as SQL, as someone who copied it would read it (lower case)."""
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump()).lower()
    db = connection.settings_dict
    command = ["pg_dump", "--no-owner", "-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432),
               "-U", db["USER"] or "postgres", db["NAME"]]
    dumped = subprocess.run(command, capture_output=True, text=True, check=True, env={"PGPASSWORD": db["PASSWORD"] or ""})
    return dumped.stdout.lower()


def erase_and_check_the_dump(client):
    world = build_world(client)
    key = ActorPseudonym.objects.get(user=world.person).key
    dump = database_dump()
    for needle in (EMAIL, NAME):  # the world really does hold them
        assert needle.lower() in dump
    before = snapshot(world)

    person_erase(person=world.person, channel=SELF)

    dump = database_dump()
    assert EMAIL.lower() not in dump and NAME.lower() not in dump
    assert NAME.split()[1].lower() not in dump  # the surname is rare enough to be only theirs
    [erasure] = AuditEvent.objects.filter(action="account.erased")
    assert key not in json.dumps(erasure.data) + erasure.actor_key + erasure.target_id
    assert audit_verify().ok
    unchanged_but_people(snapshot(world), before)


@pytest.mark.django_db(transaction=True)  # committed, so pg_dump (another connection) sees it
def test_a_dump_of_the_database_holds_neither_their_email_nor_their_name(client, home_page):
    """SQLite's `.dump` in the default run, `pg_dump` in the PostgreSQL stage."""
    erase_and_check_the_dump(client)


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
    assert AuditEvent.objects.filter(actor_key=key).count() == events_by_person  # the erasure is not among them
    assert audit_verify().ok
    call_command("verify_audit")
    unchanged_but_people(snapshot(world), before)
    assert report.counts["responses_anonymised"] == 1 and report.counts["drafts_deleted"] == 1
