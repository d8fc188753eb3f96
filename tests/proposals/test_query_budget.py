"""The proposals list and a proposal page run a fixed number of SQL queries, at most 12 for an anonymous
visitor (the public pages' budget in DESIGN.md; 2 more for a signed-in person's session and account), whatever the number of proposals, supports and comments: the same count
with 10 rows and with 10,000 supports, 1,000 comments and 300 more proposals. Both pages paginate
(the comments too), so a page never grows with the data either. Counts only, never times."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from tests.governance.factories import make_meeting

from .bulk import add_comments, add_proposals, add_supports
from .factories import council, make_proposal, service_user

pytestmark = pytest.mark.django_db
BUDGET = 12  # a public page, as an anonymous visitor gets it
SIGNED_IN = 2  # a signed-in person adds their session and their account


def counts(client, paths: dict) -> dict:
    found = {}
    with override_settings(PAGE_CACHE_SECONDS=0):
        for name, path in paths.items():
            client.get(path)  # warm the per-process caches (site root paths), as a running server has them
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
            assert response.status_code == 200, name
            found[name] = len(queries)
    return found


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "service user"])
def test_list_and_proposal_page_stay_within_budget_and_flat_as_data_grows(home_page, client, signed_in):
    body = council(threshold=50_000)
    make_meeting(body, held=False)
    proposal = make_proposal(body, supporters=3)
    add_supports(proposal, 7)
    add_comments(proposal, 10)
    add_proposals(proposal, 9)
    if signed_in:
        client.force_login(service_user())
    paths = {"list": reverse("proposals:list"), "proposal": reverse("proposals:detail", args=[proposal.pk])}
    small = counts(client, paths)

    add_supports(proposal, 10_000)
    add_comments(proposal, 1_000)
    add_proposals(proposal, 300)
    large = counts(client, paths)

    assert large == small
    assert all(n <= BUDGET + (SIGNED_IN if signed_in else 0) for n in large.values()), large
    page = client.get(paths["proposal"]).content.decode()
    assert "10,010" in page or "10010" in page  # the kept count, not a count of rows
    assert page.count('class="portal-comment"') < 100  # comments come a page at a time
    assert "Pages of comments" in page
    listing = client.get(paths["list"]).content.decode()
    assert listing.count("Bulk proposal") < 100 and "govuk-pagination" in listing
