"""Results of a consultation, computed by SQL aggregation, with small numbers suppressed in public.

Invariant: the number of queries is fixed (two: the questions with the total, and one UNION of a
GROUP BY over answers and one over picks) whatever the number of responses, and nothing loops over
responses or answers in Python: the loops here run over aggregate rows (one per question and choice).
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
PICK_KINDS = {Kind.MULTIPLE_CHOICE, Kind.RANKING}
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
    subquery), and one UNION ALL of two GROUP BYs: over Answer rows (text, choose one, yes/no and scale
    values, and the number who answered each choose-any and ranking question) and over the picks.
    """
    questions = _questions_with_total(page)
    total = questions[0].total_submitted if questions else _submitted(page).count()
    cells, picks, answered = {}, {}, {}
    for source, question_id, choice, scale, n, rank_sum, firsts in _aggregates(page, questions):
        if source == PICKS:
            picks[(question_id, choice)] = (n, rank_sum or 0, firsts)
        else:
            cells[(question_id, scale if scale is not None else choice)] = n
            answered[question_id] = answered.get(question_id, 0) + n
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


def _not_submitted(page: ConsultationPage) -> QuerySet:
    """Ids of the page's drafts and withdrawn responses. Answers are filtered by excluding these (a
    small set) rather than by joining every answer to its response: the same result, much faster."""
    return Response.objects.filter(consultation=page).exclude(status=Response.Status.SUBMITTED).values("pk")


COLUMNS = ["source", "question_id", "choice", "scale_value", "n", "rank_sum", "firsts"]
ANSWERS, PICKS = 0, 1


def _aggregates(page: ConsultationPage, questions: list[Question]):
    """Rows of (source, question id, choice, scale, people, sum of ranks, first places), one query.

    ANSWERS rows count Answer rows per (question, choice, scale): a choice or scale value, or for text,
    choose-any and ranking questions (choice and scale empty) the number who answered. Services write
    an Answer row only for a real answer (never empty text or no picks), so rows are people. PICKS rows
    count AnswerChoice rows per (question, choice), with the sum of ranks and the first places.
    """
    blank_text = Q(text="") & Q(question_id__in=[q.pk for q in questions if q.kind in Question.TEXT_KINDS])
    nothing = Value(None, output_field=IntegerField())
    held = (
        Answer.objects.filter(question_id__in=[q.pk for q in questions])
        .exclude(response_id__in=_not_submitted(page))
        .exclude(blank_text)
        .values("question_id", "choice", "scale")
        .annotate(
            source=Value(ANSWERS), scale_value=F("scale"), n=Count("id"), rank_sum=nothing, firsts=nothing
        )
        .values_list(*COLUMNS)
        .order_by()
    )
    pick_ids = [q.pk for q in questions if q.kind in PICK_KINDS]
    if not pick_ids:
        return held
    picked = (
        AnswerChoice.objects.filter(question_id__in=pick_ids)
        .exclude(answer_id__in=Answer.objects.filter(response_id__in=_not_submitted(page)).values("pk"))
        .values("question_id", "choice")
        .annotate(source=Value(PICKS), scale_value=nothing, n=Count("id"), rank_sum=Sum("rank"),
                  firsts=Count("id", filter=Q(rank=1)))
        .values_list(*COLUMNS)
        .order_by()
    )
    return held.union(picked, all=True)


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
