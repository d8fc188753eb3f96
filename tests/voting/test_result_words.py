"""The ranked count in plain words: small hand-made tallies, and the figures in the words add up."""

import re
from decimal import Decimal

import pytest

from voting import tally
from voting.result_words import explain, number_text, outcome_sentences, stage_sentences, votes_text

NAMES = {"a": "Ali", "b": "Bo", "c": "Cy", "d": "Di", "e": "Ed"}
NUMBER = r"(\d+(?:\.\d\d)?|less than 0\.01)"


def figure(text: str) -> Decimal:
    return Decimal(0) if text.lower() == "less than 0.01" else Decimal(text)


def moved(sentences: list[str]) -> dict:
    """The figures a stage's words give: the votes that moved, where they went, what left and was lost."""
    text = " ".join(sentences)
    found = {"moved": None, "to": {}, "left": Decimal(0), "lost": Decimal(0)}
    if m := re.search(rf"had {NUMBER} (?:votes?|of a vote) more than the quota", text):
        found["moved"] = figure(m.group(1))
    if m := re.search(rf"'s {NUMBER} (?:votes?|of a vote) (?:was|were) passed on", text):
        found["moved"] = figure(m.group(1))
    if m := re.search(r"passed on to the next choices? on (?:those papers|that paper): ([^.]*(?:\.\d\d[^.]*)*)\.", text):
        for amount, name in re.findall(rf"{NUMBER} to (\w+)", m.group(1)):
            found["to"][name] = figure(amount)
    if m := re.search(rf"{NUMBER} (?:votes?|of a vote) left the count", text, re.I):
        found["left"] = figure(m.group(1))
    if m := re.search(rf"{NUMBER} (?:votes?|of a vote) was lost to rounding", text, re.I):
        found["lost"] = figure(m.group(1))
    return found


def assert_every_stage_adds_up(result: dict) -> list[list[str]]:
    """In every stage, the words' figures for where the moved votes went add up to the votes that moved,
    and the totals shown add up to the valid votes."""
    told = explain(result, NAMES)
    for step in told["steps"]:
        found = moved(step["sentences"])
        if found["moved"] is not None:
            assert sum(found["to"].values()) + found["left"] + found["lost"] == found["moved"], step
        shown = [votes for _, votes in step["totals"]] + [step["left"], step["lost"]]
        assert sum(figure(re.match(NUMBER, votes, re.I).group(1)) for votes in shown) == result["valid"], step
    return [step["sentences"] for step in told["steps"]]


# --------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------
@pytest.mark.parametrize("cents, exact, words", [
    (2000, None, "20 votes"), (100, None, "1 vote"), (1267, None, "12.67 votes"), (43, None, "0.43 of a vote"),
    (0, None, "0 votes"), (0, 1, "less than 0.01 of a vote"), (4, None, "0.04 of a vote"), (101, None, "1.01 votes"),
])
def test_votes_are_whole_where_they_can_be_and_two_decimals_where_not(cents, exact, words):
    assert votes_text(cents, exact) == words


def test_a_number_never_has_five_decimals():
    assert number_text(1266) == "12.66" and number_text(1200) == "12"


# --------------------------------------------------------------------------
# STV
# --------------------------------------------------------------------------
def test_a_surplus_is_passed_on_and_the_parts_add_up_to_it():
    """Ali 20, Bo 9, Cy 6 and Di 1 first choices, 2 places: the quota is 13 and Ali's 7 extra votes go
    on at 7/20 of a vote a paper (0.35): 12 papers to Bo (4.2), 6 to Cy (2.1), 2 with no more choices."""
    papers = [("a", "b")] * 12 + [("a", "c")] * 6 + [("a",)] * 2 + [("b",)] * 9 + [("c",)] * 6 + [("d", "c")]
    result = tally.stv(papers, list("abcd"), 2)
    sentences = assert_every_stage_adds_up(result)
    assert result["quota"] == 13
    assert sentences[0] == ["The first choice on every paper was counted.",
                            "Ali reached the quota of 13 votes and was elected."]
    assert sentences[1] == [
        "Ali had 7 votes more than the quota.",
        "These extra votes were passed on to the next choices on those papers: 4.20 to Bo and 2.10 to Cy.",
        "0.70 of a vote left the count at this stage because those papers showed no more choices.",
        "Bo reached the quota of 13 votes and was elected.",
    ]


def test_an_exclusion_says_who_was_out_and_where_their_votes_went_and_who_was_not_elected():
    """Ali 5, Bo 5, Cy 3 (next Bo), Di 2 (one next Cy, one with no more choices), 1 place: quota 8."""
    papers = [("a",)] * 5 + [("b",)] * 5 + [("c", "b")] * 3 + [("d", "c"), ("d",)]
    result = tally.stv(papers, list("abcd"), 1)
    sentences = assert_every_stage_adds_up(result)
    assert sentences[0][-1] == "Nobody reached the quota of 8 votes."
    assert sentences[1] == [
        "Di had the fewest votes and was out of the count.",
        "Di's 2 votes were passed on to the next choices on those papers: 1 to Cy.",
        "1 vote left the count at this stage because that paper showed no more choices.",
    ]
    assert sentences[2] == [
        "Cy had the fewest votes and was out of the count.",
        "Cy's 4 votes were passed on to the next choices on those papers: 3 to Bo.",
        "1 vote left the count at this stage because that paper showed no more choices.",
        "Bo reached the quota of 8 votes and was elected.",
    ]
    assert outcome_sentences(result, NAMES) == [
        "There was 1 place to fill.",
        "Elected: Bo.",
        "Not elected: Ali, Cy, Di.",
        "Of the 15 votes counted, 2 votes left the count because those papers showed no more choices. "
        "The remaining 13 votes stayed with the candidates to the end of the count.",
    ]


def test_a_rounding_loss_is_told_and_every_vote_is_accounted_for():
    """Ali 7 first choices, quota 4 of 11: 3 extra votes go on at 0.42857 a paper (3/7 truncated), so
    0.00001 of a vote is lost; the words round to 2 places yet still add up."""
    papers = [("a", "b")] * 4 + [("a", "c")] * 2 + [("a",)] + [("b",)] + [("c", "b")] * 2 + [("d",)]
    result = tally.stv(papers, list("abcd"), 2)
    assert result["stages"][1]["loss"] == "0.00001"
    sentences = assert_every_stage_adds_up(result)
    assert sentences[1] == [
        "Ali had 3 votes more than the quota.",
        "These extra votes were passed on to the next choices on those papers: 1.71 to Bo and 0.86 to Cy.",
        "0.43 of a vote left the count at this stage because those papers showed no more choices.",
        "Less than 0.01 of a vote was lost to rounding when extra votes were passed on.",
    ]
    last = outcome_sentences(result, NAMES)[-1]
    assert last == ("Of the 11 votes counted, 4.14 votes left the count because those papers showed no more "
                    "choices and less than 0.01 of a vote was lost to rounding. The remaining 6.86 votes stayed "
                    "with the candidates to the end of the count.")
    left, kept = re.findall(r"(\d+\.\d\d) votes", last)
    assert Decimal(left) + Decimal(kept) == result["valid"]


def stage(n, action, votes, **fields):
    base = {"stage": n, "action": action, "candidate": None, "surplus": None, "tie_break": None, "transfers": {},
            "non_transferable": "0.00000", "loss": "0.00000", "votes": votes, "exhausted": "0.00000",
            "loss_total": "0.00000", "elected": [], "excluded": []}
    return {**base, **fields}


def test_a_visible_rounding_loss_is_given_in_hundredths_and_the_totals_still_add_up():
    """A hand-made count with a big loss (as thousands of papers give): 0.04 of a vote lost."""
    result = {
        "method": "stv", "options": ["a", "b", "c"], "seats": 1, "valid": 30, "quota": 16, "invalid": 0,
        "stages": [
            stage(1, "first", {"a": "20.00000", "b": "6.00000", "c": "4.00000"}, elected=["a"],
                  elected_how={"a": "quota"}),
            stage(2, "surplus", {"a": "16.00000", "b": "8.66667", "c": "5.29333"}, candidate="a",
                  surplus="4.00000", transfers={"b": "2.66667", "c": "1.29333"}, loss="0.04000",
                  loss_total="0.04000"),
        ],
        "elected": ["a"], "excluded": [], "exhausted": "0.00000", "loss_total": "0.04000",
    }
    sentences = assert_every_stage_adds_up(result)
    assert sentences[1] == [
        "Ali had 4 votes more than the quota.",
        "These extra votes were passed on to the next choices on those papers: 2.67 to Bo and 1.29 to Cy.",
        "0.04 of a vote was lost to rounding when extra votes were passed on.",
    ]
    totals = explain(result, NAMES)["steps"][1]["totals"]
    assert totals == [("a", "16 votes"), ("b", "8.67 votes"), ("c", "5.29 votes")]
    assert Decimal("16") + Decimal("8.67") + Decimal("5.29") + Decimal("0.04") == 30


def test_a_tie_for_the_fewest_broken_by_lot_names_the_tied_and_says_lots_were_drawn():
    """Ali 4, Di 3, Bo 1, Cy 1, 1 place: Bo and Cy tie for the fewest at the first stage, so lots are drawn."""
    papers = [("a",)] * 4 + [("d",)] * 3 + [("b", "a"), ("c",)]
    result = tally.stv(papers, list("abcd"), 1, seed="ballot-7")
    assert result["stages"][1]["tie_break"] == "lot"
    out = result["stages"][1]["candidate"]
    sentences = assert_every_stage_adds_up(result)
    assert sentences[1][0] == ("Bo and Cy both had the fewest votes, so lots were drawn in the way published "
                               f"before the count: {NAMES[out]} was out of the count.")


def test_a_tie_broken_by_an_earlier_stage_says_so():
    """Ali 6, Bo 2, Cy 3, Di 1 (next Bo), 1 place: Di is out and Bo reaches 3, level with Cy; Bo had fewer
    at stage 1, so Bo is out (Scottish rule 51: the most recent stage where they differed)."""
    papers = [("a",)] * 6 + [("b",)] * 2 + [("c",)] * 3 + [("d", "b")]
    result = tally.stv(papers, list("abcd"), 1)
    assert result["stages"][2]["tie_break"] == "history"
    sentences = assert_every_stage_adds_up(result)
    assert sentences[2] == [
        "Bo and Cy both had the fewest votes. Bo had fewer votes at the last stage where they differed, "
        "so Bo was out of the count.",
        "Bo's 3 votes left the count at this stage because those papers showed no more choices.",
    ]


def test_equal_surpluses_drawn_by_lot_say_whose_went_first():
    """Ali 5 and Bo 5 of 15, 3 places, quota 4: both have 1 extra vote, equal at every stage, so a lot
    decides whose is passed on first (Scottish rule 49(3))."""
    papers = [("a", "c")] * 5 + [("b", "d")] * 5 + [("c",)] * 2 + [("d",)] * 2 + [("e",)]
    result = tally.stv(papers, list("abcde"), 3, seed="ballot-9")
    assert result["stages"][1]["tie_break"] == "lot" and result["stages"][1]["candidate"] == "a"
    sentences = assert_every_stage_adds_up(result)
    assert sentences[1] == [
        "Ali and Bo had the same number of extra votes, so lots were drawn in the way published before the "
        "count: Ali's extra votes were passed on first.",
        "Ali had 1 vote more than the quota.",
        "This extra vote was passed on to the next choices on those papers: 1 to Cy.",
    ]


def test_an_irv_tie_is_settled_by_the_first_round_where_they_differed():
    """Ali 4, Cy 3, Bo 2, Di 1 (next Bo): Di is out, then Bo and Cy have 3 each; Bo had fewer in round 1."""
    papers = [["a"]] * 4 + [["b"]] * 2 + [["c"]] * 3 + [["d", "b"]]
    result = tally.irv(papers, list("abcd"))
    assert result["rounds"][1]["tie_break"] == "history"
    sentences = assert_every_stage_adds_up(result)
    assert sentences[1] == [
        "Bo and Cy both had the fewest votes. Bo had fewer votes at the first round where they differed, so Bo "
        "was out of the count.",
        "Bo's 3 votes left the count at this round because those papers showed no more choices.",
    ]
    assert sentences[2] == ["Ali had more than half of the 7 votes still in the count, so Ali won."]


def test_the_last_place_filled_without_the_quota_says_why():
    """Ali 3, Bo 2, Cy 1, 1 place, quota 4: Cy then Bo are out, and Ali is the only one left."""
    papers = [("a",)] * 3 + [("b",)] * 2 + [("c",)]
    result = tally.stv(papers, list("abc"), 1)
    sentences = stage_sentences(result, NAMES)
    assert sentences[-1] == [
        "Bo had the fewest votes and was out of the count.",
        "Bo's 2 votes left the count at this stage because those papers showed no more choices.",
        "Ali was elected without reaching the quota, because there were as many candidates left as places "
        "left to fill.",
    ]


def test_no_sentence_has_five_decimals_or_the_legal_rule():
    papers = [("a", "b", "c")] * 7 + [("b", "c")] * 3 + [("c", "a")] * 2 + [("d", "b")] * 2
    result = tally.stv(papers, list("abcd"), 2)
    words = " ".join(s for step in stage_sentences(result, NAMES) for s in step) + " ".join(
        outcome_sentences(result, NAMES))
    assert not re.search(r"\d\.\d{3}", words) and "SSI" not in words and "quota of" in words


# --------------------------------------------------------------------------
# IRV
# --------------------------------------------------------------------------
def test_irv_rounds_say_who_was_out_where_the_votes_went_and_who_won():
    papers = [["a"], ["a"], ["a", "b"], ["b", "a"], ["b"], ["b"], ["c", "a"], ["c"]]
    result = tally.irv(papers, list("abc"), seed="s")
    sentences = assert_every_stage_adds_up(result)
    assert sentences[0] == [
        "The first choice on every paper was counted.",
        "Cy had the fewest votes and was out of the count.",
        "Cy's 2 votes were passed on to the next choices on those papers: 1 to Ali.",
        "1 vote left the count at this round because that paper showed no more choices.",
    ]
    assert sentences[1] == ["Ali had more than half of the 7 votes still in the count, so Ali won."]
    assert outcome_sentences(result, NAMES)[:3] == ["There was 1 place to fill.", "Elected: Ali.",
                                                    "Not elected: Bo, Cy."]


def test_irv_tie_broken_by_lot_and_the_only_candidate_left():
    result = tally.irv([["a"], ["b"]], list("ab"), seed="s")
    out = result["rounds"][0]["eliminated"]
    winner = result["winner"]
    sentences = stage_sentences(result, NAMES)
    assert sentences[0][1] == ("Ali and Bo both had the fewest votes, so lots were drawn in the way published "
                               f"before the count: {NAMES[out]} was out of the count.")
    assert sentences[1] == [f"{NAMES[winner]} was the only candidate left, so {NAMES[winner]} won."]


def test_a_count_with_no_votes_says_nobody_was_elected():
    result = tally.irv([], list("ab"))
    assert stage_sentences(result, NAMES) == [["The first choice on every paper was counted.",
                                               "Nobody won: there were no votes to count."]]
    assert outcome_sentences(result, NAMES) == ["There was 1 place to fill.",
                                                "Nobody was elected: there were no votes to count.",
                                                "Not elected: Ali, Bo."]
