"""Long lists are cut short where service users read them, and say where to find the rest.

The minutes of a meeting list its first 20 decisions and link to that meeting's decisions in the register;
"you said, we did" lists the first 5 decisions about a theme and links to that theme's decisions in the
register. The register's `meeting` and `theme` filters show exactly those decisions, page by page.
"""

from datetime import timedelta

from django.utils import timezone

from consultations.models import ResponseStatement
from consultations.you_said_we_did import you_said_we_did
from governance.minutes_views import DECISIONS_SHOWN
from governance.models import EvidenceLink, MinutesIndexPage, MinutesPage
from governance.selectors import CITED_SHOWN
from tests.consultations.factories import make_consultation

from .factories import make_body, make_decision, make_meeting, make_theme

REGISTER = "/governance/decisions/"


def published_minutes(home_page, meeting) -> MinutesPage:
    index = home_page.add_child(instance=MinutesIndexPage(title="Minutes", slug="minutes"))
    minutes = MinutesPage(title="Minutes of the long meeting", slug="long-minutes", meeting=meeting, live=False,
                          easy_read_summary="<p>What we decided.</p>")
    index.add_child(instance=minutes)
    MinutesPage.objects.filter(pk=minutes.pk).update(status=MinutesPage.Status.APPROVED)
    minutes.refresh_from_db()
    minutes.save_revision().publish()
    return MinutesPage.objects.get(pk=minutes.pk)


def decision_links(html: str) -> int:
    return html.count('href="/governance/decisions/TB-')


def test_minutes_of_a_long_meeting_list_the_first_20_decisions_and_link_to_the_rest(home_page, client):
    board = make_body()
    meeting, other = make_meeting(board), make_meeting(board)
    for n in range(DECISIONS_SHOWN + 3):
        make_decision(board, meeting=meeting, title=f"Long meeting decision {n}")
    make_decision(board, meeting=other, title="Another meeting's decision")
    minutes = published_minutes(home_page, meeting)

    html = client.get(minutes.url).content.decode()

    assert decision_links(html) == DECISIONS_SHOWN
    assert "This meeting made more than 20 decisions. Here are the first 20." in html
    assert f'href="{REGISTER}?meeting={meeting.pk}"' in html
    register = client.get(REGISTER, {"meeting": meeting.pk}).content.decode()
    assert "23 decisions match" in register
    assert "Another meeting&#x27;s decision" not in register and "Another meeting's decision" not in register
    assert f"Decisions taken at {board.name}: {meeting.title}" in register


def test_minutes_with_few_decisions_list_them_all_without_a_link(home_page, client):
    board = make_body()
    meeting = make_meeting(board)
    for n in range(3):
        make_decision(board, meeting=meeting)

    html = client.get(published_minutes(home_page, meeting).url).content.decode()

    assert decision_links(html) == 3
    assert "?meeting=" not in html


def test_you_said_we_did_lists_the_first_5_decisions_about_a_theme_and_links_to_all_of_them(home_page, client):
    consultation = make_consultation(opens_at=timezone.now() - timedelta(days=20),
                                     closes_at=timezone.now() - timedelta(days=1))
    busy, quiet = make_theme(consultation, name="Evening opening"), make_theme(consultation, name="Parking")
    board = make_body()
    statement = ResponseStatement.objects.get(theme=busy)
    for n in range(CITED_SHOWN + 2):
        make_decision(board, themes=[busy], title=f"About evenings {n}")
    make_decision(board, evidence=[{"statement": statement, "relation": EvidenceLink.Relation.ADOPTED}],
                  title="About the evening statement")
    make_decision(board, themes=[quiet], title="About parking")

    items = {item.name: item for item in you_said_we_did(consultation)}
    html = client.get(consultation.url).content.decode()

    listed = items["Evening opening"].decisions + [d for s in items["Evening opening"].statements for d in s.decisions]
    assert len(listed) == CITED_SHOWN + 1  # the statement's first 5, the theme's own first 5, each once
    assert items["Evening opening"].more_decisions_url == f"{REGISTER}?theme={busy.pk}"
    assert items["Parking"].more_decisions_url == ""
    assert f'href="{REGISTER}?theme={busy.pk}"' in html and "See every decision about Evening opening" in html
    register = client.get(REGISTER, {"theme": busy.pk}).content.decode()
    assert f"{CITED_SHOWN + 3} decisions match" in register  # the statement's decision too
    assert "About parking" not in register


def test_the_register_ignores_a_theme_that_you_said_we_did_does_not_show(home_page, client):
    board = make_body()
    hidden = make_theme(name="An analyst's working note", published=False)
    make_decision(board, themes=[hidden])
    make_decision(board)

    register = client.get(REGISTER, {"theme": hidden.pk}).content.decode()

    assert "working note" not in register
    assert "2 decisions" in register


def test_the_register_ignores_a_meeting_or_theme_that_is_not_a_number(home_page, client):
    make_decision(make_body())

    response = client.get(REGISTER, {"meeting": "1 OR 1=1", "theme": "x" * 40})

    assert response.status_code == 200
    assert "1 decision" in response.content.decode()
