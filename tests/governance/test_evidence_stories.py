"""The evidence report told as well as counted: editors' words for each 4Pi section (figures quoted, never
typed), "you said, we did" stories linked to the decisions that cited them and what changed, and actions
in one wording everywhere."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import ResponseStatement
from governance.evidence import Period, evidence_report, plain_text
from governance.models import Action, Outcome
from portal.home.models import SiteSettings
from tests.consultations.factories import make_consultation

from .factories import make_body, make_decision, make_meeting, make_theme

pytestmark = pytest.mark.django_db


def statement(theme, text, days_ago):
    made = ResponseStatement.objects.create(theme=theme, text=text, published=True)
    ResponseStatement.objects.filter(pk=made.pk).update(published_at=timezone.now() - timedelta(days=days_ago))
    return made


def test_each_section_shows_what_editors_wrote_with_figures_quoted(client, home_page):
    make_body("SUC", members=12, lived=6, name="Council", slug="suc")
    settings = SiteSettings.for_site(home_page.get_site())
    settings.evidence_presence_story = "<p>On the council, {seats:SUC} are lived-experience seats.</p>"
    settings.evidence_impact_story = "<p>The drop-in opens on Saturdays now.</p>"
    settings.save()
    today = timezone.localdate()

    report = evidence_report(period=Period(today - timedelta(days=30), today), public=True)
    stories = {s["key"]: s["narrative"] for s in report.sections}
    assert f"6 of 12 voting seats (50%) on {today.day} {today:%B %Y}" in stories["presence"]
    assert stories["impact"] == "<p>The drop-in opens on Saturdays now.</p>" and stories["purpose"] == ""
    page = client.get(f"/governance/evidence/?from={today - timedelta(days=30)}&to={today}").content.decode()
    assert 'id="story-presence"' in page and "6 of 12 voting seats (50%)" in page and 'id="story-purpose"' not in page


def test_you_said_we_did_links_each_statement_to_the_decisions_that_cited_it_and_what_changed(client, home_page):
    board, council = make_body("TB", name="Board", slug="tb"), make_body("SUC", name="Council", slug="suc")
    page = make_consultation(title="Drop-in hours")
    saturdays, quiet = (make_theme(page, name, published=False) for name in ("Open on Saturdays", "A quiet room"))
    opened = statement(saturdays, "We open on Saturdays from April.", days_ago=10)
    statement(quiet, "We made a quiet room.", days_ago=5)
    statement(quiet, "Too old to count.", days_ago=400)
    decision = make_decision(board, make_meeting(board), themes=[saturdays], title="Open on Saturdays")
    Outcome.objects.create(decision=decision, what_changed="Twelve more people came on Saturdays.")
    today = timezone.localdate()
    period = Period(today - timedelta(days=30), today)

    stories = evidence_report(period=period, public=True).stories

    assert [(s["you_said"], s["we_did"]) for s in stories] == [
        ("Open on Saturdays", "We open on Saturdays from April."), ("A quiet room", "We made a quiet room.")]
    assert stories[0]["decisions"] == [{
        "reference": decision.reference, "title": "Open on Saturdays", "url": f"/governance/decisions/{decision.reference}/",
        "outcomes": ["Twelve more people came on Saturdays."]}]
    opened.refresh_from_db()
    assert stories[1]["decisions"] == [] and stories[0]["on"] == timezone.localdate(opened.published_at)
    for_council = evidence_report(period=Period(period.start, today, council), public=True).stories
    assert for_council == []  # no council decision cited either
    shown = client.get(f"/governance/evidence/?from={period.start}&to={today}").content.decode()
    assert 'id="you-said-we-did"' in shown and "Twelve more people came on Saturdays." in shown


def test_an_action_reads_the_same_in_its_table_its_timeline_and_the_records(client, home_page):
    board = make_body()
    decision = make_decision(board, make_meeting(board), title="Fix the ramp")
    late = Action.objects.create(decision=decision, title="Ask the council", due_on=timezone.localdate() - timedelta(days=3),
                                 status=Action.Status.BLOCKED)
    page = client.get(f"/governance/decisions/{decision.reference}/").content.decode()
    due = late.due_on
    words = f"Blocked, overdue: it was due {due.day} {due:%B %Y}"
    assert late.status_text == words and page.count(words) == 2  # the actions table and the timeline
    assert "(to come)" not in page.split(words)[2][:80]
    records = client.get(f"/governance/evidence/records/actions/?from={due - timedelta(days=5)}&to={due}").content.decode()
    assert words in records


def test_paragraphs_do_not_run_together_in_plain_text():
    assert plain_text("<p>Most seats.</p><p>We ask first.</p><ul><li>One</li><li>Two</li></ul>") == (
        "Most seats. We ask first. One Two")
