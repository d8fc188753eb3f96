"""A ranked count (STV stages, IRV rounds) told in plain words a member can follow and check.

Pure functions of a tally result (see :mod:`voting.tally`) and the candidates' names: no Django, no
database, so the words can be tested on small hand-made counts.

Numbers: whole votes where the count is whole ("20 votes"); otherwise two decimal places ("12.67
votes"); never the five decimal places of the legal count (those stay in the detailed table). Rounding
to two places is done so that the figures *add up*: in each stage the votes passed on, the votes that
left the count and the votes lost to rounding add up to the votes that moved, and the candidates' totals,
the votes that left the count and the votes lost to rounding add up to the valid votes. Each figure is
within 0.01 of the exact one (largest remainder rounding).
"""

from __future__ import annotations

from decimal import Decimal

from .tally import SCALE

CENT = SCALE // 100  # one hundredth of a vote, in the tally's scaled units

__all__ = ["explain", "stage_sentences", "outcome_sentences", "votes_text", "number_text"]


# --------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------
def _scaled(value) -> int:
    """A tally value (an int count, or a decimal string such as "12.34567") in scaled units."""
    return int(Decimal(str(value)) * SCALE)


def _apportion(target: int, parts: list[int]) -> list[int]:
    """Round ``parts`` (scaled) to hundredths that add up to ``target`` hundredths.

    Each part is rounded down, then the hundredths still missing go to the parts with the largest
    remainders (earliest first on equal remainders), so every part is within 0.01 of its exact value.
    """
    shown = [part // CENT for part in parts]
    spare = max(0, min(target - sum(shown), len(parts)))
    by_remainder = sorted(range(len(parts)), key=lambda i: (-(parts[i] % CENT), i))
    for i in by_remainder[:spare]:
        shown[i] += 1
    return shown


def _round(value: int) -> int:
    """Scaled units to the nearest hundredth (halves up)."""
    return (value + CENT // 2) // CENT


def number_text(cents: int, exact: int | None = None) -> str:
    """Hundredths of a vote as people read them: 2000 -> "20", 1267 -> "12.67".

    With ``exact`` (scaled) given, a figure that is not nothing but rounds to 0 reads "less than 0.01".
    """
    if cents == 0 and exact:
        return "less than 0.01"
    if cents % 100 == 0:
        return str(cents // 100)
    return f"{cents // 100}.{cents % 100:02d}"


def votes_text(cents: int, exact: int | None = None) -> str:
    """ "1 vote", "20 votes", "12.67 votes", "0.43 of a vote", "less than 0.01 of a vote"."""
    number = number_text(cents, exact)
    if cents == 0 and not exact:
        return "0 votes"
    if number == "1":
        return "1 vote"
    if cents < 100:
        return f"{number} of a vote"
    return f"{number} votes"


def _was(phrase: str) -> str:
    return "was" if phrase == "1 vote" or phrase.endswith("of a vote") else "were"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# --------------------------------------------------------------------------
# the count, normalised
# --------------------------------------------------------------------------
class _Count:
    """The parts of a tally the words need, the same for STV and IRV."""

    def __init__(self, result: dict, names: dict):
        self.result = result
        self.stv = result.get("method") == "stv"
        self.word = "stage" if self.stv else "round"
        self.steps = result.get("stages" if self.stv else "rounds") or []
        self.options = [str(o) for o in result.get("options", [])]
        self.names = {str(k): str(v) for k, v in names.items()}
        self.valid = int(result.get("valid") or 0)
        self.quota = int(result["quota"]) if self.stv and result.get("quota") else None
        self.shown = [self._shown_totals(step) for step in self.steps]

    def name(self, option) -> str:
        return self.names.get(str(option), str(option))

    def exact_votes(self, step: dict) -> dict[str, int]:
        values = step.get("votes" if self.stv else "counts") or {}
        return {o: _scaled(values[o]) for o in self.options if o in values}

    def left(self, step: dict) -> int:
        """Votes out of the count so far (papers with no more choices), scaled."""
        return _scaled(step.get("exhausted") or 0)

    def lost(self, step: dict) -> int:
        return _scaled(step.get("loss_total") or 0) if self.stv else 0

    def _shown_totals(self, step: dict) -> dict:
        """Each candidate's votes, the votes that left the count and those lost, in hundredths adding up
        to the valid votes (when the stage's own figures add up, as a real count's do)."""
        exact = self.exact_votes(step)
        keys = list(exact) + ["left", "lost"]
        parts = list(exact.values()) + [self.left(step), self.lost(step)]
        if sum(parts) != self.valid * SCALE:
            return dict(zip(keys, (_round(p) for p in parts)))
        return dict(zip(keys, _apportion(self.valid * 100, parts)))


# --------------------------------------------------------------------------
# one stage or round
# --------------------------------------------------------------------------
def _moved_sentences(count: _Count, moved_cents: int, parts: list[tuple[str, int]], left: int, lost: int,
                     opening: str, owner: str = "") -> list[str]:
    """Where the votes that moved at one step went: to candidates, out of the count, lost to rounding.
    The shown figures add up to ``moved_cents``. When none went to a candidate and ``owner`` is given,
    the votes that left the count are called ``owner``'s."""
    exact = [amount for _, amount in parts] + [left, lost]
    shown = _apportion(moved_cents, exact)
    to = [f"{number_text(cents, amount)} to {count.name(option)}"
          for (option, amount), cents in zip(parts, shown) if amount > 0]
    sentences = [f"{opening}: {_and_list(to)}."] if to else []
    if left > 0:
        phrase = votes_text(shown[-2], left)
        papers = "that paper" if phrase == "1 vote" else "those papers"
        phrase = f"{owner}'s {phrase}" if owner and not to else _capital(phrase)
        sentences.append(f"{phrase} left the count at this {count.word} because {papers} "
                         "showed no more choices.")
    if lost > 0:
        phrase = votes_text(shown[-1], lost)
        sentences.append(f"{_capital(phrase)} {_was(phrase)} lost to rounding when extra votes were passed on.")
    return sentences


def _passed_on(name: str, phrase: str) -> str:
    papers = "choice on that paper" if phrase == "1 vote" else "choices on those papers"
    return f"{name}'s {phrase} {_was(phrase)} passed on to the next {papers}"


def _transfers(step: dict) -> list[tuple[str, int]]:
    """(candidate, votes received), most first."""
    moved = [(str(o), _scaled(v)) for o, v in (step.get("transfers") or {}).items()]
    return sorted(moved, key=lambda item: -item[1])


def _tied(count: _Count, index: int, candidate: str, pool: list[str]) -> list[str]:
    """The candidates in ``pool`` who had as many votes as ``candidate`` at the end of the step before."""
    before = count.exact_votes(count.steps[index - 1]) if index else {}
    return [o for o in pool if before.get(o) == before.get(candidate)]


def _tie_sentence(count: _Count, tied: list[str], chosen: str, how: str, fewest: bool, outcome: str) -> str:
    """A tie settled by the earlier votes or by lot, said in two short sentences."""
    who = _and_list([count.name(o) for o in tied]) if len(tied) > 1 else "Two or more candidates"
    every = ("all" if len(tied) > 2 else "both") if fewest else ""
    what = "the fewest votes" if fewest else "the same number of extra votes"
    if how == "lot":
        return (f"{who} {every} had {what}, so lots were drawn in the way published before the count: "
                f"{outcome}.").replace("  ", " ")
    earlier = "fewer" if fewest else "more"
    # IRV looks at the first round onwards; Scottish STV at the most recent stage first.
    when = "at the last stage where they differed" if count.stv else "at the first round where they differed"
    text = f"{who} {every} had {what}. {count.name(chosen)} had {earlier} votes {when}, so {outcome}."
    return text.replace("  ", " ")


def _stv_before(count: _Count, index: int) -> tuple[set, set, set]:
    """Elected, excluded and already-transferred candidates before stage ``index``."""
    elected, excluded, transferred = set(), set(), set()
    for step in count.steps[:index]:
        elected.update(step.get("elected") or [])
        excluded.update(step.get("excluded") or [])
        if step.get("action") == "surplus":
            transferred.add(step.get("candidate"))
    return elected, excluded, transferred


def _stv_surplus(count: _Count, index: int, step: dict) -> list[str]:
    cand = str(step.get("candidate"))
    before_cents = count.shown[index - 1].get(cand, 0) if index else 0
    surplus_cents = before_cents - count.quota * 100
    surplus = _scaled(step.get("surplus") or 0)
    phrase = votes_text(surplus_cents, surplus)
    sentences = []
    if step.get("tie_break"):
        elected, _, transferred = _stv_before(count, index)
        pool = [o for o in count.options if o in elected and o not in transferred]
        tied = _tied(count, index, cand, pool)
        sentences.append(_tie_sentence(count, tied, cand, step["tie_break"], False,
                                       f"{count.name(cand)}'s extra votes were passed on first"))
    sentences.append(f"{count.name(cand)} had {phrase} more than the quota.")
    sentences += _moved_sentences(
        count, surplus_cents, _transfers(step), _scaled(step.get("non_transferable") or 0),
        _scaled(step.get("loss") or 0),
        f"{'This extra vote was' if phrase == '1 vote' else 'These extra votes were'} passed on to the next "
        "choices on those papers",
    )
    return sentences


def _stv_exclusion(count: _Count, index: int, step: dict) -> list[str]:
    cand = str(step.get("candidate"))
    had_cents = count.shown[index - 1].get(cand, 0) if index else 0
    had = count.exact_votes(count.steps[index - 1]).get(cand, 0) if index else 0
    sentences = []
    if step.get("tie_break"):
        elected, excluded, _ = _stv_before(count, index)
        pool = [o for o in count.options if o not in elected and o not in excluded]
        tied = _tied(count, index, cand, pool)
        sentences.append(_tie_sentence(count, tied, cand, step["tie_break"], True,
                                       f"{count.name(cand)} was out of the count"))
    else:
        sentences.append(f"{count.name(cand)} had the fewest votes and was out of the count.")
    if had == 0:
        return sentences + [f"{count.name(cand)} had no votes to pass on."]
    sentences += _moved_sentences(
        count, had_cents, _transfers(step), _scaled(step.get("non_transferable") or 0), 0,
        _passed_on(count.name(cand), votes_text(had_cents, had)), count.name(cand),
    )
    return sentences


ELECTED_HOW = {
    "quota": "{name} reached the quota of {quota} and was elected.",
    "last_vacancies": "{name} was elected without reaching the quota, because there were as many candidates "
                      "left as places left to fill.",
}


def _stv_step(count: _Count, index: int, step: dict) -> list[str]:
    action = step.get("action")
    if action == "first":
        sentences = ["The first choice on every paper was counted."]
        if not step.get("elected"):
            sentences.append(f"Nobody reached the quota of {votes_text((count.quota or 0) * 100)}.")
    elif action == "surplus":
        sentences = _stv_surplus(count, index, step)
    else:
        sentences = _stv_exclusion(count, index, step)
    how = step.get("elected_how") or {}
    quota = votes_text((count.quota or 0) * 100)
    for option in step.get("elected") or []:
        template = ELECTED_HOW.get(how.get(option), "{name} was elected.")
        sentences.append(template.format(name=count.name(option), quota=quota))
    return sentences


def _irv_step(count: _Count, index: int, step: dict) -> list[str]:
    counts = count.exact_votes(step)
    loser = step.get("eliminated")
    last = index == len(count.steps) - 1
    sentences = ["The first choice on every paper was counted."] if index == 0 else []
    winner = count.result.get("winner")
    if last and winner is not None:
        if len(counts) == 1:
            sentences.append(f"{count.name(winner)} was the only candidate left, so {count.name(winner)} won.")
        else:
            still_in = count.valid - int(step.get("exhausted") or 0)
            sentences.append(f"{count.name(winner)} had more than half of the {votes_text(still_in * 100)} "
                             f"still in the count, so {count.name(winner)} won.")
    elif last:
        sentences.append("Nobody won: there were no votes to count.")
    if loser is None:
        return sentences
    loser = str(loser)
    if step.get("tie_break"):
        tied = [o for o in counts if counts[o] == counts[loser]]
        sentences.append(_tie_sentence(count, tied, loser, step["tie_break"], True,
                                       f"{count.name(loser)} was out of the count"))
    else:
        sentences.append(f"{count.name(loser)} had the fewest votes and was out of the count.")
    after = count.exact_votes(count.steps[index + 1]) if not last else {}
    gains = [(o, after[o] - counts[o]) for o in after if after[o] > counts[o]]
    gains.sort(key=lambda item: -item[1])
    left = count.left(count.steps[index + 1]) - count.left(step) if not last else 0
    had = counts[loser]
    if had == 0:
        return sentences + [f"{count.name(loser)} had no votes to pass on."]
    return sentences + _moved_sentences(
        count, _round(had), gains, left, 0,
        _passed_on(count.name(loser), votes_text(_round(had))), count.name(loser),
    )


# --------------------------------------------------------------------------
# the whole count
# --------------------------------------------------------------------------
def stage_sentences(result: dict, names: dict) -> list[list[str]]:
    """What happened at each stage (STV) or round (IRV), in plain words: one list of sentences a step.

    Every vote that moves is accounted for: passed on to a named candidate, out of the count because the
    papers showed no more choices, or lost to rounding; the figures in each step add up to the votes that
    moved (see the module docstring for the rounding).
    """
    count = _Count(result, names)
    step_words = _stv_step if count.stv else _irv_step
    return [step_words(count, index, step) for index, step in enumerate(count.steps)]


def _elected(result: dict) -> list[str]:
    if result.get("method") == "stv":
        return [str(o) for o in result.get("elected") or []]
    return [str(result["winner"])] if result.get("winner") is not None else []


def outcome_sentences(result: dict, names: dict) -> list[str]:
    """Who was elected (with the number of places), who was not, and where every vote ended up."""
    count = _Count(result, names)
    seats = int(result.get("seats") or 1)
    elected = _elected(result)
    places = "There was 1 place to fill." if seats == 1 else f"There were {seats} places to fill."
    sentences = [places]
    if elected:
        sentences.append(f"Elected: {', '.join(count.name(o) for o in elected)}.")
    else:
        sentences.append("Nobody was elected: there were no votes to count.")
    others = [o for o in count.options if o not in elected]
    if others:
        sentences.append(f"Not elected: {', '.join(count.name(o) for o in others)}.")
    return sentences + _accounting(count)


def _accounting(count: _Count) -> list[str]:
    """Where the valid votes were at the end: with the candidates, out of the count, lost to rounding."""
    sentences = []
    invalid = int(count.result.get("invalid") or 0)
    if invalid:
        papers = "1 paper" if invalid == 1 else f"{invalid} papers"
        sentences.append(f"{papers} could not be counted because {'it was' if invalid == 1 else 'they were'} "
                         "not filled in correctly.")
    if not count.steps or not count.valid:
        return sentences
    last = count.shown[-1]
    left, lost, exact_lost = last["left"], last["lost"], count.lost(count.steps[-1])
    kept = count.valid * 100 - left - lost
    valid = votes_text(count.valid * 100)
    if not left and not exact_lost:
        return sentences + [f"All {valid} stayed with the candidates to the end of the count."]
    gone = []
    if left:
        gone.append(f"{votes_text(left)} left the count because those papers showed no more choices")
    if exact_lost:
        phrase = votes_text(lost, exact_lost)
        gone.append(f"{phrase} {_was(phrase)} lost to rounding")
    sentences.append(f"Of the {valid} counted, {_and_list(gone)}. "
                     f"The remaining {votes_text(kept)} stayed with the candidates to the end of the count.")
    return sentences


def explain(result: dict, names: dict) -> dict:
    """Everything the results page says about a ranked count, in plain words.

    ``steps``: one dict a stage or round, with its ``heading``, ``sentences`` and ``totals`` (each
    candidate still shown, with their votes in words, in the tally's order), ``left`` and ``lost`` (the
    votes out of the count so far because the papers showed no more choices, and lost to rounding): together
    they add up to the valid votes; ``outcome``: the sentences about who was elected, who was not and
    where every vote went.
    """
    count = _Count(result, names)
    heading = "Stage" if count.stv else "Round"
    steps, out_before = [], set()
    for index, (step, sentences) in enumerate(zip(count.steps, stage_sentences(result, names))):
        shown = count.shown[index]
        totals = [(o, votes_text(shown[o], exact)) for o, exact in count.exact_votes(step).items()
                  if o not in out_before]
        steps.append({"heading": f"{heading} {step.get('stage') or step.get('round')}",
                      "sentences": sentences, "totals": totals,
                      "left": votes_text(shown["left"], count.left(step)),
                      "lost": votes_text(shown["lost"], count.lost(step))})
        out_before.update(step.get("excluded") or [])
    return {"steps": steps, "outcome": outcome_sentences(result, names), "elected": _elected(result)}
