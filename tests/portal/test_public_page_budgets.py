"""Public pages stay small and quick however much the data grows.

Every public page runs at most 12 queries, and the same number with 10 decisions as with 10,000 (all in
one meeting, all citing one theme of a closed consultation: the worst case for the minutes page and for
"you said, we did"). The minutes page and the closed consultation's "you said, we did" stay under 200 KB:
they show the first few decisions and link to the rest in the decision register.

One test builds the world (10,000 decisions by bulk insert, a few seconds), measures every page with 10
and with 10,000 decisions, and names every page over a budget.
"""

from datetime import timedelta

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance.models import Decision, EvidenceLink, MinutesIndexPage, MinutesPage
from portal.home.setup import ensure_home_page
from tests.consultations.factories import make_consultation, make_index
from tests.governance.factories import make_body, make_decision, make_meeting, make_theme

SMALL, BIG = 10, 10_000
QUERY_BUDGET = 12
SIZE_BUDGET = 200 * 1024


def _minutes_for(meeting) -> MinutesPage:
    home = ensure_home_page()
    index = home.add_child(instance=MinutesIndexPage(title="Minutes", slug="minutes"))
    minutes = MinutesPage(
        title="Minutes of the big meeting", slug="big-minutes", meeting=meeting, live=False,
        easy_read_summary="<p>What we decided.</p>",
        sections=[("section", {"heading": "Welcome", "text": "<p>We said hello.</p>", "confidential": False})],
    )
    index.add_child(instance=minutes)
    # Only approved minutes may be published; these tests read them, they do not sign them off.
    MinutesPage.objects.filter(pk=minutes.pk).update(status=MinutesPage.Status.APPROVED)
    minutes.refresh_from_db()
    minutes.save_revision().publish()
    return MinutesPage.objects.get(pk=minutes.pk)


def _grow(body, meeting, theme, count: int) -> None:
    """`count` more decisions in `meeting`, each citing `theme` (bulk: fixture data, not business)."""
    year = timezone.localdate().year
    start = Decision.objects.filter(body=body).count() + 1
    Decision.objects.bulk_create(
        [
            Decision(body=body, meeting=meeting, reference=f"{body.code}-{year}-{n:05d}", title=f"Bulk decision {n}",
                     text="Agreed.", outcome="carried", members_present=5, lived_experience_present=3)
            for n in range(start, start + count)
        ],
        batch_size=2000,
    )
    made = Decision.objects.filter(title__startswith="Bulk decision").values_list("pk", flat=True)
    EvidenceLink.objects.bulk_create(
        [EvidenceLink(decision_id=pk, theme=theme, relation="adopted") for pk in made], batch_size=2000
    )


def _measure(paths: dict) -> dict:
    """{name: (queries, bytes, status, queries after a change)} for an anonymous visitor, the page cache
    off (test settings): once warm, as a running server has it, and as the first visitor after a publish
    finds it (everything kept between changes read again)."""
    from portal.home.page_cache import page_cache_clear

    client = Client()
    figures = {}
    for path in paths.values():
        client.get(path)  # what a running server has read once and for all (content types, for one)
    for name, path in paths.items():
        page_cache_clear()
        with CaptureQueriesContext(connection) as cold:
            client.get(path)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        figures[name] = (len(ctx.captured_queries), len(response.content), response.status_code,
                         len(cold.captured_queries))
    return figures


def _build_and_measure() -> tuple[dict, dict]:
    """Figures with SMALL decisions, then with BIG, all in one meeting citing one closed consultation's theme."""
    home = ensure_home_page()
    index = make_index(home)
    now = timezone.now()
    opened = make_consultation(parent=index, title="Open consultation")
    closed = make_consultation(
        parent=index, title="Closed consultation", opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1)
    )
    theme = make_theme(consultation=closed, name="Evening opening")
    body = make_body(code="TB", members=5, lived=3)
    meeting = make_meeting(body, held=True)
    for n in range(SMALL):
        make_decision(body, meeting=meeting, themes=[theme], title=f"Decision {n}")
    minutes = _minutes_for(meeting)
    first = Decision.objects.order_by("pk").first()
    paths = {
        "home": "/",
        "consultations index": index.url,
        "open consultation": opened.url,
        "closed consultation": closed.url,
        "results": closed.url + "results/",
        "minutes": minutes.url,
        "minutes index": minutes.get_parent().url,
        "decision register": "/governance/decisions/",
        "a decision": f"/governance/decisions/{first.reference}/",
        "governance index": "/governance/",
        "transparency": "/transparency/",
        "proposals": "/proposals/",
    }
    small = _measure(paths)
    _grow(body, meeting, theme, BIG - SMALL)
    return small, _measure(paths)


LISTS_DECISIONS = ["minutes", "closed consultation", "decision register", "a decision"]


def test_public_pages_keep_to_12_queries_and_200_kb_with_10_or_10000_decisions(home_page):
    small, big = _build_and_measure()
    statuses = {page: (small[page][2], big[page][2]) for page in small if (small[page][2], big[page][2]) != (200, 200)}
    assert statuses == {}
    over = {page: small[page][0] for page in small if small[page][0] > QUERY_BUDGET}
    assert over == {}, f"more than {QUERY_BUDGET} queries with {SMALL} decisions"
    grew = {page: (small[page][0], big[page][0]) for page in small if small[page][0] != big[page][0]}
    assert grew == {}, f"query counts differ between {SMALL} and {BIG:,} decisions"
    cold_over = {page: (small[page][3], big[page][3]) for page in small if max(small[page][3], big[page][3]) > QUERY_BUDGET}
    assert cold_over == {}, f"more than {QUERY_BUDGET} queries for the first visitor after a change"
    cold_grew = {page: (small[page][3], big[page][3]) for page in small if small[page][3] != big[page][3]}
    assert cold_grew == {}, f"first-visit query counts differ between {SMALL} and {BIG:,} decisions"
    heavy = {page: big[page][1] for page in LISTS_DECISIONS if big[page][1] >= SIZE_BUDGET}
    assert heavy == {}, f"bytes with {BIG:,} decisions (budget {SIZE_BUDGET:,})"
