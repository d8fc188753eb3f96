"""Results of a consultation, computed by SQL aggregation, with small numbers suppressed in public.

Invariant: the number of queries is fixed (two: the questions with the total, and one UNION ALL of
GROUP BYs over answers and picks) whatever the number of responses, and nothing loops over responses
or answers in Python: the loops here run over aggregate rows (one per question and choice).
Only submitted responses count; drafts and withdrawn responses never do.

Suppression (public views): a count of 1 to 4 people is shown as "fewer than 5" with no percentage.
Where the cells add up to the number who answered (choose one, yes/no, a scale's 1-5, a ranking's first
places), a single hidden cell could be worked out by subtraction, so the next smallest cell is hidden
too ("hidden"); in choose-any, where each choice splits people into ticked and not ticked, a count that
leaves 1-4 people who did not tick it is hidden ("hidden"). Averages and ranking scores are hidden when
fewer than 5 answered, and whenever one of their cells (a scale's 1-5, a ranking's first places) is
hidden, because with the cells shown they could give the hidden ones away.
A count of 0 is shown: it says nothing about any one person. Analysts see everything.
"""

from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import Answer, AnswerChoice, ConsultationPage, Question, Response

THRESHOLD = 5
FEWER_THAN_5 = "fewer than 5"
HIDDEN = "hidden"

Kind = Question.Kind
PARTITION_KINDS = {Kind.SINGLE_CHOICE, Kind.YES_NO, Kind.SCALE}


@dataclass
class Row:
    """One choice of one question. `count` and `percent` are None when hidden (see `hidden_as`)."""

    label: str
    count: int | None
    percent: float | None = None
    hidden_as: str = ""
    score: int | None = None  # ranking: Borda points
    first_places: int | None = None  # ranking: people who put this first
    first_hidden_as: str = ""

    @property
    def count_text(self) -> str:
        return self.hidden_as or str(self.count)

    @property
    def first_places_text(self) -> str:
        return self.first_hidden_as or str(self.first_places)


@dataclass
class QuestionResult:
    question: Question
    answered: int | None
    answered_hidden_as: str = ""
    rows: list[Row] = field(default_factory=list)
    average: float | None = None
    hidden_any: bool = False

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def answered_text(self) -> str:
        return self.answered_hidden_as or str(self.answered)


@dataclass
class Results:
    total: int | None
    total_hidden_as: str
    questions: list[QuestionResult]
    suppressed: bool

    @property
    def total_text(self) -> str:
        return self.total_hidden_as or str(self.total)


def consultation_results(*, page: ConsultationPage, suppress: bool) -> Results:
    """Every question's results for `page` from submitted responses; small numbers hidden if `suppress`.

    Two queries whatever the size: the questions (with the total of submitted responses as a
    subquery), and one UNION ALL of GROUP BYs over Answer rows (text, choose one, yes/no and scale
    values, and the number who answered each choose-any and ranking question) and over the picks,
    from which the same counts over drafts' and withdrawn responses' answers are taken away here.
    """
    questions = _questions_with_total(page)
    total = questions[0].total_submitted if questions else _submitted(page).count()
    cells, picks, answered = {}, {}, {}
    for source, question_id, value, n, rank_sum, firsts in _aggregates(page, questions):
        sign = -1 if source >= NOT_COUNTED else 1
        key = (question_id, value)
        if source % NOT_COUNTED == PICKS:
            had = picks.get(key, (0, 0, 0))
            picks[key] = (had[0] + sign * n, had[1] + sign * (rank_sum or 0), had[2] + sign * (firsts or 0))
        else:
            cells[key] = cells.get(key, 0) + sign * n
            answered[question_id] = answered.get(question_id, 0) + sign * n
    results = [_question_result(q, answered.get(q.pk, 0), cells, picks, suppress) for q in questions]
    total_shown, total_hidden = _hide_small(total, suppress)
    return Results(total=total_shown, total_hidden_as=total_hidden, questions=results, suppressed=suppress)


def _submitted(page: ConsultationPage) -> QuerySet:
    return Response.objects.filter(consultation=page, status=Response.Status.SUBMITTED)


def _questions_with_total(page: ConsultationPage) -> list[Question]:
    total = _submitted(page).order_by().values("consultation").annotate(n=Count("pk")).values("n")
    return list(
        page.questions.order_by("sort_order", "pk").annotate(total_submitted=Coalesce(Subquery(total), 0))
    )


def _not_counted_answers(page: ConsultationPage) -> QuerySet:
    """Ids of the answers of the page's drafts and withdrawn responses: a small set, found through the
    (consultation, status) and response indexes. "Not submitted" is written as below or above it, which
    means the same and reads two short index ranges instead of every response of the page."""
    submitted = Response.Status.SUBMITTED
    responses = Response.objects.filter(Q(status__lt=submitted) | Q(status__gt=submitted), consultation=page)
    return Answer.objects.filter(response_id__in=responses.values("pk")).values("pk")


COLUMNS = ["source", "question_id", "value", "n", "rank_sum", "firsts"]
ANSWERS, PICKS = 0, 1
NOT_COUNTED = 2  # added to a source: rows to take away (the answers of drafts and withdrawn responses)


def _aggregates(page: ConsultationPage, questions: list[Question]):
    """Rows of (source, question id, value, people, sum of ranks, first places), in one query.

    ANSWERS rows count Answer rows per question and value: the choice (choose one, yes/no), the scale
    value (scales), or no value (text, choose-any and ranking: the number who answered). Services write
    an Answer row only for a real answer (never empty text or no picks), so rows are people. PICKS rows
    count AnswerChoice rows per (question, choice), with the sum of ranks and first places (rankings).

    The query is a UNION ALL of one GROUP BY per kind of question over all its answers, which the
    (question, choice) and (question, scale) indexes can answer alone (an index-only scan: no table
    reads but for text and ranks), and the same GROUP BYs over the answers of the page's drafts and
    withdrawn responses (source + NOT_COUNTED), which the caller takes away: the difference is what the
    submitted responses said, without joining each of 100,000 answers to its response.
    """
    ids = {group: [q.pk for q in questions if q.kind in kinds] for group, kinds in _GROUPS.items()}
    not_counted = _not_counted_answers(page)
    nothing = _NoNumber()
    ranks = {"rank_sum": Sum("rank"), "firsts": Count("id", filter=Q(rank=1))}
    parts = [  # (question ids, rows, value, source, extra aggregates)
        (ids["choice"], Answer.objects.all(), F("choice"), ANSWERS, {}),  # choose-any, ranking: no choice
        (ids["scale"], Answer.objects.all(), F("scale"), ANSWERS, {}),
        (ids["text"], Answer.objects.exclude(text=""), nothing, ANSWERS, {}),
        (ids["multiple"], AnswerChoice.objects.all(), F("choice"), PICKS, {}),
        (ids["ranking"], AnswerChoice.objects.all(), F("choice"), PICKS, ranks),
    ]
    selects = []
    for question_ids, rows, value, source, extra in parts:
        if not question_ids:
            continue
        rows = rows.filter(question_id__in=question_ids).order_by()
        left_out = Q(pk__in=not_counted) if source == ANSWERS else Q(answer_id__in=not_counted)
        for chosen, code in ((rows, source), (rows.filter(left_out), source + NOT_COUNTED)):
            counts = {"n": Count("*"), "rank_sum": nothing, "firsts": nothing, **extra}  # (*): no id to read
            grouped = chosen.values("question_id", value=value).annotate(source=Value(code), **counts)
            selects.append(grouped.values_list(*COLUMNS))
    if not selects:
        return []
    return selects[0].union(*selects[1:], all=True)


class _NoNumber(Value):
    """An empty integer column: NULL typed, so PostgreSQL can match the columns of the UNION's parts
    (an untyped NULL reads as text), and a constant, so it is never added to a GROUP BY."""

    def __init__(self):
        super().__init__(None, output_field=IntegerField())

    def as_sql(self, compiler, connection):
        return "CAST(NULL AS integer)", []


_GROUPS = {
    "choice": {Kind.SINGLE_CHOICE, Kind.YES_NO, Kind.MULTIPLE_CHOICE, Kind.RANKING},
    "scale": {Kind.SCALE},
    "text": set(Question.TEXT_KINDS),
    "multiple": {Kind.MULTIPLE_CHOICE},
    "ranking": {Kind.RANKING},
}


def _question_result(question, answered, cells, picks, suppress) -> QuestionResult:
    shown, hidden_as = _hide_small(answered, suppress)
    result = QuestionResult(question=question, answered=shown, answered_hidden_as=hidden_as)
    if question.kind in Question.TEXT_KINDS:
        return result
    if question.kind == Kind.RANKING:
        result.rows = _ranking_rows(question, answered, picks, suppress)
    else:
        source = picks if question.kind == Kind.MULTIPLE_CHOICE else cells
        result.rows = _count_rows(question, answered, source, suppress)
    result.hidden_any = any(row.hidden_as or row.first_hidden_as for row in result.rows)
    if question.kind == Kind.SCALE:
        hide = suppress and (answered < THRESHOLD or result.hidden_any)
        result.average = _scale_average(question, answered, cells, hide)
    return result


def _values(question: Question) -> list[tuple[int, str]]:
    """(stored value, label) for each choice: scales store 1-5, everything else a position from 0."""
    if question.kind == Kind.SCALE:
        return [(n, _scale_label(question, n)) for n in range(1, 6)]
    return list(enumerate(question.choice_list))


def _scale_label(question: Question, n: int) -> str:
    ends = {1: question.scale_low_label, 5: question.scale_high_label}
    return f"{n} - {ends[n]}" if ends.get(n) else str(n)


def _count_rows(question, answered, source, suppress) -> list[Row]:
    rows = []
    for value, label in _values(question):
        cell = source.get((question.pk, value), 0)
        count = cell[0] if isinstance(cell, tuple) else cell
        rows.append(Row(label=label, count=count, percent=_percent(count, answered)))
    if suppress:
        _suppress(rows, "count", "hidden_as", partition=question.kind in PARTITION_KINDS)
        if question.kind == Kind.MULTIPLE_CHOICE:
            _suppress_small_complements(rows, answered)
    return rows


def _suppress_small_complements(rows: list[Row], answered: int) -> None:
    """Choose-any: each choice splits people in two (ticked it or not), so a count that leaves 1-4
    people who did not tick it is hidden too."""
    for row in rows:
        if row.count is not None and 0 < answered - row.count < THRESHOLD:
            _hide(row, "count", "hidden_as", HIDDEN, keep_percent=False)


def _ranking_rows(question, answered, picks, suppress) -> list[Row]:
    """Borda scores: ranked r of n choices earns n - r + 1 points; sorted by score, highest first."""
    n_choices = len(question.choice_list)
    rows = []
    for value, label in _values(question):
        count, rank_sum, firsts = picks.get((question.pk, value), (0, 0, 0))
        score = count * (n_choices + 1) - rank_sum
        rows.append(Row(label=label, count=count, score=score, first_places=firsts,
                        percent=_percent(firsts, answered)))
    rows.sort(key=lambda row: -row.score)  # stable: ties keep the editor's order
    if suppress:
        _suppress(rows, "first_places", "first_hidden_as", partition=True)
        _suppress(rows, "count", "hidden_as", partition=False, keep_percent=True)
        if 0 < answered < THRESHOLD or any(row.first_hidden_as for row in rows):
            for row in rows:  # scores and the known total could give a hidden first place away
                row.score = None
    return rows


def _suppress(rows: list[Row], attr: str, label_attr: str, *, partition: bool, keep_percent=False) -> None:
    """Hide counts of 1-4; in a partition, also hide the next smallest if only one was hidden."""
    small = [row for row in rows if 0 < getattr(row, attr) < THRESHOLD]
    if partition and len(small) == 1:
        others = [row for row in rows if getattr(row, attr) >= THRESHOLD]
        if others:
            _hide(min(others, key=lambda row: getattr(row, attr)), attr, label_attr, HIDDEN, keep_percent)
    for row in small:
        _hide(row, attr, label_attr, FEWER_THAN_5, keep_percent)


def _hide(row: Row, attr: str, label_attr: str, text: str, keep_percent: bool) -> None:
    setattr(row, attr, None)
    setattr(row, label_attr, text)
    if not keep_percent:
        row.percent = None


def _scale_average(question, answered, cells, hide: bool) -> float | None:
    if hide or not answered:
        return None
    total = sum(n * cells.get((question.pk, n), 0) for n in range(1, 6))
    return round(total / answered, 2)


def _percent(count: int, answered: int) -> float | None:
    return round(100 * count / answered, 1) if answered else None


def _hide_small(count: int, suppress: bool) -> tuple[int | None, str]:
    if suppress and 0 < count < THRESHOLD:
        return None, FEWER_THAN_5
    return count, ""
