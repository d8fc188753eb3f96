"""Issue 15, plain words on the governance pages: what a decision did with what people said as a
sentence (never "(informed by, carried)"), each decision once per theme in "you said, we did", and a
plain line before every fingerprint (ledger hash) shown to the public."""

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from consultations.models import ResponseStatement
from consultations.you_said_we_did import you_said_we_did
from governance import evidence
from governance.labels import outcome_words, relation_sentence
from governance.models import Decision, EvidenceLink
from portal.accounts import roles

from .factories import make_body, make_decision, make_theme
from .test_minutes import locked_minutes, make_meeting, make_minutes
from tests.consultations.factories import make_consultation

pytestmark = pytest.mark.django_db

Relation, Outcome = EvidenceLink.Relation, Decision.Outcome
FINGERPRINT = "This code is a fingerprint of the record. If anyone changed the record, the code would no longer match."


# --- relations as sentences -----------------------------------------------------------------------
@pytest.mark.parametrize(("relation", "outcome", "note", "words"), [
    (Relation.INFORMED_BY, Outcome.CARRIED, "", "This decision used what you told us. It was agreed."),
    (Relation.ADAPTED, Outcome.CARRIED, "", "This decision took your idea and changed it. It was agreed."),
    (Relation.ADOPTED, Outcome.NOT_CARRIED, "", "This decision does what you asked for. It was not agreed."),
    (Relation.ADOPTED, Outcome.DEFERRED, "", "This decision does what you asked for. It was put off to a later meeting."),
    (Relation.INFORMED_BY, Outcome.NOTED, "", "This decision used what you told us. It was noted. There was no vote."),
    (Relation.REJECTED_BECAUSE, Outcome.CARRIED, " It would cost too much ",
     "This decision does not do what you asked. The reason: It would cost too much. It was agreed."),
    (Relation.REJECTED_BECAUSE, Outcome.CARRIED, "Is it safe?",
     "This decision does not do what you asked. The reason: Is it safe? It was agreed."),
    # The note says how an idea shaped a decision; only a reason for not doing it joins the sentence.
    (Relation.ADAPTED, Outcome.CARRIED, "Weekdays only", "This decision took your idea and changed it. It was agreed."),
])
def test_every_relation_and_outcome_is_a_plain_sentence(relation, outcome, note, words):
    assert relation_sentence(relation, outcome, note) == words


def test_every_pair_has_words_and_no_codes_or_old_labels():
    for relation in Relation.values:
        for outcome in Outcome.values:
            words = relation_sentence(relation, outcome, "x")
            assert words.endswith(".") and "_" not in words and "(" not in words
            assert not any(old in words.lower() for old in ("informed by", "carried", "deferred", "rejected"))
    assert [outcome_words(o) for o in Outcome.values] == ["Agreed", "Not agreed", "Put off to a later meeting",
                                                         "Noted, no vote"]


def test_the_decision_page_and_register_say_it_in_sentences(client, home_page):
    theme = make_theme(name="Evening opening")
    board = make_body()
    decision = make_decision(board, evidence=[
        {"theme": theme, "relation": Relation.REJECTED_BECAUSE, "note": "We have no staff after 6pm."},
    ], outcome=Outcome.DEFERRED, title="Not this year")

    html = client.get(f"/governance/decisions/{decision.reference}/").content.decode()
    register = client.get("/governance/decisions/").content.decode()

    assert ("This decision does not do what you asked. The reason: We have no staff after 6pm. "
            "It was put off to a later meeting.") in html
    assert html.count("We have no staff after 6pm.") == 1
    assert "Put off to a later meeting" in register and "Deferred" not in register and "Deferred" not in html
    assert "Rejected, because" not in html


# --- each decision once per theme -----------------------------------------------------------------
@pytest.fixture
def twice_linked(home_page):
    """A closed consultation whose theme has two published "we did" statements, and decisions linked to
    it several times over: to the theme twice, to the theme and a statement, to both statements."""
    page = make_consultation(closes_at=timezone.now() - timedelta(days=1), opens_at=timezone.now() - timedelta(days=10))
    theme = make_theme(page, name="Evening opening")
    first = theme.statements.get()
    second = ResponseStatement.objects.create(theme=theme, text="We will train two more peer workers.", published=True)
    board = make_body()
    twice_theme = make_decision(board, title="Open until 8pm", evidence=[
        {"theme": theme, "relation": Relation.ADOPTED}, {"theme": theme, "relation": Relation.INFORMED_BY},
        {"consultation": page, "relation": Relation.INFORMED_BY},
    ])
    theme_and_statement = make_decision(board, title="Staff the evenings", evidence=[
        {"theme": theme, "relation": Relation.INFORMED_BY}, {"statement": second, "relation": Relation.ADOPTED},
    ])
    both_statements = make_decision(board, title="Pay for training", evidence=[
        {"statement": first, "relation": Relation.INFORMED_BY}, {"statement": second, "relation": Relation.INFORMED_BY},
    ])
    return page, theme, (first, second), (twice_theme, theme_and_statement, both_statements)


def test_you_said_we_did_lists_each_decision_once_per_theme(twice_linked):
    page, _theme, (first, second), (twice_theme, theme_and_statement, both_statements) = twice_linked

    [item] = you_said_we_did(page)

    listed = [d["reference"] for d in item.decisions] + [d["reference"] for s in item.statements for d in s.decisions]
    assert sorted(listed) == sorted(d.reference for d in (twice_theme, theme_and_statement, both_statements))
    assert [d["reference"] for d in item.decisions] == [twice_theme.reference]
    by_statement = {s.statement_id: [d["reference"] for d in s.decisions] for s in item.statements}
    assert by_statement == {first.pk: [both_statements.reference], second.pk: [theme_and_statement.reference]}
    assert item.decisions[0]["relation"] == "This decision does what you asked for. It was agreed."


def test_the_consultation_page_shows_each_decision_once_with_a_sentence(client, twice_linked):
    page, _theme, _statements, decisions = twice_linked

    html = client.get(page.url).content.decode()

    for decision in decisions:
        assert html.count(f'href="/governance/decisions/{decision.reference}/"') == 1
    assert "This decision used what you told us. It was agreed." in html
    assert "(adopted" not in html and "informed by" not in html.lower()


def test_the_evidence_report_tells_each_decision_once_per_theme(twice_linked):
    _page, theme, _statements, decisions = twice_linked
    today = timezone.localdate()

    stories = evidence.you_said_we_did(evidence.Period(today - timedelta(days=30), today))

    assert [s["you_said"] for s in stories] == [theme.name, theme.name]
    listed = [d["reference"] for story in stories for d in story["decisions"]]
    assert sorted(listed) == sorted(d.reference for d in decisions)


# --- fingerprints explained -----------------------------------------------------------------------
def test_locked_minutes_say_what_their_fingerprint_is_and_link_to_how_to_check(client, home_page, user_factory):
    body = make_body("TB")
    setting = (body, make_meeting(body, days_ago=30), make_meeting(body, days_ago=2),
               make_minutes(home_page, make_meeting(body, days_ago=30)))
    minutes, _decision = locked_minutes(setting, user_factory(roles=[roles.SECRETARIES]))

    html = client.get(minutes.url).content.decode()

    assert "Ledger hash" not in html
    assert html.index(FINGERPRINT) < html.index(minutes.locked_hash)
    assert 'href="/transparency/#fingerprints"' in html


def test_the_transparency_page_explains_fingerprints_where_the_links_land(client, home_page):
    html = client.get("/transparency/").content.decode()

    assert 'id="fingerprints"' in html and 'id="how-to-check"' in html
    assert "Locked minutes show a long code called a fingerprint." in html


def test_dates_on_the_register_are_gov_uk_style(client, home_page):
    board = make_body()
    make_decision(board, title="Spring decision", decided_on=datetime.date(2026, 3, 4))

    html = client.get("/governance/decisions/").content.decode()

    assert "4 March 2026" in html
