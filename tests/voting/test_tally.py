"""Tests for voting.tally (pure counting functions, no database).

Published worked examples reproduced here:

* IRV: "Voting Theory: Instant Runoff", https://thoughtfulexaminations.com/voting-theory-instant-runoff
  (the library election from D. Lippman, *Math in Society*, ch. "Voting Theory"): 150 voters,
  round 1 L 66, F 39, C 45; F eliminated; round 2 L 79, C 71; L wins.
* STV: Wikipedia, "Single transferable vote", section "Example" (the food election),
  as mirrored at https://www.liquisearch.com/single_transferable_vote/example : 20 guests,
  3 seats, Droop quota 6; Chocolate elected with 12, surplus 6 goes 4 to Strawberries and 2 to
  Sweets; Pears excluded and transfer to Oranges, who reach the quota exactly; Strawberries take
  the last seat.  Winners: Chocolate, Oranges, Strawberries.

Property tests (hypothesis) check that papers are conserved in every round, and cross-checks
compare against pyrankvote (IRV) and stvpoll's ScottishSTV on random small elections without
any ties (tie-breaking rules differ between implementations).
"""

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.tally import SCALE, approval, irv, motion, plurality, stv, tally_hash

OPTS = ["a", "b", "c", "d", "e"]


def D(s):
    return Decimal(s)


# ---------------------------------------------------------------- published examples
def test_irv_published_library_example():
    papers = (
        [["L", "F", "C"]] * 41 + [["L", "C", "F"]] * 25 + [["F", "L", "C"]] * 13
        + [["F", "C", "L"]] * 26 + [["C", "F", "L"]] * 30 + [["C", "L", "F"]] * 15
    )
    r = irv(papers, ["L", "F", "C"])
    assert r["rounds"][0]["counts"] == {"L": 66, "F": 39, "C": 45}
    assert r["rounds"][0]["eliminated"] == "F"
    assert r["rounds"][1]["counts"] == {"L": 79, "C": 71}
    assert r["winner"] == "L"
    assert len(r["rounds"]) == 2


def test_stv_published_food_example():
    papers = (
        [["Oranges"]] * 4 + [["Pears", "Oranges"]] * 2 + [["Chocolate", "Strawberries"]] * 8
        + [["Chocolate", "Sweets"]] * 4 + [["Strawberries"]] + [["Sweets"]]
    )
    opts = ["Oranges", "Pears", "Chocolate", "Strawberries", "Sweets"]
    r = stv(papers, opts, seats=3)
    assert r["quota"] == 6
    s1, s2, s3 = r["stages"][:3]
    assert s1["elected"] == ["Chocolate"]
    assert s2["action"] == "surplus" and s2["candidate"] == "Chocolate"
    assert s2["transfers"] == {"Strawberries": "4.00000", "Sweets": "2.00000"}
    assert s2["votes"]["Strawberries"] == "5.00000" and s2["votes"]["Sweets"] == "3.00000"
    assert s3["action"] == "exclusion" and s3["excluded"] == ["Pears"]
    assert s3["votes"]["Oranges"] == "6.00000" and "Oranges" in s3["elected"]
    assert r["elected"] == ["Chocolate", "Oranges", "Strawberries"]


def test_stv_wigm_truncates_to_five_decimals():
    # 7 papers, 1 seat: quota 4, surplus 3 over 7 papers -> 3/7 = 0.42857 each, loss reported.
    papers = [["a", "b"]] * 7 + [["b"]] * 2 + [["c"]] * 2
    r = stv(papers, ["a", "b", "c"], seats=2)
    assert r["quota"] == 4
    s2 = r["stages"][1]
    assert s2["action"] == "surplus"
    assert s2["transfers"] == {"b": "2.99999"}  # 7 * 0.42857
    assert s2["loss"] == "0.00001"
    assert r["elected"] == ["a", "b"]


# ---------------------------------------------------------------- simple methods
def test_plurality_and_invalid():
    r = plurality(["a", "b", "a", "zz", None, ["a"]], ["a", "b"])
    assert r["counts"] == {"a": 2, "b": 1} and r["invalid"] == 3 and r["winners"] == ["a"]


def test_approval():
    r = approval([{"a", "b"}, {"b"}, set(), {"q"}, "a"], ["a", "b", "c"])
    assert r["counts"] == {"a": 1, "b": 2, "c": 0} and r["invalid"] == 3 and r["winners"] == ["b"]


@pytest.mark.parametrize(
    "papers,threshold,passed",
    [
        (["for"] * 2 + ["against"] + ["abstain"] * 10, "simple", True),
        (["for"] + ["against"], "simple", False),
        (["for"] * 2 + ["against"] + ["abstain"] * 5, "two_thirds", True),
        (["for"] * 3 + ["against"] * 2, "two_thirds", False),
        (["abstain"] * 3, "two_thirds", False),
    ],
)
def test_motion(papers, threshold, passed):
    r = motion(papers + ["maybe", 3], threshold)
    assert r["passed"] is passed and r["invalid"] == 2


def test_ranked_invalid_papers_counted_not_crashing():
    papers = [[], ["a", "a"], ["zz"], "abc", None, [["a"]], ["a", "b"]]
    r = irv(papers, OPTS)
    assert r["invalid"] == 6 and r["valid"] == 1 and r["winner"] == "a"
    s = stv(papers, OPTS, seats=2)
    assert s["invalid"] == 6 and len(s["elected"]) == 2


def test_no_valid_papers():
    assert irv([], OPTS)["winner"] is None


def test_irv_tie_broken_by_earlier_round_then_lot_reproducibly():
    # b and c tie in round 2 (3 each) but b had fewer in round 1 -> b eliminated by history.
    papers = [["a"]] * 5 + [["b"]] * 2 + [["c"]] * 3 + [["d", "b"]] * 1
    r = irv(papers, ["a", "b", "c", "d"])
    assert r["rounds"][1]["eliminated"] == "b" and r["rounds"][1]["tie_break"] == "history"
    # complete tie -> lot, reproducible and seed-dependent procedure recorded
    papers = [["a"]] * 3 + [["b"]] * 3 + [["c"]] * 4
    r1, r2 = irv(papers, ["a", "b", "c"], seed="x"), irv(papers, ["a", "b", "c"], seed="x")
    assert r1["rounds"][0]["tie_break"] == "lot" and tally_hash(r1) == tally_hash(r2)


def test_tally_hash_is_stable_and_order_independent():
    papers = [["a", "b"], ["b"], ["c", "a"]] * 5
    r1 = stv(papers, ["a", "b", "c"], 2)
    r2 = stv(list(reversed(papers)), ["a", "b", "c"], 2)
    assert tally_hash(r1) == tally_hash(r2)
    assert len(tally_hash(r1)) == 64


# ---------------------------------------------------------------- properties
ranked = st.lists(
    st.lists(st.sampled_from(OPTS), min_size=0, max_size=5, unique=True), min_size=0, max_size=60
)


@settings(max_examples=300, deadline=None)
@given(ranked)
def test_irv_papers_conserved_every_round(papers):
    r = irv(papers, OPTS)
    assert r["valid"] + r["invalid"] == len(papers)
    for rnd in r["rounds"]:
        assert sum(rnd["counts"].values()) + rnd["exhausted"] == r["valid"]


@settings(max_examples=300, deadline=None)
@given(ranked, st.sampled_from(OPTS))
def test_irv_first_preference_majority_wins(papers, who):
    papers = papers + [[who]] * (len(papers) + 1)  # who now has a strict majority of firsts
    assert irv(papers, OPTS)["winner"] == who


@settings(max_examples=300, deadline=None)
@given(ranked, st.integers(min_value=1, max_value=4))
def test_stv_value_conserved_every_stage(papers, seats):
    r = stv(papers, OPTS, seats)
    total = r["valid"] * SCALE
    for s in r["stages"]:
        held = sum(D(v) for v in s["votes"].values())
        assert held + D(s["exhausted"]) + D(s["loss_total"]) == D(total) / SCALE
        assert D(s["loss"]) >= 0
    assert len(r["elected"]) == seats
    assert len(set(r["elected"])) == seats


# ---------------------------------------------------------------- cross-checks
def _random_elections(n, seed):
    rng = random.Random(seed)
    for _ in range(n):
        k = rng.randint(3, 5)
        opts = OPTS[:k]
        papers = []
        for _ in range(rng.randint(5, 40)):
            order = rng.sample(opts, k)
            papers.append(order[: rng.randint(1, k)])
        yield opts, papers


def test_irv_cross_check_pyrankvote():
    pyrankvote = pytest.importorskip("pyrankvote")
    from pyrankvote import Ballot, Candidate

    compared = 0
    for opts, papers in _random_elections(2000, 11):
        r = irv(papers, opts)
        if any(rnd["tie_break"] for rnd in r["rounds"]):
            continue
        cands = {o: Candidate(o) for o in opts}
        res = pyrankvote.instant_runoff_voting(
            list(cands.values()), [Ballot([cands[o] for o in p]) for p in papers]
        )
        assert [c.name for c in res.get_winners()] == [r["winner"]], (opts, papers)
        compared += 1
    assert compared > 500


def test_stv_cross_check_stvpoll_scottish():
    pytest.importorskip("stvpoll")
    from stvpoll.scottish_stv import calculate_scottish_stv

    compared = 0
    for opts, papers in _random_elections(2000, 12):
        seats = 2
        r = stv(papers, opts, seats)
        if any(s["tie_break"] for s in r["stages"]):
            continue
        res = calculate_scottish_stv(tuple(opts), [(tuple(p), 1) for p in papers], seats,
                                     allow_random=False)
        if res.randomized or not res.complete:  # stvpoll hit a tie it will not break
            continue
        assert set(res.elected_as_tuple()) == set(r["elected"]), (opts, papers)
        compared += 1
    assert compared > 500
