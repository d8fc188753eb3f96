"""Floor 2 of the voting issue, end to end: a whole secret ballot run through the real pages (set up and
opened by a returning officer in the admin, voted through the paper and the check step, closed in the
admin) writes no log line, task argument, outbox payload, long-job parameter, audit payload or history
row that names a voter, and nothing anywhere pairs a voter with a choice."""

import json
import logging
import re
from datetime import timedelta

import pytest
from celery.app.task import Task
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from portal.accounts import roles
from portal.audit.models import AuditEvent
from portal.jobs.models import LongJob, OutboxMessage
from voting.models import Ballot, BallotPaper, RollEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_tasks(monkeypatch):
    """Every Celery task handed over (eagerly or to a broker) during the test, with its arguments."""
    sent = []
    original = Task.apply_async

    def recording(self, args=None, kwargs=None, **options):
        sent.append(f"{self.name} {args!r} {kwargs!r}")
        return original(self, args=args, kwargs=kwargs, **options)

    monkeypatch.setattr(Task, "apply_async", recording)
    return sent


def _history_rows_since(start) -> list[str]:
    rows = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical") and hasattr(model, "history_date"):
            for row in model.objects.filter(history_date__gte=start).values():
                rows.append(f"{model.__name__} {json.dumps(row, default=str)}")
    return rows


def test_a_whole_secret_ballot_leaves_no_trace_pairing_a_voter_with_a_choice(
    home_page, user_factory, caplog, sent_tasks
):
    voters = [user_factory(email=f"voter{n}@example.org", display_name=f"Voter Number{n}") for n in range(6)]
    officer_account = user_factory(roles=[roles.RETURNING_OFFICERS])
    start = timezone.now()  # everything written from here on is searched
    caplog.set_level(logging.DEBUG)
    caplog.clear()
    officer = Client()
    officer.force_login(officer_account)

    opens = (timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    closes = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%d %H:%M")
    form = {
        "title": "Secret election", "description": "", "kind": "stv", "seats": "2", "electorate": "list",
        "body": "", "opens_at": opens, "closes_at": closes, "threshold": "simple", "turnout_quorum": "",
        "secret": "on", "decision": "", "options-TOTAL_FORMS": "3", "options-INITIAL_FORMS": "0",
        "options-MIN_NUM_FORMS": "0", "options-MAX_NUM_FORMS": "1000",
    }
    for n, name in enumerate(["Ana", "Bo", "Cy"]):
        form.update({f"options-{n}-id": "", f"options-{n}-label": name, f"options-{n}-statement": "",
                     f"options-{n}-photo": "", f"options-{n}-ORDER": str(n + 1), f"options-{n}-DELETE": ""})
    assert officer.post("/admin/voting/ballots/new/", form).status_code == 302
    ballot = Ballot.objects.get()
    csv = "email\n" + "\n".join(v.email for v in voters)
    officer.post(f"/admin/voting/ballots/{ballot.pk}/electorate/", {"list": SimpleUploadedFile("v.csv", csv.encode())})
    assert officer.post(f"/admin/voting/ballots/{ballot.pk}/open/").status_code == 302

    ana, bo, cy = ballot.options.values_list("pk", flat=True)
    codes = []
    for n, voter in enumerate(voters):
        browser = Client()
        browser.force_login(voter)
        paper = {f"rank_{[ana, bo, cy][n % 3]}": "1", f"rank_{[bo, cy, ana][n % 3]}": "2"}
        browser.get(f"/ballots/{ballot.pk}/vote/")
        browser.post(f"/ballots/{ballot.pk}/vote/", paper)
        receipt = browser.post(f"/ballots/{ballot.pk}/vote/", {**paper, "confirmed": "1"}).content.decode()
        codes.append(re.search(r"<strong>([A-Z0-9-]{14})</strong>", receipt).group(1))
        browser.get("/ballots/")  # the voter's own list says they voted, and nothing more
    assert officer.post(f"/admin/voting/ballots/{ballot.pk}/close/").status_code == 302
    assert BallotPaper.objects.filter(ballot=ballot).count() == 6
    assert RollEntry.objects.filter(ballot=ballot, has_voted=True).count() == 6

    written = {
        "log line": [record.getMessage() for record in caplog.records],
        "task argument": sent_tasks,
        "outbox payload": [json.dumps(p) for p in OutboxMessage.objects.filter(created_at__gte=start).values_list("payload", flat=True)],
        "long-job parameter": [json.dumps(p) for p in LongJob.objects.filter(created_at__gte=start).values_list("params", flat=True)],
        "audit payload": [json.dumps(e.data) for e in AuditEvent.objects.filter(occurred_at__gte=start)],
        "history row": _history_rows_since(start),
    }
    assert written["audit payload"], "the ballot's own events (listed, opened, closed) are in the ledger"
    for kind, texts in written.items():
        for text in texts:
            for voter, code in zip(voters, codes, strict=True):
                for trace in (voter.email, voter.display_name, code, code.replace("-", "")):
                    assert trace not in text, f"a {kind} names a voter or their receipt: {text[:200]}"
                # Ids are small numbers, so look for them only where they would name someone.
                assert not re.search(rf'"(voter|voter_id|user|user_id|person|person_id)":\s*{voter.pk}\b', text), text[:200]
    # The ledger records ballot-level events only; no event is written per vote.
    actions = list(AuditEvent.objects.filter(occurred_at__gte=start).values_list("action", flat=True))
    assert "voting.ballot_opened" in actions and "voting.ballot_closed" in actions
    assert not [a for a in actions if "vote_cast" in a or "paper" in a]
