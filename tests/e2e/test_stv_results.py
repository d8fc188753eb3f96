"""A member reads the result of a two-place STV election in Chromium, at 320 px and at 1280 px.

The count has a surplus passed on at part of a vote a paper, papers with no more choices, a little lost
to rounding and a place filled without the quota. The page says it all in plain words (who was elected,
who was not, where the votes went, what left the count), the figures in the words add up to the votes
counted, and the legal rule, the quota sum and the exact five-decimal table are behind "How the count
works in detail". Each width: 0 axe-core violations, no sideways scrolling, no script errors, and
screenshots in artifacts/ (stv-results-NN-<step>-<width>.png).
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.governance.factories import make_body
from tests.voting.test_casting import voters_of
from voting.models import Ballot, BallotOption
from voting.services import ballot_close, ballot_open, vote_cast

from .helpers import NARROW, WIDE, Journey

pytestmark = pytest.mark.e2e

TITLE = "Elect two service-user trustees"
CANDIDATES = ["Ali Khan", "Bo Evans", "Cy Patel", "Di Morgan"]
# Ali 7 first choices, quota 4 of 11: Ali's 3 extra votes go on at 0.42857 a paper (3/7, cut to 5 places),
# 4 to Bo, 2 to Cy and 1 with no more choices, and 0.00001 of a vote is lost. Then Di and Bo are out and
# Cy fills the second place without the quota.
PAPERS = [(0, 1)] * 4 + [(0, 2)] * 2 + [(0,)] + [(1,)] + [(2, 1)] * 2 + [(3,)]


@pytest.fixture
def election(site_url):
    body = make_body(code="SUC", members=len(PAPERS), lived=4, name="Service User Council")
    now = timezone.now()
    ballot = Ballot.objects.create(title=TITLE, kind=Ballot.Kind.STV, seats=2, body=body,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    options = [BallotOption.objects.create(ballot=ballot, label=label, order=n).pk
               for n, label in enumerate(CANDIDATES)]
    ballot_open(ballot=ballot, user=None)
    for voter, paper in zip(voters_of(body), PAPERS, strict=True):
        vote_cast(ballot=ballot, user=voter, choices=[options[i] for i in paper])
    ballot = ballot_close(ballot=ballot)
    return {"url": f"{site_url}/ballots/{ballot.pk}/results/", "ballot": ballot}


@pytest.mark.parametrize("viewport", [pytest.param(NARROW, id="phone-320"), pytest.param(WIDE, id="desktop-1280")])
def test_a_member_follows_the_stv_count_in_plain_words_and_finds_the_rule_in_the_detail(
    browser, browser_context_args, election, viewport
):
    journey = Journey("stv-results", viewport)
    context, page = journey.open_tab(browser, browser_context_args)
    try:
        page.goto(election["url"])
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Results: {TITLE}")
        outcome = page.locator("#outcome")
        expect(outcome).to_contain_text("There were 2 places to fill.")
        expect(outcome).to_contain_text("Elected: Ali Khan, Cy Patel.")
        expect(outcome).to_contain_text("Not elected: Bo Evans, Di Morgan.")
        expect(page.get_by_role("heading", level=3)).to_have_text(["Stage 1", "Stage 2", "Stage 3", "Stage 4"])
        expect(page.get_by_text("Ali Khan reached the quota of 4 votes and was elected.")).to_be_visible()
        expect(page.get_by_text(
            "These extra votes were passed on to the next choices on those papers: 1.71 to Bo Evans and 0.86 "
            "to Cy Patel.")).to_be_visible()
        lost = page.get_by_text("Less than 0.01 of a vote was lost to rounding when extra votes were passed on.")
        expect(lost).to_be_visible()
        left = page.get_by_text("0.43 of a vote left the count at this stage because those papers showed no more "
                                "choices.")
        expect(left).to_be_visible()
        expect(page.get_by_text("Di Morgan had the fewest votes and was out of the count.")).to_be_visible()

        # Where every vote went: the words' figures add up to the 11 votes counted.
        text = page.locator("main").inner_text()
        assert not re.search(r"\d\.\d{3}", text), "five decimals in the main text"
        surplus = Decimal("1.71") + Decimal("0.86") + Decimal("0.43")
        assert surplus == Decimal(3) and "Ali Khan had 3 votes more than the quota." in text
        summary = re.search(r"Of the 11 votes counted, (\d+\.\d\d) votes left the count .*? lost to rounding\. "
                            r"The remaining (\d+\.\d\d) votes stayed with the candidates", text)
        assert summary and Decimal(summary[1]) + Decimal(summary[2]) == 11, text

        detail = page.locator("details#count-detail")
        rule = detail.get_by_text("Scottish STV (SSI 2007/42, Schedule 1, rules 45-52)")
        expect(rule).to_be_hidden()
        journey.check(page, "results")

        detail.get_by_text("How the count works in detail").click()
        expect(rule).to_be_visible()
        expect(detail.get_by_text("rounded down, + 1 = (11 ÷ (2 + 1)), rounded down, + 1 = 3 + 1 = 4.")).to_be_visible()
        table = detail.get_by_role("table")
        expect(table).to_contain_text("Stage 4")
        expect(table.get_by_role("row", name=re.compile("^Lost to rounding"))).to_contain_text("0.00001")
        expect(table.get_by_role("row", name=re.compile("^Total"))).to_contain_text("11.00000")
        journey.check(page, "results-detail-open")
    finally:
        context.close()
