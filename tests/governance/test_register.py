"""Public governance pages: the register and its filters, a decision's story, who leads us, the
calendar feed, "you said, we did", and query counts that do not grow with the data."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from governance import services
from governance.models import Decision, Meeting
from portal.home.page_cache import page_cache_clear
from tests.consultations.factories import make_consultation

from .factories import make_body, make_decision, make_meeting, make_theme, recorder

REGISTER = "/governance/decisions/"


def queries(client, url: str, *, cold: bool = False) -> int:
    """Queries for one request, after a first request has warmed the per-process caches; `cold`: the
    first request after a publish, when nothing kept between changes can be used."""
    client.get(url)
    if cold:
        page_cache_clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.fixture
def bodies(home_page):
    board, council = make_body("TB", name="Board of Trustees"), make_body("SUC", name="Service User Council")
    theme = make_theme(name="Evening opening")
    make_decision(board, themes=[theme], title="Open late", decided_on=date(2025, 3, 1))
    make_decision(board, title="Approve accounts", outcome=Decision.Outcome.NOTED, decided_on=date(2026, 3, 1))
    make_decision(council, themes=[theme], title="Peer groups", outcome=Decision.Outcome.DEFERRED,
                  decided_on=date(2026, 4, 1))
    return board, council


def titles(response) -> list[str]:
    return [d.title for d in response.context["decisions"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["Peer groups", "Approve accounts", "Open late"]),
        ("?body=tb", ["Approve accounts", "Open late"]),
        ("?year=2025", ["Open late"]),
        ("?outcome=deferred", ["Peer groups"]),
        ("?shaped=yes", ["Peer groups", "Open late"]),
        ("?shaped=no", ["Approve accounts"]),
        ("?body=tb&year=2026&shaped=no", ["Approve accounts"]),
        ("?body=nope&year=abc", ["Peer groups", "Approve accounts", "Open late"]),
    ],
)
def test_register_filters(client, bodies, query, expected):
    response = client.get(REGISTER + query)

    assert response.status_code == 200 and titles(response) == expected


def test_register_is_a_get_form_that_works_without_javascript(client, bodies):
    html = client.get(REGISTER + "?outcome=noted").content.decode()

    assert 'method="get"' in html and 'name="shaped"' in html and "Clear filters" in html
    assert "Shaped by service-user input" in html and "No service-user input: the reason is given" in html


def test_register_paginates_and_keeps_filters(client, home_page):
    board = make_body()
    for _ in range(27):
        make_decision(board)

    second = client.get(REGISTER + "?body=tb&page=2")

    assert len(second.context["decisions"]) == 2
    assert "?body=tb&amp;page=1" in second.content.decode()


def test_decision_page_tells_the_whole_story(client, home_page):
    board = make_body(members=5, lived=3)
    consultation = make_consultation(title="Opening hours consultation")
    theme = make_theme(consultation, name="Evening opening")
    meeting = make_meeting(board, title="Spring board meeting")
    decision = make_decision(board, meeting, themes=[theme], title="Open until 8pm", votes_for=4, votes_against=1)
    services.action_create(decision=decision, title="Change the rota", owner=None,
                           due_on=timezone.localdate() + timedelta(days=30), user=recorder())
    services.outcome_record(decision=decision, what_changed="Twice as many people came on Thursdays.", user=recorder())

    html = client.get(f"/governance/decisions/{decision.reference}/").content.decode()

    order = ["What service users said", "This decision does what you asked for. It was agreed.", "Evening opening",
             "People asked for evening opening.", "The decision", "Agreed", "4 for, 1 against", "5, of whom 3 held lived-experience seats",
             "What we are doing", "Change the rota", "Not started", "What changed", "Twice as many"]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    timeline = html[html.index('id="timeline"'):]
    assert "Opening hours consultation” opened" in timeline and "Spring board meeting" in timeline
    assert "Change the rota" in timeline and "(to come)" in timeline


def test_decision_without_input_shows_the_reason(client, home_page):
    decision = make_decision(make_body(), no_input_reason="A legal requirement with no choice to make.")

    html = client.get(f"/governance/decisions/{decision.reference}/").content.decode()

    assert "No service-user input shaped this decision" in html and "A legal requirement" in html


def test_unknown_reference_is_404(client, home_page):
    assert client.get("/governance/decisions/XX-2026-001/").status_code == 404


def _decisions(n: int):
    board = make_body()
    meeting = make_meeting(board)
    themes = [make_theme(name=f"T{i}") for i in range(2)]
    last = None
    for index in range(n):
        last = make_decision(board, meeting, themes=themes if index % 2 else [])
        if index % 3 == 0:
            services.action_create(decision=last, title="Do it", owner=None, due_on=timezone.localdate(),
                                   user=recorder())
    return last


def test_register_and_decision_page_query_counts_do_not_grow(client, home_page):
    few = _decisions(10)
    few_counts = [queries(client, url, cold=cold) for cold in (False, True)
                  for url in (REGISTER, f"/governance/decisions/{few.reference}/")]
    for _ in range(190):
        make_decision(Decision.objects.first().body, themes=[make_theme(name=f"More {_}")])
    many = Decision.objects.first()
    for _ in range(20):
        services.action_create(decision=many, title="More", owner=None, due_on=timezone.localdate(), user=recorder())
    many_counts = [queries(client, url, cold=cold) for cold in (False, True)
                   for url in (REGISTER + "?page=5", f"/governance/decisions/{many.reference}/")]

    assert Decision.objects.count() == 200
    assert few_counts == many_counts
    assert max(many_counts) <= 12


def test_body_page_suppresses_a_small_lived_experience_count(client, home_page):
    make_body("SUC", members=8, lived=3, name="Service User Council", slug="suc")
    make_body("TB", members=12, lived=6, name="Board", slug="tb")

    small = client.get("/governance/bodies/suc/").content.decode()
    large = client.get("/governance/bodies/tb/").content.decode()

    assert "fewer than 5 of 8 voting seats are lived-experience seats." in small and "3 of 8" not in small
    assert "6 of 12 voting seats (50%) are lived-experience seats." in large


def test_body_page_lists_current_members_and_roles_only(client, home_page, user_factory):
    board = make_body(members=2, lived=0)
    left = board.memberships.last()
    left.ends_on = timezone.localdate() - timedelta(days=1)
    left.save()

    html = client.get(f"/governance/bodies/{board.slug}/").content.decode()

    assert board.memberships.first().person.display_name in html and "Chair" in html
    assert left.person.display_name not in html
    assert queries(client, f"/governance/bodies/{board.slug}/") <= 12


def test_ical_lists_only_upcoming_public_scheduled_meetings(client, home_page):
    board = make_body()
    now = timezone.now()
    Meeting.objects.create(body=board, title="Coming, public", starts_at=now + timedelta(days=3), location="Hall, Leeds")
    Meeting.objects.create(body=board, title="Coming, private", starts_at=now + timedelta(days=3), is_public=False)
    Meeting.objects.create(body=board, title="Already past", starts_at=now - timedelta(days=3))
    Meeting.objects.create(body=board, title="Called off", starts_at=now + timedelta(days=4), status="cancelled")
    Meeting.objects.create(body=make_body("SUC"), title="Other group", starts_at=now + timedelta(days=3))

    response = client.get(f"/governance/bodies/{board.slug}/meetings.ics")
    text = response.content.decode()

    assert response["Content-Type"].startswith("text/calendar")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") == 1
    assert "SUMMARY:Body TB: Coming\\, public" in text and "LOCATION:Hall\\, Leeds" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_you_said_we_did_lists_the_decisions_citing_each_theme(client, home_page):
    consultation = make_consultation(closes_at=timezone.now() - timedelta(days=1),
                                     opens_at=timezone.now() - timedelta(days=10))
    theme = make_theme(consultation, name="Evening opening")
    statement = theme.statements.get()
    board = make_body()
    by_theme = make_decision(board, themes=[theme], title="Open until 8pm")
    by_statement = make_decision(board, evidence=[{"statement": statement, "relation": "informed_by"}],
                                 title="Staff the evenings")
    services.action_create(decision=by_theme, title="Change the rota", owner=None, due_on=timezone.localdate(),
                           user=recorder())

    html = client.get(consultation.url).content.decode()

    assert f'href="/governance/decisions/{by_theme.reference}/">{by_theme.reference}: Open until 8pm</a>' in html
    assert f'href="/governance/decisions/{by_statement.reference}/">{by_statement.reference}: Staff the evenings</a>' in html
    assert "Change the rota" in html


def test_publishing_a_decision_refreshes_cached_pages(home_page, django_capture_on_commit_callbacks):
    from portal.home.page_cache import page_cache_generation

    board = make_body()
    start = page_cache_generation()
    with django_capture_on_commit_callbacks(execute=True):
        make_decision(board)

    assert page_cache_generation() > start


def test_you_said_we_did_adds_at_most_two_queries_and_five_decisions_a_theme_however_many_decisions(home_page, django_assert_max_num_queries):
    from consultations.you_said_we_did import you_said_we_did

    consultation = make_consultation()
    themes = [make_theme(consultation, name=f"Theme {i}") for i in range(3)]
    board = make_body()
    for index in range(12):
        decision = make_decision(board, themes=themes[: index % 3 + 1])
        services.action_create(decision=decision, title="Do it", owner=None, due_on=timezone.localdate(),
                               user=recorder())

    with django_assert_max_num_queries(4):  # consultations' own two, then the links and their actions
        items = you_said_we_did(consultation)

    # At most five under each theme; the rest are a link away, in the register.
    assert [len(item.decisions) for item in items] == [5, 5, 4]
    assert [bool(item.more_decisions_url) for item in items] == [True, True, False]
    assert all(d["actions"][0]["status"] == "Not started" for item in items for d in item.decisions)


def test_a_decision_page_forgets_an_erased_movers_name_at_once(client, home_page):
    """The decision's story is kept in the cache between changes; an erasure is one of them."""
    from portal.privacy.erasure import person_erase

    board = make_body()
    meeting = make_meeting(board)
    membership = board.memberships.filter(role="member").first()
    mover = membership.person  # present at the meeting, as a mover must be
    mover.display_name = "Erin Example"
    mover.save()
    decision = make_decision(board, meeting, mover=mover)
    membership.ends_on = timezone.localdate()  # stepped down since, so the account may be erased
    membership.save()
    url = f"/governance/decisions/{decision.reference}/"
    assert "Proposed by Erin Example" in client.get(url).content.decode()
    person_erase(person=mover)
    html = client.get(url).content.decode()
    assert "Erin Example" not in html and decision.title in html


def test_a_reference_that_cannot_be_one_is_404(client, home_page):
    assert client.get("/governance/decisions/" + "A" * 41 + "/").status_code == 404
    assert client.get("/governance/decisions/TB%202026/").status_code == 404


def test_a_filter_value_that_is_not_a_choice_is_dropped_quietly_and_the_others_still_apply(client, home_page):
    board, council = make_body(), make_body(code="SUC")
    make_decision(board, title="Board decision on the budget")
    make_decision(council, title="Council decision on evening groups")
    html = client.get(f"{REGISTER}?year=1999&body={council.slug}").content.decode()
    assert "Council decision on evening groups" in html and "Board decision on the budget" not in html
    assert "valid choice" not in html and "There is a problem" not in html
    html = client.get(f"{REGISTER}?body=a-group-since-renamed").content.decode()
    assert "Council decision on evening groups" in html and "Board decision on the budget" in html and "valid choice" not in html


def test_filter_values_a_visitor_makes_up_add_no_keys_to_the_cache(client, home_page):
    from django.core.cache import cache

    make_decision(make_body())
    client.get(REGISTER)
    keys = len(cache._cache)
    for n in range(10):
        response = client.get(f"{REGISTER}?year=made-up-{n}&body=nobody-{n}")
        assert response.status_code == 200
    for made_up in ("?page=1&page=2", "?page=21", "?page=x", "?sort=new", "?from=2026-01-01", "?meeting=1",
                    "?page=2&page=3"):
        assert client.get(REGISTER + made_up).status_code == 200
    assert len(cache._cache) == keys


def test_the_kept_list_of_decisions_is_the_page_as_rendered_and_a_new_decision_shows_at_once(client, home_page):
    from django.core.cache import cache

    board = make_body()
    for _ in range(30):
        make_decision(board)
    first = client.get(REGISTER + "?page=2").content
    kept = client.get(REGISTER + "?page=2").content
    cache.clear()
    assert first == kept == client.get(REGISTER + "?page=2").content
    newest = make_decision(board, title="The newest decision of all")
    assert newest.title in client.get(REGISTER).content.decode()


def test_a_kept_decision_page_shows_staff_links_only_to_staff(client, home_page, user_factory):
    from portal.accounts import roles

    decision = make_decision(make_body())
    url = f"/governance/decisions/{decision.reference}/"
    for _ in range(2):  # the second visit is the kept page
        html = client.get(url).content.decode()
        assert decision.title in html and "Add an action" not in html and "Decision history" not in html
    client.force_login(user_factory(roles=[roles.SECRETARIES]))
    html = client.get(url).content.decode()
    assert decision.title in html and "Add an action" in html
    client.logout()
    assert "Add an action" not in client.get(url).content.decode()
