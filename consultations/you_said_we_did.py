"""The public "you said, we did" section of a consultation: what people told us, and what we did.

Read-only, for anyone who can see the consultation page. Two queries whatever the number of themes,
answers or statements: one for the themes (with their counts, by SQL), one for their published
statements (a prefetch).

Where governance fits in: each `WeDid` and each `YouSaidWeDid` carries a `decisions` list. The
governance app (which imports consultations, never the other way round) registers a decision source
with `register_decision_source(fn)`; `fn(theme_ids, statement_ids)` returns
`{("theme", id) or ("statement", id): [dicts with reference, title, url, relation, actions]}` and is
called once per section (its own one or two queries), only when there are themes to look up. A source
lists only the first few decisions for each key; a list with more behind it carries a `more_url` (where
to read them all), which the section shows as a link under the theme.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from .models import ConsultationPage, Response, ResponseStatement, Theme

SUPPRESS_BELOW = 5
SUPPRESSED_LABEL = "fewer than 5"

# Functions (theme_ids, statement_ids) -> {("theme"|"statement", id): [decision dicts]}; see above.
DECISION_SOURCES: list = []


def register_decision_source(fn) -> None:
    """Let a later app (governance) add the decisions that cite themes and statements. Idempotent."""
    if fn not in DECISION_SOURCES:
        DECISION_SOURCES.append(fn)


@dataclass
class WeDid:
    """One published response statement. `decisions`: governance decisions linked to it (see above)."""

    statement_id: int
    text: str
    updated_at: object
    decisions: list = field(default_factory=list)


@dataclass
class YouSaidWeDid:
    """One theme: what people said (`summary`), how many people said it, and what we did.

    `people` is the number of distinct submitted responses with an answer tagged with the theme, and
    `answers` the number of tagged answers; `people_label` is what the public sees: the number, or
    "fewer than 5" when fewer than 5 people said it (one person's several answers count once, so a
    small group is never exposed by counting their answers). `decisions`: governance decisions that
    cite the theme itself rather than one of its statements; `more_decisions_url`, when set, is where
    to read every decision about the theme (more cite it than are listed here).
    """

    theme_id: int
    name: str
    summary: str
    answers: int
    people: int
    statements: list[WeDid]
    decisions: list = field(default_factory=list)
    more_decisions_url: str = ""

    @property
    def suppressed(self) -> bool:
        return self.people < SUPPRESS_BELOW

    @property
    def people_label(self) -> str:
        return SUPPRESSED_LABEL if self.suppressed else str(self.people)


def you_said_we_did(page: ConsultationPage) -> list[YouSaidWeDid]:
    """The themes of `page` with at least one published statement, alphabetically, each with its
    summary, its suppressed-when-small count and its published statements, oldest first.

    Unpublished statements never appear, and a theme with none published does not appear at all.
    Counts are of submitted responses only (a withdrawn response stops counting).
    """
    submitted = Q(answertheme__answer__response__status=Response.Status.SUBMITTED)
    published = ResponseStatement.objects.filter(published=True).order_by("created_at", "pk")
    themes = (
        Theme.objects.filter(consultation=page)
        .filter(Exists(published.filter(theme=OuterRef("pk"))))
        .annotate(
            answer_count=Count("answertheme", filter=submitted, distinct=True),
            people_count=Count("answertheme__answer__response", filter=submitted, distinct=True),
        )
        .prefetch_related(Prefetch("statements", queryset=published, to_attr="published_statements"))
        .order_by("name")
    )
    items = [
        YouSaidWeDid(
            theme_id=theme.pk,
            name=theme.name,
            summary=theme.summary,
            answers=theme.answer_count,
            people=theme.people_count,
            statements=[WeDid(s.pk, s.text, s.updated_at) for s in theme.published_statements],
        )
        for theme in themes
    ]
    _add_decisions(items)
    return items


# A change that the section shows moves the page cache's generation on (publishing a statement, coding
# an answer under a public theme, recording a decision); a withdrawal or an erasure that changes a count
# does not, so a kept copy is also dropped after this long, as a cached public page is.
SECTION_SECONDS = 300


def you_said_we_did_html(page: ConsultationPage, request=None) -> str:
    """The section as HTML (the same for everyone who can see the page), kept in the cache under the
    page and the page cache's generation, so the page reads and renders it once, not on every visit."""
    from django.core.cache import cache
    from django.template.loader import render_to_string

    from portal.home.page_cache import generation_for

    def render() -> str:
        items = you_said_we_did(page)
        return render_to_string("consultations/includes/you_said_we_did.html", {"you_said_we_did": items}) if items else ""

    return cache.get_or_set(f"you-said-we-did:{generation_for(request)}:{page.pk}", render, SECTION_SECONDS)


def _add_decisions(items: list[YouSaidWeDid]) -> None:
    """Fill in the decisions, each once per theme: under the first of the theme's statements that it
    cites, or else under the theme itself, however many evidence links it has to the theme, to its
    statements or to the consultation (decisions are told apart by their `reference`)."""
    if not items:
        return
    theme_ids = [item.theme_id for item in items]
    statement_ids = [s.statement_id for item in items for s in item.statements]
    for source in DECISION_SOURCES:
        found = source(theme_ids, statement_ids)
        for item in items:
            shown = {d["reference"] for d in item.decisions}
            shown |= {d["reference"] for s in item.statements for d in s.decisions}
            lists = [found.get(("statement", s.statement_id), []) for s in item.statements]
            for statement, listed in zip(item.statements, lists):
                statement.decisions.extend(_once(listed, shown))
            lists.append(found.get(("theme", item.theme_id), []))
            item.decisions.extend(_once(lists[-1], shown))
            more = [getattr(listed, "more_url", "") for listed in lists]
            item.more_decisions_url = next(filter(None, more), item.more_decisions_url)


def _once(decisions: list, shown: set) -> list:
    """The decisions whose reference is not in `shown` yet (adding theirs), in order, each once."""
    fresh = []
    for decision in decisions:
        if decision["reference"] not in shown:
            shown.add(decision["reference"])
            fresh.append(decision)
    return fresh
