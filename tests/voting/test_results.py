"""Results are hidden from everyone, superusers included, until the ballot closes; then anyone re-checks."""

import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.governance.factories import make_body
from voting.models import Ballot, BallotOption
from voting.services import ballot_close, ballot_open, receipt_hash, vote_cast

from .test_casting import voters_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def election(home_page):
    body = make_body(code="TB", members=5, lived=2)
    now = timezone.now()
    ballot = Ballot.objects.create(title="Trustee election", kind=Ballot.Kind.STV, seats=2, body=body,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    options = [BallotOption.objects.create(ballot=ballot, label=name, order=n).pk
               for n, name in enumerate(["Ana", "Bo", "Cy", "Di"])]
    ballot_open(ballot=ballot, user=None)
    receipts = [vote_cast(ballot=ballot, user=v, choices=[options[i % 4], options[(i + 1) % 4]])
                for i, v in enumerate(voters_of(body))]
    return ballot, receipts


def main_of(html: str) -> str:
    return re.search(r"<main.*?</main>", html, re.S).group(0)


def test_before_close_everyone_gets_the_same_not_yet_answer(client, election, user_factory, django_user_model):
    ballot, _ = election
    anonymous = client.get(f"/ballots/{ballot.pk}/results/")
    admin = django_user_model.objects.create_superuser(email="root@example.org", password="x", display_name="Root")
    client.force_login(admin)
    superuser = client.get(f"/ballots/{ballot.pk}/results/")
    assert anonymous.status_code == superuser.status_code == 200
    assert main_of(anonymous.content.decode()) == main_of(superuser.content.decode())
    assert "The results are not ready yet" in superuser.content.decode()
    assert client.get(f"/ballots/{ballot.pk}/papers.json").status_code == 404
    assert "not ready yet" in client.get(f"/ballots/{ballot.pk}/receipts/").content.decode()


def test_after_close_the_results_receipts_and_papers_are_published_and_recount_matches(client, election, capsys):
    ballot, receipts = election
    ballot_close(ballot=ballot)
    page = client.get(f"/ballots/{ballot.pk}/results/").content.decode()
    assert "Elected" in page and "Stage 1" in page and ballot.__class__.objects.get().tally_hash in page
    checked = client.get(f"/ballots/{ballot.pk}/receipts/", {"code": receipts[0].lower()}).content.decode()
    assert "Your vote was counted" in checked
    wrong = client.get(f"/ballots/{ballot.pk}/receipts/", {"code": "AAAA-AAAA-AAAA"}).content.decode()
    assert "We could not find that receipt code" in wrong
    export = json.loads(client.get(f"/ballots/{ballot.pk}/papers.json").content)
    assert len(export["papers"]) == 5
    assert {p["receipt_hash"] for p in export["papers"]} == {receipt_hash(r) for r in receipts}
    assert "voter" not in json.dumps(export) and "@" not in json.dumps(export)
    call_command("recount", str(ballot.pk))
    assert "Recount matches" in capsys.readouterr().out


def test_a_draft_ballot_has_no_public_pages(client, home_page):
    now = timezone.now()
    draft = Ballot.objects.create(title="Not yet", opens_at=now, closes_at=now + timedelta(days=1))
    assert client.get(f"/ballots/{draft.pk}/results/").status_code == 404
