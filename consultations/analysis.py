"""Analysts' screens: code free-text answers into themes, and write each theme's summary and "we did".

`analysis/` lists the free-text answers of submitted responses, 50 a page, with one-click tag buttons.
`analysis/themes/` lists the themes with their counts and adds new ones; `analysis/themes/?theme=<id>`
edits one theme and its "we did" statements. Everything works without JavaScript: each button posts a
small form, and the answer comes back as a redirect to the same list, page and place (an anchor).
Only analysts get in; everyone else, signed in or not, gets the plain 403 page.
"""

import re
from dataclasses import dataclass, field

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from portal.home.pagination import page_links

from . import analysis_services as services
from .models import Answer, AnswerTheme, ConsultationPage, Question, Response, ResponseStatement, Theme
from .permissions import can_analyse

PER_PAGE = 50
ANCHOR = re.compile(r"^(answer-\d+|answers)$")
SUBMITTED = Response.Status.SUBMITTED


# --- forms --------------------------------------------------------------------------------------
def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the template owns the <form>, its CSRF token and its buttons
    helper.disable_csrf = True  # the page template owns the CSRF token
    helper.layout = Layout(*fields)
    return helper


class AnswerFilterForm(forms.Form):
    """Which answers to list: one question or all; one theme, or only those with no theme yet."""

    question = forms.TypedChoiceField(label="Question", required=False, coerce=int, empty_value=None)
    theme = forms.TypedChoiceField(label="Theme", required=False, coerce=int, empty_value=None)
    untagged = forms.BooleanField(label="Only answers with no theme yet", required=False)

    def __init__(self, *args, questions, themes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = [("", "All free-text questions")] + [
            (q.pk, q.prompt) for q in questions
        ]
        self.fields["theme"].choices = [("", "Any theme, or none")] + [(t.pk, t.name) for t in themes]
        self.helper = _helper(Field.select("question"), Field.select("theme"), Field.checkbox("untagged", small=True))


class TagForm(forms.Form):
    """One answer's themes, saved with one button: which answer, the themes ticked for it (`themes`,
    with `themes_shown` marking a full set), or one theme to add or take off (`tag` / `untag`), and
    where to come back to."""

    answer = forms.IntegerField(min_value=1)
    tag = forms.IntegerField(min_value=1, required=False)
    untag = forms.IntegerField(min_value=1, required=False)
    themes = forms.TypedMultipleChoiceField(coerce=int, required=False)
    themes_shown = forms.BooleanField(required=False)
    anchor = forms.RegexField(regex=ANCHOR, required=False)

    def __init__(self, *args, theme_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].choices = [(pk, pk) for pk in theme_ids]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("themes_shown") and bool(cleaned.get("tag")) == bool(cleaned.get("untag")):
            raise ValidationError("Press one tag button at a time.")
        return cleaned


class ThemeForm(forms.Form):
    name = forms.CharField(
        label="Theme name",
        max_length=services.NAME_MAX,
        help_text="A few words, like “Evening opening” or “Feeling listened to”.",
        error_messages={"required": "Enter a name for the theme"},
    )
    summary = forms.CharField(
        label="What people said",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A short summary in plain words. It is shown to the public as “You said” once the theme "
        "has a published “We did”.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.pop("maxlength", None)
        self.helper = _helper(
            Field.text("name", field_width=Fluid.TWO_THIRDS), Field.textarea("summary", rows=5)
        )


class StatementForm(forms.Form):
    text = forms.CharField(
        label="What we did, or will do",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Plain words. People will read this beside what they told us.",
        error_messages={"required": "Write what we did, or will do, about this theme"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("text", rows=4, label_size=Size.SMALL))


# --- shared -------------------------------------------------------------------------------------
def _require_analyst(request, page: ConsultationPage) -> None:
    if not can_analyse(request.user, page):
        raise PermissionDenied("Only analysts can see this page.")


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    return response


def _back(request, anchor: str = "") -> HttpResponse:
    """Redirect (after a POST) to the same list, filters and page the form came from."""
    query = request.GET.urlencode()
    return redirect(request.path + (f"?{query}" if query else "") + (f"#{anchor}" if anchor else ""))


def _text_questions(page: ConsultationPage) -> list[Question]:
    return list(page.questions.filter(kind__in=Question.TEXT_KINDS).order_by("sort_order", "pk"))


def _themes_of(page: ConsultationPage) -> list[Theme]:
    return list(Theme.objects.filter(consultation=page).order_by("name"))


# --- analysis/: coding answers --------------------------------------------------------------------
@dataclass
class AnswerRow:
    answer: Answer
    number: int
    tagged: list[Theme]
    buttons: list[tuple[Theme, bool]] = field(default_factory=list)
    anchor_after: str = ""


def _answer_list(page: ConsultationPage, question_id: int | None, untagged: bool, theme_id: int | None = None):
    answers = services.codeable_answers(page).select_related("question")
    if question_id:
        answers = answers.filter(question_id=question_id)
    if theme_id:
        answers = answers.filter(Exists(AnswerTheme.objects.filter(answer=OuterRef("pk"), theme_id=theme_id)))
    if untagged:
        answers = answers.filter(~Exists(AnswerTheme.objects.filter(answer=OuterRef("pk"))))
    return answers.order_by("question__sort_order", "question_id", "pk").prefetch_related(
        Prefetch("themes", queryset=Theme.objects.order_by("name"))
    )


def _rows(page_obj, themes: list[Theme], untagged: bool) -> list[AnswerRow]:
    rows = []
    for number, answer in enumerate(page_obj, start=page_obj.start_index()):
        tagged = list(answer.themes.all())
        ids = {theme.pk for theme in tagged}
        rows.append(AnswerRow(answer, number, tagged, [(theme, theme.pk in ids) for theme in themes]))
    for index, row in enumerate(rows):
        # Tagging an answer in the "no theme yet" list takes it out of the list: come back to the next.
        if untagged:
            following = rows[index + 1] if index + 1 < len(rows) else None
            row.anchor_after = f"answer-{following.answer.pk}" if following else "answers"
        else:
            row.anchor_after = f"answer-{row.answer.pk}"
    return rows


def _answer_counts(page: ConsultationPage) -> dict:
    return services.codeable_answers(page).aggregate(
        total=Count("pk", distinct=True), untagged=Count("pk", filter=Q(answertheme__isnull=True))
    )


@require_http_methods(["GET", "POST"])
def analysis(request, page: ConsultationPage) -> HttpResponse:
    """The coding screen: free-text answers, each with one set of theme tick boxes and one Save button,
    filtered by question, by theme or to those with no theme yet."""
    _require_analyst(request, page)
    if request.method == "POST":
        return _private(_tag_post(request, page))
    questions = _text_questions(page)
    themes = _themes_of(page)
    filters = AnswerFilterForm(request.GET or None, questions=questions, themes=themes)
    question_id, untagged, theme_id = None, False, None
    if filters.is_bound and filters.is_valid():
        question_id, untagged = filters.cleaned_data["question"], filters.cleaned_data["untagged"]
        theme_id = filters.cleaned_data["theme"]
    page_obj = Paginator(_answer_list(page, question_id, untagged, theme_id), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "filters": filters,
        "themes": themes,
        "rows": _rows(page_obj, themes, untagged),
        "page_obj": page_obj,
        "pagination": page_links(request, page_obj, anchor="answers"),
        "counts": _answer_counts(page),
        "filtered": bool(question_id or untagged or theme_id),
        "action": request.get_full_path(),
    }
    return _private(TemplateResponse(request, "consultations/analysis.html", context))


def _tag_post(request, page: ConsultationPage) -> HttpResponse:
    themes = {theme.pk: theme for theme in Theme.objects.filter(consultation=page)}
    form = TagForm(request.POST, theme_ids=list(themes))
    if not form.is_valid():
        messages.error(request, "That did not work: the themes were not recognised. Please try again.")
        return _back(request, "answers")
    data = form.cleaned_data
    answer = get_object_or_404(services.codeable_answers(page), pk=data["answer"])
    anchor = data["anchor"] or f"answer-{answer.pk}"
    if data["themes_shown"]:
        return _save_themes(request, answer, [themes[pk] for pk in data["themes"]], themes, anchor)
    theme = themes.get(data["tag"] or data["untag"])
    if theme is None:
        raise Http404("No theme of this consultation has that number.")
    if data["tag"]:
        services.answer_tag(answer=answer, theme=theme, user=request.user)
        messages.success(request, f"Answer tagged as “{theme.name}”.")
    else:
        services.answer_untag(answer=answer, theme=theme, user=request.user)
        messages.success(request, f"“{theme.name}” removed from the answer.")
    return _back(request, anchor)


def _save_themes(request, answer, chosen: list[Theme], themes: dict, anchor: str) -> HttpResponse:
    """Make the answer's themes exactly those ticked: tag the new ones, untag the cleared ones (each a
    ledger event through the services), and say what changed in words."""
    before = set(answer.themes.filter(consultation=answer.response.consultation).values_list("pk", flat=True))
    after = {theme.pk for theme in chosen}
    for pk in sorted(after - before):
        services.answer_tag(answer=answer, theme=themes[pk], user=request.user)
    for pk in sorted(before - after):
        services.answer_untag(answer=answer, theme=themes[pk], user=request.user)
    if before == after:
        messages.info(request, "Nothing changed: the answer already had those themes.")
    elif after:
        names = ", ".join(f"“{themes[pk].name}”" for pk in sorted(after, key=lambda pk: themes[pk].name))
        messages.success(request, f"Saved. This answer now has the themes {names}.")
    else:
        messages.success(request, "Saved. The answer has no theme now.")
    return _back(request, anchor)


# --- analysis/themes/: themes, summaries and "we did" ---------------------------------------------
def _themes_with_counts(page: ConsultationPage):
    """Each theme with how many submitted answers and people it tags, and its statements (SQL counts)."""
    tagged = Q(answertheme__answer__response__status=SUBMITTED)
    return (
        Theme.objects.filter(consultation=page)
        .annotate(
            answer_count=Count("answertheme", filter=tagged, distinct=True),
            people_count=Count("answertheme__answer__response", filter=tagged, distinct=True),
            statement_count=Count("statements", distinct=True),
            published_count=Count("statements", filter=Q(statements__published=True), distinct=True),
        )
        .order_by("name")
    )


@require_http_methods(["GET", "POST"])
def themes(request, page: ConsultationPage) -> HttpResponse:
    """Theme list and "add a theme"; with `?theme=<id>`, the editor for that one theme."""
    _require_analyst(request, page)
    theme_id = request.GET.get("theme")
    if theme_id is not None:
        if not theme_id.isdigit():
            raise Http404("No such theme.")
        theme = get_object_or_404(Theme, consultation=page, pk=theme_id)
        return _private(_theme_editor(request, page, theme))
    form = ThemeForm(request.POST or None, prefix="new")
    if request.method == "POST" and form.is_valid():
        try:
            theme = services.theme_create(page=page, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Theme “{theme.name}” added. You can now write what we did about it.")
            return redirect(f"{request.path}?theme={theme.pk}")
    context = {
        "page": page,
        "themes": _themes_with_counts(page),
        "counts": _answer_counts(page),
        "form": form,
    }
    status = 400 if form.errors else 200
    return _private(TemplateResponse(request, "consultations/themes.html", context, status=status))


def _statements(theme: Theme) -> list[ResponseStatement]:
    return list(theme.statements.order_by("created_at", "pk"))


def _theme_editor(request, page: ConsultationPage, theme: Theme) -> HttpResponse:
    """Rename the theme, rewrite its summary, and write, change, publish or hide its statements."""
    action = request.POST.get("action", "") if request.method == "POST" else ""
    statements = _statements(theme)
    by_id = {str(s.pk): s for s in statements}
    bound = None
    if action:
        result = _theme_post(request, theme, action, by_id)
        if isinstance(result, HttpResponse):
            return result
        bound = result
    theme_form = (
        bound
        if action == "update"
        else ThemeForm(prefix="theme", initial={"name": theme.name, "summary": theme.summary})
    )
    new_form = bound if action == "statement_add" else StatementForm(prefix="statement-new")
    editing = [
        (
            s,
            bound
            if action == "statement_edit" and bound.prefix == f"statement-{s.pk}"
            else StatementForm(prefix=f"statement-{s.pk}", initial={"text": s.text}),
        )
        for s in statements
    ]
    context = {
        "page": page,
        "theme": theme,
        "theme_form": theme_form,
        "statement_forms": editing,
        "new_form": new_form,
        "error_form": bound,
        "tagged": theme.answertheme_set.filter(answer__response__status=SUBMITTED).count(),
    }
    status = 400 if bound is not None and bound.errors else 200
    return TemplateResponse(request, "consultations/themes_theme.html", context, status=status)


def _theme_post(request, theme: Theme, action: str, by_id: dict):
    """Carry out one form's action. Returns a redirect when done, or the bound form to show its errors."""
    here = f"{request.path}?theme={theme.pk}"
    user = request.user
    statement = by_id.get(request.POST.get("statement", ""))
    if action in ("publish", "unpublish"):
        if statement is None:
            raise Http404("No such statement.")
        services.statement_publish(statement=statement, user=user, published=action == "publish")
        messages.success(
            request,
            "Published: people can now read it."
            if action == "publish"
            else "Hidden: it is no longer shown to the public.",
        )
        return redirect(f"{here}#statement-{statement.pk}")
    if action == "update":
        form = ThemeForm(request.POST, prefix="theme")
    elif action == "statement_add":
        form = StatementForm(request.POST, prefix="statement-new")
    elif action == "statement_edit" and statement is not None:
        form = StatementForm(request.POST, prefix=f"statement-{statement.pk}")
    else:
        raise Http404("Unknown action.")
    if not form.is_valid():
        return form
    try:
        if action == "update":
            services.theme_update(theme=theme, user=user, **form.cleaned_data)
            messages.success(request, "Theme saved.")
            return redirect(f"{here}#theme-details")
        publish = True if "publish" in request.POST else None
        saved = services.statement_save(
            theme=theme, statement=statement, text=form.cleaned_data["text"], user=user, publish=publish
        )
    except ValidationError as error:
        form.add_error(None, error)
        return form
    messages.success(request, _saved_message(saved, publish))
    return redirect(f"{here}#statement-{saved.pk}")


def _saved_message(statement: ResponseStatement, publish: bool | None) -> str:
    if not statement.published:
        return "Saved. It is not published yet."
    return "Published: people can now read it." if publish else "Saved. The public page shows the new words."
