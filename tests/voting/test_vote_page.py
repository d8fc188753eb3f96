"""Voting through the page: rank with numbers, get a receipt once, and be told plainly on a second try."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.governance.factories import make_body
from voting.models import Ballot, BallotOption, RollEntry
from voting.services import ballot_close, ballot_open, receipt_hash, vote_cast

from .test_casting import make_ballot, nothing_cast, sealed_votes, voters_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(home_page):
    body = make_body(code="TB", members=3, lived=1)
    now = timezone.now()
    ballot = Ballot.objects.create(title="Trustee election", kind=Ballot.Kind.IRV, body=body,
                                   opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1))
    options = [BallotOption.objects.create(ballot=ballot, label=n, order=i).pk for i, n in enumerate(["Ana", "Bo", "Cy"])]
    ballot_open(ballot=ballot, user=None)
    return ballot, options, voters_of(body)


def test_a_voter_ranks_gets_a_receipt_and_is_told_when_trying_again(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    assert "Number 1" in client.get(f"/ballots/{ballot.pk}/vote/").content.decode()
    paper = {f"rank_{cy}": "1", f"rank_{ana}": "2", f"rank_{bo}": ""}
    assert "Check your vote" in client.post(f"/ballots/{ballot.pk}/vote/", paper).content.decode()
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {**paper, "confirmed": "1"})
    html = reply.content.decode()
    assert reply.status_code == 200 and "Your receipt code" in html and "no-store" in reply["Cache-Control"]
    code = html.split("<strong>")[1].split("</strong>")[0]
    assert sealed_votes(ballot) == [([cy, ana], receipt_hash(code))]
    again = client.get(f"/ballots/{ballot.pk}/vote/").content.decode()
    assert "You have already voted" in again
    assert client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{bo}": "1", "confirmed": "1"}).status_code == 200
    assert len(sealed_votes(ballot)) == 1


def test_a_number_used_twice_is_explained_and_the_choices_are_kept(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana}": "1", f"rank_{bo}": "1", f"rank_{cy}": "2"})
    html = reply.content.decode()
    assert reply.status_code == 400 and "Number 1 is used more than once" in html
    assert 'value="2" selected' in html
    assert nothing_cast()


def test_people_off_the_roll_and_visitors_cannot_vote(client, ranked, user_factory):
    ballot, _, _ = ranked
    assert "/account/sign-in/" in client.get(f"/ballots/{ballot.pk}/vote/")["Location"]
    client.force_login(user_factory())
    refused = client.get(f"/ballots/{ballot.pk}/vote/")
    assert refused.status_code == 403 and "not on the list of people who can vote" in refused.content.decode()


def hidden_inputs(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(rank_\d+|vote)" value="([^"]*)"', html))


def test_a_valid_paper_is_shown_back_in_plain_words_and_nothing_is_written(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{bo}": "1", f"rank_{cy}": "2", f"rank_{ana}": ""})
    html = reply.content.decode()
    assert reply.status_code == 200 and "no-store" in reply["Cache-Control"]
    assert "<h1 class=\"govuk-heading-l\">Check your vote</h1>" in html
    assert html.index("<li>1. Bo</li>") < html.index("<li>2. Cy</li>")
    assert "You did not give a number to: Ana." in html
    assert hidden_inputs(html) == {f"rank_{bo}": "1", f"rank_{cy}": "2"}
    assert 'name="confirmed" value="1"' in html and 'name="change" value="1"' in html
    assert nothing_cast()
    assert not RollEntry.objects.filter(ballot=ballot, has_voted=True).exists()


def test_change_shows_the_paper_again_filled_in_without_errors(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{bo}": "1", f"rank_{ana}": "2", "change": "1"})
    html = reply.content.decode()
    assert reply.status_code == 200 and "Check your vote" not in html and "There is a problem" not in html
    selected = dict(re.findall(r'name="(rank_\d+)".*?<option value="(\d?)" selected', html, re.S))
    assert selected == {f"rank_{ana}": "2", f"rank_{bo}": "1", f"rank_{cy}": ""}
    assert nothing_cast()


def test_confirming_casts_exactly_one_paper_and_a_second_confirm_is_told_already_voted(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[1])
    check = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana}": "1", f"rank_{bo}": "2", f"rank_{cy}": "3"})
    sent = {**hidden_inputs(check.content.decode()), "confirmed": "1"}
    first = client.post(f"/ballots/{ballot.pk}/vote/", sent)
    assert first.status_code == 200 and "Your receipt code" in first.content.decode()
    second = client.post(f"/ballots/{ballot.pk}/vote/", sent)
    assert second.status_code == 200 and "You have already voted" in second.content.decode()
    assert "no-store" in second["Cache-Control"]
    assert [choices for choices, _ in sealed_votes(ballot)] == [[ana, bo, cy]]
    assert RollEntry.objects.get(ballot=ballot, voter=voters[1]).has_voted


def test_a_vote_taken_elsewhere_meanwhile_is_reported_as_already_voted(client, ranked, monkeypatch):
    """Another tab's vote lands between this request's roll check and its cast: the page says so plainly."""
    ballot, (ana, bo, _), voters = ranked
    client.force_login(voters[0])

    def other_tab_first(**kwargs):
        vote_cast(ballot=ballot, user=voters[0], choices=[bo])
        return vote_cast(**kwargs)

    monkeypatch.setattr("voting.views.vote_cast", other_tab_first)
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana}": "1", "confirmed": "1"})
    assert reply.status_code == 200 and "You have already voted" in reply.content.decode()
    assert [choices for choices, _ in sealed_votes(ballot)] == [[bo]]


def test_an_invalid_confirmed_paper_is_not_cast_and_keeps_the_choices(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    reply = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana}": "1", f"rank_{bo}": "3", "confirmed": "1"})
    html = reply.content.decode()
    assert reply.status_code == 400 and "Use numbers in order with no gaps" in html
    assert 'value="3" selected' in html
    assert nothing_cast()


@pytest.mark.parametrize("kind, answer, shown", [
    (Ballot.Kind.MOTION, "for", "<li>For</li>"),
    (Ballot.Kind.SINGLE, "Bo", "<li>Bo</li>"),
])
def test_a_motion_or_single_choice_is_checked_then_cast(client, home_page, kind, answer, shown):
    body = make_body(code="SU", members=2, lived=1)
    ballot = make_ballot(body, kind=kind, options=("Ana", "Bo"))
    ballot_open(ballot=ballot, user=None)
    value = answer if kind == Ballot.Kind.MOTION else str(ballot.options.get(label=answer).pk)
    client.force_login(voters_of(body)[0])
    check = client.post(f"/ballots/{ballot.pk}/vote/", {"vote": value})
    assert shown in check.content.decode() and hidden_inputs(check.content.decode()) == {"vote": value}
    assert nothing_cast()
    changed = client.post(f"/ballots/{ballot.pk}/vote/", {"vote": value, "change": "1"}).content.decode()
    assert re.search(rf'value="{value}"[^>]*checked', changed)
    assert "Your receipt code" in client.post(f"/ballots/{ballot.pk}/vote/", {"vote": value, "confirmed": "1"}).content.decode()
    [(stored, _)] = sealed_votes(ballot)
    assert stored == ([value] if kind == Ballot.Kind.MOTION else [int(value)])


def test_a_closed_ballot_says_voting_has_closed(client, ranked):
    ballot, _, voters = ranked
    ballot_close(ballot=ballot)
    client.force_login(voters[0])
    reply = client.get(f"/ballots/{ballot.pk}/vote/")
    assert reply.status_code == 200 and "Voting has closed" in reply.content.decode()


def test_what_the_returning_officer_typed_is_shown_as_text_not_markup(client, ranked):
    ballot, (ana, _, _), voters = ranked
    Ballot.objects.filter(pk=ballot.pk).update(title="<i>Chair</i>", description="Pick {{ well }} <b>now</b>")
    BallotOption.objects.filter(pk=ana).update(label="<script>Ana</script>")
    client.force_login(voters[0])
    html = client.get(f"/ballots/{ballot.pk}/vote/").content.decode()
    assert "<script>Ana" not in html and "<i>Chair" not in html and "<b>now" not in html
    assert "&lt;script&gt;Ana&lt;/script&gt;" in html and "&lt;i&gt;Chair&lt;/i&gt;" in html
    assert "Pick {{ well }} &lt;b&gt;now&lt;/b&gt;" in html and 'aria-describedby="ranking-hint"' in html
    check = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana}": "1"}).content.decode()
    assert "<li>1. &lt;script&gt;Ana&lt;/script&gt;</li>" in check


def test_candidates_statements_and_photos_are_on_the_paper(client, ranked):
    from wagtail.images.models import Image
    from wagtail.images.tests.utils import get_test_image_file

    ballot, (ana, bo, cy), voters = ranked
    BallotOption.objects.filter(pk=ana).update(
        statement="I will <b>listen</b> first.", photo=Image.objects.create(title="Ana", file=get_test_image_file())
    )
    client.force_login(voters[0])
    html = client.get(f"/ballots/{ballot.pk}/vote/").content.decode()
    assert "What the candidates say" in html
    assert "I will &lt;b&gt;listen&lt;/b&gt; first." in html
    assert 'alt="Ana"' in html


def receipt_of(html: str) -> str:
    """The receipt code shown on a check page."""
    return re.search(r'id="receipt-code">([^<]+)<', html).group(1)


def test_the_receipt_code_is_shown_before_sending_and_is_the_code_the_vote_gets(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    paper = {f"rank_{bo}": "1", f"rank_{ana}": "2"}
    check = client.post(f"/ballots/{ballot.pk}/vote/", paper).content.decode()
    code = receipt_of(check)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert "Write it down or take a screenshot now" in check
    assert nothing_cast()  # showing the code writes nothing
    sent = client.post(f"/ballots/{ballot.pk}/vote/", {**paper, "confirmed": "1"}).content.decode()
    assert f"<strong>{code}</strong>" in sent
    assert sealed_votes(ballot) == [([bo, ana], receipt_hash(code))]


def test_a_voter_whose_connection_drops_after_sending_still_has_her_code_and_can_check_it(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    paper = {f"rank_{cy}": "1"}
    code = receipt_of(client.post(f"/ballots/{ballot.pk}/vote/", paper).content.decode())
    client.post(f"/ballots/{ballot.pk}/vote/", {**paper, "confirmed": "1"})  # the answer is lost
    again = client.get(f"/ballots/{ballot.pk}/vote/").content.decode()
    assert "You have already voted" in again and f"/ballots/{ballot.pk}/receipts/" in again
    assert "You were shown a receipt code when you checked your vote" in again
    assert "Your receipt code" not in again  # the words that mean a vote was just taken (tests/voting/test_vote_load.py)
    ballot_close(ballot=ballot)
    counted = client.post(f"/ballots/{ballot.pk}/receipts/", {"code": code.lower()}).content.decode()
    assert "Your vote was counted" in counted


def test_the_check_page_shows_the_same_code_on_every_visit_and_after_changes(client, ranked):
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    code = receipt_of(client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana}": "1"}).content.decode())
    client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana}": "1", "change": "1"})
    client.get(f"/ballots/{ballot.pk}/vote/")  # back to the paper, as the browser's Back button does
    assert receipt_of(client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{bo}": "1"}).content.decode()) == code
    wrong = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{bo}": "1", f"rank_{cy}": "1"})
    assert wrong.status_code == 400
    other = client.session.session_key
    client.logout()
    client.force_login(voters[0])  # another device: a new session
    assert client.session.session_key != other
    assert receipt_of(client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{cy}": "1"}).content.decode()) == code
    client.force_login(voters[1])
    assert receipt_of(client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{cy}": "1"}).content.decode()) != code


def test_a_receipt_field_added_to_the_form_changes_nothing(client, ranked):
    """Nothing about the receipt travels in the form, so nothing a browser sends can change it."""
    ballot, (ana, bo, cy), voters = ranked
    client.force_login(voters[0])
    code = receipt_of(client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{ana}": "1"}).content.decode())
    sent = client.post(f"/ballots/{ballot.pk}/vote/", {f"rank_{bo}": "1", "receipt": "AAAA-BBBB-CCCC", "confirmed": "1"})
    assert f"<strong>{code}</strong>" in sent.content.decode()
    assert sealed_votes(ballot) == [([bo], receipt_hash(code))]


@pytest.mark.parametrize("kind", [Ballot.Kind.MOTION, Ballot.Kind.SINGLE, Ballot.Kind.APPROVAL, Ballot.Kind.IRV])
def test_the_kept_blank_paper_is_the_paper_crispy_forms_renders_and_carries_no_ones_token(client, home_page, kind):
    """The blank paper is rendered once per ballot and kept (portal/home/stable.py): it must be exactly
    what the page rendered before, and hold nothing of the first voter who opened it."""
    import pickle

    from django.core.cache import cache
    from django.template import Context, Template

    from voting.forms import BallotPaperForm

    body = make_body(code="TB", members=3, lived=1)
    ballot = make_ballot(body, kind=kind)
    ballot_open(ballot=ballot, user=None)
    first, second = voters_of(body)[:2]
    client.force_login(first)
    client.get(f"/ballots/{ballot.pk}/vote/")
    client.force_login(second)
    html = client.get(f"/ballots/{ballot.pk}/vote/").content.decode()  # from what was kept
    form = BallotPaperForm(ballot)
    expected = Template("{% load crispy_forms_tags %}{% crispy form %}").render(Context({"form": form}))
    assert expected.strip() and expected in html
    kept = b"".join(pickle.dumps(value) for value in cache._cache.values())
    assert b"csrfmiddlewaretoken" not in kept and first.email.encode() not in kept
    assert any(f":html:ballot-paper:{ballot.pk}" in key for key in cache._cache)
