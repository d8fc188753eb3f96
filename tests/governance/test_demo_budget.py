"""`manage.py seed_demo`'s governance, fast by query count: on a database without the demo, so apart from
tests/governance/test_demo.py, whose tests share one seeded demo."""

import pytest

from consultations import demo as consultations_demo
from governance import demo
from portal.accounts import demo as accounts_demo
from portal.home.setup import ensure_home_page

pytestmark = pytest.mark.django_db


def test_the_governance_seed_is_fast_by_query_count_and_a_rerun_only_looks(django_assert_max_num_queries):
    """Fast as a query budget (about 1 ms each here), not a stopwatch: ~1,800 queries fresh, ~80 again.
    Meetings marked held also record who took part for involvement payments (~130 queries of the budget)."""
    ensure_home_page()
    accounts_demo.seed()
    consultations_demo.seed()  # what governance builds on, so only governance is counted below
    with django_assert_max_num_queries(2700):
        demo.seed()
    with django_assert_max_num_queries(120):
        demo.seed()
