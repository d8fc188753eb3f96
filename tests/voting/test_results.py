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
    checked = client.post(f"/ballots/{ballot.pk}/receipts/", {"code": receipts[0].lower()}).content.decode()
    assert "Your vote was counted" in checked
    wrong = client.post(f"/ballots/{ballot.pk}/receipts/", {"code": "AAAA-AAAA-AAAA"}).content.decode()
    assert "We could not find receipt code AAAA-AAAA-AAAA" in wrong
    export = json.loads(client.get(f"/ballots/{ballot.pk}/papers.json").content)
    assert len(export["papers"]) == 5
    assert set(export["receipt_hashes"]) == {receipt_hash(r) for r in receipts}
    assert "voter" not in json.dumps(export) and "@" not in json.dumps(export)
    call_command("recount", str(ballot.pk))
    assert "Recount matches" in capsys.readouterr().out


def test_the_public_export_has_nothing_that_pairs_a_receipt_with_choices(client, election):
    ballot, receipts = election
    ballot_close(ballot=ballot)
    export = json.loads(client.get(f"/ballots/{ballot.pk}/papers.json").content)
    assert all(set(paper) == {"id", "choices"} for paper in export["papers"])
    assert export["receipt_hashes"] == sorted(export["receipt_hashes"])  # sorted: their order says nothing
    hashes = {receipt_hash(r) for r in receipts}
    for paper in export["papers"]:
        assert not hashes & set(json.dumps(paper).replace('"', " ").split())
    page = client.get(f"/ballots/{ballot.pk}/receipts/").content.decode()
    assert all(h in page for h in hashes) and "choices" not in page.lower()


def test_a_receipt_code_is_checked_by_post_and_never_put_in_a_url(client, election):
    ballot, receipts = election
    ballot_close(ballot=ballot)
    page = client.get(f"/ballots/{ballot.pk}/receipts/").content.decode()
    assert re.search(r'<form method="post"', page) and 'method="get"' not in page
    in_url = client.get(f"/ballots/{ballot.pk}/receipts/", {"code": receipts[0]}).content.decode()
    assert receipts[0] not in in_url and "Your vote was counted" not in in_url  # ignored, not echoed
    empty = client.post(f"/ballots/{ballot.pk}/receipts/", {"code": "  "})
    assert empty.status_code == 400 and "Enter your receipt code" in empty.content.decode()
    counted = client.post(f"/ballots/{ballot.pk}/receipts/", {"code": receipts[1]})
    assert "Your vote was counted" in counted.content.decode() and "no-store" in counted["Cache-Control"]


def test_a_draft_ballot_has_no_public_pages(client, home_page):
    now = timezone.now()
    draft = Ballot.objects.create(title="Not yet", opens_at=now, closes_at=now + timedelta(days=1))
    assert client.get(f"/ballots/{draft.pk}/results/").status_code == 404


def test_the_stv_stages_are_told_in_words_and_drawn_as_a_chart_hidden_from_screen_readers(client, election):
    ballot, _ = election
    before = client.get(f"/ballots/{ballot.pk}/results/").content.decode()
    assert "portal-round-chart" not in before and "<svg" not in main_of(before) and "Stage 1" not in before
    ballot_close(ballot=ballot)
    html = main_of(client.get(f"/ballots/{ballot.pk}/results/").content.decode())
    tally = ballot.__class__.objects.get().tally
    charts = re.findall(r'<div class="portal-round-chart[^"]*" aria-hidden="true">(.*?)</div>', html, re.S)
    assert len(charts) == len(tally["stages"]) and all("<svg" in chart for chart in charts)
    assert html.count("<svg") == html.count('focusable="false"') and "<svg" not in html.split("aria-hidden")[0]
    assert "To be elected, a candidate needed 2 votes (the quota), shown by the dashed line." in html
    assert "<h3 class=\"govuk-heading-s govuk-!-margin-bottom-2\" id=\"step-1\">Stage 1</h3>" in html
    labels = dict(ballot.options.values_list("pk", "label"))
    for name in (labels[int(pk)] for pk in tally["elected"]):
        assert re.search(rf"{name} (reached the quota of 2 votes and )?was elected", html), name
    for name in (labels[int(pk)] for pk in tally["excluded"]):
        assert re.search(rf"{name} (had the fewest votes and )?was out of the count\.", html), name
    not_elected = [labels[o.pk] for o in ballot.options.order_by("order") if str(o.pk) not in tally["elected"]]
    assert f"Not elected: {', '.join(not_elected)}." in html and "There were 2 places to fill." in html


@pytest.fixture
def runoff(home_page):
    """IRV: Ana 3, Bo 3, Cy 1 first choices: nobody has more than half, Cy goes out and Cy's paper makes Ana 4."""
    body = make_body(code="SU", members=7, lived=2)
    now = timezone.now()
    ballot = Ballot.objects.create(title="Chair", kind=Ballot.Kind.IRV, body=body,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    ana, bo, cy = (BallotOption.objects.create(ballot=ballot, label=n, order=i).pk for i, n in enumerate(["Ana", "Bo", "Cy"]))
    ballot_open(ballot=ballot, user=None)
    papers = [[ana], [ana], [ana, bo], [bo, ana], [bo], [bo], [cy, ana]]
    for voter, paper in zip(voters_of(body), papers):
        vote_cast(ballot=ballot, user=voter, choices=paper)
    return ballot


def test_the_irv_rounds_say_who_was_eliminated_and_who_won_with_a_chart(client, runoff):
    assert "portal-round-chart" not in client.get(f"/ballots/{runoff.pk}/results/").content.decode()
    ballot_close(ballot=runoff)
    html = main_of(client.get(f"/ballots/{runoff.pk}/results/").content.decode())
    assert "What happened in each round" in html
    assert "Cy had the fewest votes and was out of the count." in html
    assert "Cy&#x27;s 1 vote was passed on to the next choice on that paper: 1 to Ana." in html
    assert "Ana had more than half of the 7 votes still in the count, so Ana won." in html
    assert "Elected: Ana." in html and "Not elected: Bo, Cy." in html
    charts = re.findall(r'<div class="portal-round-chart[^"]*" aria-hidden="true">(.*?)</div>', html, re.S)
    assert len(charts) == 2
    assert "Cy: 1 vote (out of the count)" in charts[0] and "Ana: 3 votes" in charts[0] and "Bo: 3 votes" in charts[0]
    assert "Ana: 4 votes (elected)" in charts[1] and "Bo: 3 votes" in charts[1] and "Cy" not in charts[1]
    assert 'width="75.00%"' in charts[0] and 'width="100.00%" height="24" fill="#00703c"' in charts[1]
    assert "Round 1" in html and "Round 2" in html  # the table's columns too


def test_a_motion_has_no_round_chart(client, home_page):
    body = make_body(code="SU", members=2, lived=1)
    now = timezone.now()
    motion = Ballot.objects.create(title="Keep Thursdays", kind=Ballot.Kind.MOTION, body=body,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    ballot_open(ballot=motion, user=None)
    ballot_close(ballot=motion)
    html = main_of(client.get(f"/ballots/{motion.pk}/results/").content.decode())
    assert "Not passed" in html and "portal-round-chart" not in html


def test_the_rule_quota_and_exact_table_are_behind_a_disclosure_and_the_words_have_no_five_decimals(client, election):
    ballot, _ = election
    ballot_close(ballot=ballot)
    html = main_of(client.get(f"/ballots/{ballot.pk}/results/").content.decode())
    tally = ballot.__class__.objects.get().tally
    before, detail = html.split('<details class="govuk-details" id="count-detail">')
    detail = detail.split("</details>")[0]
    assert "How the count works in detail" in detail and tally["rule"] in detail and "SSI" not in before
    assert "Quota = (valid votes ÷ (places + 1)), rounded down, + 1 = (5 ÷ (2 + 1)), rounded down, + 1 = 1 + 1 = 2." in detail
    assert re.search(r"\d\.\d{5}", detail) and not re.search(r"\d\.\d{3}", before)
    assert "Votes in each stage, to 5 decimal places" in detail and f"ballot-{ballot.pk}" in detail
    assert "Total</th>" + '<td class="govuk-table__cell govuk-table__cell--numeric">5.00000</td>' in detail
    assert "Counting rule" not in before
