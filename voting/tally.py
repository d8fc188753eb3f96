"""Pure, deterministic vote-counting functions (no Django imports).

Every function takes plain Python data and returns a plain ``dict`` made of
``str``/``int``/``bool``/``list``/``dict``/``None`` only, so that
:func:`tally_hash` can hash a canonical JSON form and a recount can be compared
byte for byte with the stored result.

Paper formats
-------------
* plurality: a single option id.
* approval: a set (or list/tuple/frozenset) of option ids, at least one.
* motion: ``"for"``, ``"against"`` or ``"abstain"``.
* ranked (IRV, STV): a list/tuple of option ids in preference order; it may be
  partial (a voter need not rank everyone).

A paper that is empty, names an unknown option, repeats an option or has the
wrong type is counted in ``"invalid"`` and otherwise ignored; it never raises.

Counting rules
--------------
**Motion** – abstentions are reported but are not votes cast for the threshold.
``simple``: passed if for > against.  ``two_thirds``: passed if
``3 * for >= 2 * (for + against)`` and at least one vote was cast for.

**IRV** – in each round every valid paper counts for its highest-ranked
continuing option; papers with none left are *exhausted*.  An option with more
than half of the non-exhausted papers wins (or the last continuing option).
Otherwise the option with the fewest papers is eliminated.  Ties for
elimination: look at the earlier rounds from the first onwards and keep only
the tied options that had the fewest papers in that round, until one is left
(the "earliest round at which they had unequal counts" rule; note that this is
*not* the Scottish STV rule, which looks at the most recent stage first); if
they were equal in every round, decide *by lot* (below).

**STV** – the Scottish STV rules: *The Scottish Local Government Elections
Order 2007* (SSI 2007/42), Schedule 1 ("Scottish Local Government Elections
Rules"), Part III ("Contested elections"), heading "Counting of votes", rules
45-52, as made
(https://www.legislation.gov.uk/ssi/2007/42/schedule/1), with the definitions
in article 2 ("next available preference", "non-transferable paper", "stage of
the count", "surplus").  This is the weighted inclusive Gregory method:

* rule 45: stage 1 credits each candidate with one vote per first preference.
* rule 46: quota (Droop) = floor(valid papers / (seats + 1)) + 1.
* rule 47: a candidate whose votes *equal or exceed* the quota is elected
  (several at once: recorded in order of votes, most first).
* rule 48: a surplus (votes above the quota) is transferred using *all* the
  papers the candidate holds (inclusive), each to its next available
  preference for a *continuing* candidate (elected and excluded candidates
  are skipped).  Each paper's transfer value is
  ``surplus * value of the paper when received / candidate's total votes``,
  calculated to five decimal places, any remainder ignored (truncated, per
  paper, not a rounded ratio).  Papers with no next available preference are
  non-transferable (``exhausted``).  The elected candidate keeps exactly the
  quota.  The value lost to truncation is reported per stage (``loss``) and in
  total (``loss_total``).  Every surplus is transferred while a vacancy
  remains, even one too small to change the next exclusion: the rules have no
  deferral of surpluses (rule 50(1) excludes only once every surplus has been
  transferred).
* rule 49: one surplus per stage; with several undistributed surpluses the
  highest is transferred first (a surplus created by a transfer joins the
  queue and is compared at the end of that stage); equal surpluses: the
  candidate who had the *most* votes at the end of the *most recent*
  preceding stage at which the tied candidates had unequal votes goes first;
  equal at every stage: by lot.
* rule 50: when no surplus remains and a vacancy is unfilled, the continuing
  candidate with the fewest votes is excluded and all of their papers are
  transferred, in one stage, at their current values.
* rule 51: equal lowest: the candidate with the *fewest* votes at the end of
  the *most recent* preceding stage at which they had unequal votes is
  excluded; equal at every stage: by lot.  (With three or more tied, the
  stages are examined newest first, keeping only those lowest (or highest,
  rule 49) at each stage where they differ, until one is left.)
* rule 52: (1) when the number of continuing candidates equals the number of
  vacancies left, they are all elected (whether or not they reach the quota);
  (2) then no further transfer is made, so any untransferred surplus stays
  untransferred.  There is no other early end: in particular the Irish rule
  that elects, for the last vacancy, a candidate who cannot be overtaken
  (Electoral Act 1992 s.124(2)) is *not* part of the Scottish rules.

All STV values are held as integers scaled by 100 000 (five decimal places),
so the arithmetic is exact and reproducible; they are reported as decimal
strings such as ``"12.34567"``.

Decision by lot (published, seeded procedure)
--------------------------------------------
The statutory "lot" is replaced by a reproducible draw.  Given the ``seed``
argument (a string published before the count, e.g. the ballot's id), for each
tied option ``o`` compute ``sha256(f"{seed}|{purpose}|{stage}|{o}")`` (UTF-8,
hex digest), where ``purpose`` is ``"exclude"`` or ``"surplus"`` and
``stage`` the 1-based round/stage number.  The option with the smallest digest
is drawn (excluded, or has its surplus transferred first).  Every such draw is
recorded in the result (``tie_break: "lot"``).

Speed
-----
Identical papers are grouped first (``Counter`` of tuples) and the count works
on the groups, so 100 000 papers with 5-8 options take a fraction of a second.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import Any, Hashable, Iterable, Sequence

SCALE = 100_000  # five decimal places (Scottish rule 48)

MOTION_CHOICES = ("for", "against", "abstain")
THRESHOLDS = ("simple", "two_thirds")

__all__ = [
    "SCALE",
    "plurality",
    "approval",
    "motion",
    "irv",
    "stv",
    "tally_hash",
    "lot_order",
]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _key(option: Hashable) -> str:
    return str(option)


def fmt(value: int) -> str:
    """Format a value scaled by ``SCALE`` as a decimal string (e.g. ``"3.50000"``)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // SCALE}.{value % SCALE:05d}"


def lot_order(seed: str, purpose: str, stage: int, options: Iterable[Hashable]) -> list:
    """Order ``options`` by the published lot procedure (first = drawn)."""

    def digest(option):
        text = f"{seed}|{purpose}|{stage}|{option}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    return sorted(options, key=lambda o: (digest(o), _key(o)))


def _check_options(options: Sequence[Hashable]) -> list:
    options = list(options)
    if len(set(options)) != len(options):
        raise ValueError("duplicate option ids")
    return options


def _group_ranked(papers: Iterable[Any], options: Sequence[Hashable]):
    """Group ranked papers; return (Counter of valid tuples, invalid count)."""
    raw: Counter = Counter()
    invalid = 0
    for paper in papers:
        if isinstance(paper, (list, tuple)):
            try:
                raw[tuple(paper)] += 1
                continue
            except TypeError:  # unhashable entry
                pass
        invalid += 1
    allowed = set(options)
    groups: Counter = Counter()
    for ballot, n in raw.items():
        if ballot and len(set(ballot)) == len(ballot) and all(o in allowed for o in ballot):
            groups[ballot] += n
        else:
            invalid += n
    return groups, invalid


def _break_tie(tied, history, lowest, seed, purpose, stage, most_recent_first=False):
    """Narrow ``tied`` by the votes at earlier stages, then by lot.

    ``history`` is a list of dicts option -> votes, one per stage so far (oldest
    first).  The stages are looked at oldest first (IRV) or, with
    ``most_recent_first``, newest first (Scottish STV rules 49(2) and 51(2)(a):
    "the most recent preceding stage ... at which they had unequal numbers of
    votes").  At each stage at which the remaining tied options differ, only
    those with the fewest (``lowest`` True: exclusion) or the most (``lowest``
    False: surplus order) votes are kept, until one is left.
    Returns (chosen option, method) with method None (no tie), "history" or "lot".
    """
    if len(tied) == 1:
        return tied[0], None
    remaining = list(tied)
    for votes in (reversed(history) if most_recent_first else history):
        vals = [votes.get(o, 0) for o in remaining]
        target = min(vals) if lowest else max(vals)
        remaining = [o for o, v in zip(remaining, vals) if v == target]
        if len(remaining) == 1:
            return remaining[0], "history"
    return lot_order(seed, purpose, stage, remaining)[0], "lot"


# --------------------------------------------------------------------------
# single-mark methods
# --------------------------------------------------------------------------
def plurality(papers: Iterable[Any], options: Sequence[Hashable]) -> dict:
    """First past the post.  Ties for the top are all listed in ``winners``."""
    options = _check_options(options)
    allowed = set(options)
    counts = {_key(o): 0 for o in options}
    invalid = 0
    for paper, n in Counter(p if _hashable(p) else _Unhashable for p in papers).items():
        if paper is not _Unhashable and paper in allowed:
            counts[_key(paper)] += n
        else:
            invalid += n
    valid = sum(counts.values())
    top = max(counts.values(), default=0)
    winners = [_key(o) for o in options if top > 0 and counts[_key(o)] == top]
    return {
        "method": "plurality",
        "options": [_key(o) for o in options],
        "valid": valid,
        "invalid": invalid,
        "counts": counts,
        "winners": winners,
        "tie": len(winners) > 1,
    }


class _UnhashableType:
    pass


_Unhashable = _UnhashableType()


def _hashable(x) -> bool:
    try:
        hash(x)
    except TypeError:
        return False
    return True


def approval(papers: Iterable[Any], options: Sequence[Hashable]) -> dict:
    """Approval voting: each paper approves a non-empty set of options."""
    options = _check_options(options)
    allowed = set(options)
    counts = {_key(o): 0 for o in options}
    invalid = 0
    valid = 0
    grouped: Counter = Counter()
    for paper in papers:
        if isinstance(paper, (set, frozenset, list, tuple)):
            try:
                items = tuple(paper)
                if len(set(items)) == len(items):
                    grouped[frozenset(items)] += 1
                    continue
            except TypeError:
                pass
        invalid += 1
    for approved, n in grouped.items():
        if approved and approved <= allowed:
            valid += n
            for o in approved:
                counts[_key(o)] += n
        else:
            invalid += n
    top = max(counts.values(), default=0)
    winners = [_key(o) for o in options if top > 0 and counts[_key(o)] == top]
    return {
        "method": "approval",
        "options": [_key(o) for o in options],
        "valid": valid,
        "invalid": invalid,
        "counts": counts,
        "winners": winners,
        "tie": len(winners) > 1,
    }


def motion(papers: Iterable[Any], threshold: str = "simple") -> dict:
    """For / against / abstain.  Abstentions do not count toward the threshold."""
    if threshold not in THRESHOLDS:
        raise ValueError(f"threshold must be one of {THRESHOLDS}")
    counts = {c: 0 for c in MOTION_CHOICES}
    invalid = 0
    for paper, n in Counter(p if _hashable(p) else _Unhashable for p in papers).items():
        if isinstance(paper, str) and paper in counts:
            counts[paper] += n
        else:
            invalid += n
    f, a = counts["for"], counts["against"]
    cast = f + a
    if threshold == "simple":
        passed = f > a
    else:
        passed = f > 0 and 3 * f >= 2 * cast
    return {
        "method": "motion",
        "threshold": threshold,
        "counts": counts,
        "votes_cast": cast,
        "valid": cast + counts["abstain"],
        "invalid": invalid,
        "passed": passed,
    }


# --------------------------------------------------------------------------
# IRV
# --------------------------------------------------------------------------
def irv(papers: Iterable[Any], options: Sequence[Hashable], seed: str = "") -> dict:
    """Instant run-off (alternative vote); see the module docstring for the rule."""
    options = _check_options(options)
    groups, invalid = _group_ranked(papers, options)
    valid = sum(groups.values())
    continuing = list(options)
    cont_set = set(options)
    piles: dict = {o: [] for o in options}
    exhausted = 0
    for ballot, n in groups.items():
        piles[ballot[0]].append((ballot, n))
    counts = {o: sum(n for _, n in piles[o]) for o in options}
    rounds: list = []
    history: list = []
    winner = None
    while True:
        rnd = {
            "round": len(rounds) + 1,
            "counts": {_key(o): counts[o] for o in continuing},
            "exhausted": exhausted,
            "eliminated": None,
            "tie_break": None,
        }
        rounds.append(rnd)
        active = valid - exhausted
        if not continuing or valid == 0:
            break
        top = max(counts[o] for o in continuing)
        if len(continuing) == 1 or (active > 0 and 2 * top > active):
            winner = next(o for o in continuing if counts[o] == top)
            break
        low = min(counts[o] for o in continuing)
        tied = [o for o in continuing if counts[o] == low]
        loser, method = _break_tie(tied, history, True, seed, "exclude", rnd["round"])
        rnd["eliminated"] = _key(loser)
        rnd["tie_break"] = method
        history.append(dict(counts))
        continuing.remove(loser)
        cont_set.discard(loser)
        for ballot, n in piles.pop(loser):
            dest = next((o for o in ballot if o in cont_set), None)
            if dest is None:
                exhausted += n
            else:
                piles[dest].append((ballot, n))
                counts[dest] += n
        del counts[loser]
    return {
        "method": "irv",
        "options": [_key(o) for o in options],
        "seed": seed,
        "valid": valid,
        "invalid": invalid,
        "rounds": rounds,
        "winner": None if winner is None else _key(winner),
    }


# --------------------------------------------------------------------------
# STV (Scottish rules)
# --------------------------------------------------------------------------
def stv(papers: Iterable[Any], options: Sequence[Hashable], seats: int, seed: str = "") -> dict:
    """Single transferable vote under the Scottish STV rules.

    Implements *The Scottish Local Government Elections Order 2007* (SSI
    2007/42), Schedule 1, Part III, "Counting of votes", rules 45-52, as made:
    Droop quota (r. 46), election on reaching the quota (r. 47), weighted
    inclusive Gregory surplus transfers at transfer values truncated to five
    decimal places (r. 48), highest surplus first (r. 49), exclusion of the
    lowest candidate (r. 50, 51), and filling the last vacancies when the
    continuing candidates equal the vacancies left, with no further transfer
    (r. 52).  See the module docstring for the point-by-point detail.

    Ties (equal surpluses, r. 49(2); equal lowest, r. 51(2)(a)) are broken by
    the votes at the end of the most recent preceding stage at which the tied
    candidates had unequal votes.  Where they were equal at every stage the
    rules require a decision "by lot" (r. 49(3), 51(2)(b)); here the lot is the
    published seeded draw (:func:`lot_order`: smallest
    ``sha256(f"{seed}|{purpose}|{stage}|{candidate}")``, ``purpose`` being
    ``"surplus"`` or ``"exclude"``), so a recount with the same ``seed`` gives
    a byte-identical result.  Each stage records ``tie_break`` = ``None``,
    ``"history"`` or ``"lot"``.

    ``papers``: ranked papers (lists/tuples of option ids, partial allowed;
    invalid ones are counted in ``invalid``); ``options``: the candidates;
    ``seats``: vacancies (>= 1); ``seed``: the published seed for any lot.
    """
    options = _check_options(options)
    if not isinstance(seats, int) or seats < 1:
        raise ValueError("seats must be a positive integer")
    groups, invalid = _group_ranked(papers, options)
    valid = sum(groups.values())
    quota = valid // (seats + 1) + 1
    quota_s = quota * SCALE

    # piles[c] = list of [ballot, value_per_paper (scaled), count]
    piles: dict = {o: [] for o in options}
    for ballot, n in groups.items():
        piles[ballot[0]].append((ballot, SCALE, n))
    votes = {o: sum(v * n for _, v, n in piles[o]) for o in options}
    continuing = list(options)
    cont_set = set(options)
    elected: list = []
    excluded: list = []
    surplus_pending: list = []  # elected candidates whose surplus is untransferred
    exhausted = 0
    loss_total = 0
    stages: list = []
    history: list = []  # votes dict at the end of each stage

    def record(action, candidate=None, transfers=None, non_transferable=0, loss=0,
               surplus=None, tie_break=None):
        stage = {
            "stage": len(stages) + 1,
            "action": action,
            "candidate": None if candidate is None else _key(candidate),
            "surplus": None if surplus is None else fmt(surplus),
            "tie_break": tie_break,
            "transfers": {_key(o): fmt(v) for o, v in (transfers or {}).items()},
            "non_transferable": fmt(non_transferable),
            "loss": fmt(loss),
            "votes": {_key(o): fmt(votes[o]) for o in options},
            "exhausted": fmt(exhausted),
            "loss_total": fmt(loss_total),
            "elected": [],
            "excluded": [] if action != "exclusion" else [_key(candidate)],
        }
        stages.append(stage)
        history.append(dict(votes))
        return stage

    def move(pile, factor_num=None, factor_den=None):
        """Transfer a pile to next continuing preferences; return (transfers, non-transferable)."""
        nonlocal exhausted
        transfers: dict = {}
        nt = 0
        for ballot, v, n in pile:
            if factor_num is not None:
                v = v * factor_num // factor_den  # rule 48(3): surplus*value/total, truncated to 5 d.p.
            dest = next((o for o in ballot if o in cont_set), None)
            if dest is None:
                nt += v * n
            else:
                piles[dest].append((ballot, v, n))
                votes[dest] += v * n
                transfers[dest] = transfers.get(dest, 0) + v * n
        exhausted += nt
        return transfers, nt

    def elect(cands, stage, how):
        for c in cands:
            continuing.remove(c)
            cont_set.discard(c)
            elected.append(c)
            stage["elected"].append(_key(c))
            stage.setdefault("elected_how", {})[_key(c)] = how

    stage = record("first")
    while True:
        # rule 47: elect everyone at or above the quota (most votes first)
        reached = [c for c in continuing if votes[c] >= quota_s]
        if reached:
            reached.sort(key=lambda c: -votes[c])
            elect(reached, stage, "quota")
            surplus_pending.extend(c for c in reached if votes[c] > quota_s)
        vacancies = seats - len(elected)
        if vacancies == 0:
            break
        # rule 52(1): as many continuing candidates as vacancies -> all elected;
        # rule 52(2): then no further transfer (pending surpluses stay untransferred).
        # (There is no "one vacancy left and an unbeatable lead" shortcut in
        # SSI 2007/42; that is s.124(2) of the Irish Electoral Act 1992.)
        if len(continuing) <= vacancies:
            elect(sorted(continuing, key=lambda c: -votes[c]), stage, "last_vacancies")
            break
        if surplus_pending:
            # rules 48, 49: highest surplus first; ties by the most recent unequal stage, then lot
            big = max(votes[c] for c in surplus_pending)
            tied = [c for c in surplus_pending if votes[c] == big]
            cand, how = _break_tie(tied, history, False, seed, "surplus", len(stages) + 1,
                                   most_recent_first=True)
            surplus_pending.remove(cand)
            total = votes[cand]
            surplus = total - quota_s
            pile = piles[cand]
            piles[cand] = []
            votes[cand] = quota_s
            transfers, nt = move(pile, surplus, total)
            loss = surplus - nt - sum(transfers.values())
            loss_total += loss
            stage = record("surplus", cand, transfers, nt, loss, surplus=surplus, tie_break=how)
            continue
        # rules 50, 51: exclude the lowest continuing candidate; ties as rule 49
        low = min(votes[c] for c in continuing)
        tied = [c for c in continuing if votes[c] == low]
        cand, how = _break_tie(tied, history, True, seed, "exclude", len(stages) + 1,
                                   most_recent_first=True)
        continuing.remove(cand)
        cont_set.discard(cand)
        excluded.append(cand)
        pile = piles[cand]
        piles[cand] = []
        votes[cand] = 0
        transfers, nt = move(pile)
        stage = record("exclusion", cand, transfers, nt, 0, tie_break=how)

    return {
        "method": "stv",
        "rule": "Scottish STV (SSI 2007/42, Schedule 1, rules 45-52), WIGM, 5 d.p. truncation",
        "options": [_key(o) for o in options],
        "seats": seats,
        "seed": seed,
        "valid": valid,
        "invalid": invalid,
        "quota": quota,
        "stages": stages,
        "elected": [_key(c) for c in elected],
        "excluded": [_key(c) for c in excluded],
        "exhausted": fmt(exhausted),
        "loss_total": fmt(loss_total),
    }


# --------------------------------------------------------------------------
# hashing
# --------------------------------------------------------------------------
def canonical_json(result: dict) -> str:
    """Canonical JSON: sorted keys, no whitespace, UTF-8, no NaN."""
    return json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def tally_hash(result: dict) -> str:
    """sha256 hex digest of :func:`canonical_json` of ``result``."""
    return hashlib.sha256(canonical_json(result).encode("utf-8")).hexdigest()
