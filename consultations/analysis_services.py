"""Writes for analysts: themes, tagging answers with themes, and the "we did" response statements.

Each function follows one order: check permission, change in a transaction, record a ledger event
(ids and field names only, never what anyone wrote), then queue side effects on commit. Theme and
ResponseStatement changes are also kept field by field by django-simple-history, with the analyst as
the history user. Anything shown on the public "you said, we did" section clears the anonymous page
cache once the change commits, so the public page never lags behind.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from portal.audit.services import audit_record
from portal.home.page_cache import page_cache_clear

from .hear_back import statement_went_public
from .models import Answer, AnswerTheme, ConsultationPage, Question, Response, ResponseStatement, Theme
from .permissions import can_analyse

NAME_MAX = Theme._meta.get_field("name").max_length


def codeable_answers(page: ConsultationPage):
    """Answers an analyst may tag: free text, not blank, from submitted responses to `page`."""
    return Answer.objects.filter(
        response__consultation=page,
        response__status=Response.Status.SUBMITTED,
        question__kind__in=Question.TEXT_KINDS,
    ).exclude(text="")


def _require_analyst(user, page: ConsultationPage) -> None:
    if not can_analyse(user, page):
        raise PermissionDenied("Only analysts can code answers into themes.")


def _clean_name(page: ConsultationPage, name: str, exclude_pk: int | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter a name for the theme"})
    if len(name) > NAME_MAX:
        raise ValidationError({"name": f"The name must be {NAME_MAX} characters or fewer"})
    clash = Theme.objects.filter(consultation=page, name__iexact=name).exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({"name": f"There is already a theme called “{name}”. Choose another name."})
    return name


def _saved(instance, user) -> None:
    """Save a history-tracked model with `user` as the history user, even outside a request."""
    instance._history_user = user
    instance.save()


def _theme_saved(theme: Theme, user) -> None:
    try:
        with transaction.atomic():
            _saved(theme, user)
    except IntegrityError:
        # Two analysts chose the same name at the same moment; the unique constraint caught it.
        raise ValidationError(
            {"name": "There is already a theme with this name. Choose another name."}
        ) from None


def _public_changed() -> None:
    transaction.on_commit(page_cache_clear)


def _theme_is_public(theme: Theme) -> bool:
    return theme.statements.filter(published=True).exists()


@transaction.atomic
def theme_create(*, page: ConsultationPage, name: str, summary: str = "", user) -> Theme:
    """Add a theme to `page`. Names are unique per consultation, ignoring case and extra spaces."""
    _require_analyst(user, page)
    theme = Theme(consultation=page, name=_clean_name(page, name), summary=(summary or "").strip())
    _theme_saved(theme, user)
    audit_record(
        actor=user, action="consultation.theme_created", target=theme, data={"consultation": page.pk}
    )
    return theme


@transaction.atomic
def theme_update(*, theme: Theme, name: str, summary: str, user) -> Theme:
    """Rename a theme and/or rewrite its summary ("you said"). The ledger records which fields changed;
    the history table keeps the old and new words."""
    page = theme.consultation
    _require_analyst(user, page)
    new = {"name": _clean_name(page, name, exclude_pk=theme.pk), "summary": (summary or "").strip()}
    changed = sorted(field for field, value in new.items() if getattr(theme, field) != value)
    if not changed:
        return theme
    for field, value in new.items():
        setattr(theme, field, value)
    _theme_saved(theme, user)
    audit_record(
        actor=user,
        action="consultation.theme_updated",
        target=theme,
        data={"consultation": page.pk, "fields": changed},
    )
    if _theme_is_public(theme):
        _public_changed()
    return theme


def _check_same_consultation(answer: Answer, theme: Theme) -> None:
    if not codeable_answers(theme.consultation).filter(pk=answer.pk).exists():
        raise ValidationError("This answer cannot be tagged with this theme.")


@transaction.atomic
def answer_tag(*, answer: Answer, theme: Theme, user) -> bool:
    """Tag `answer` with `theme`. Tagging twice changes nothing; returns whether a tag was added.

    The answer must be a free-text answer from a submitted response to the theme's consultation.
    """
    _require_analyst(user, theme.consultation)
    _check_same_consultation(answer, theme)
    _, created = AnswerTheme.objects.get_or_create(answer=answer, theme=theme)
    if created:
        audit_record(
            actor=user,
            action="consultation.answer_tagged",
            target=answer,
            data={"consultation": theme.consultation_id, "theme": theme.pk},
        )
        if _theme_is_public(theme):
            _public_changed()  # the public count of people for this theme may change
    return created


@transaction.atomic
def answer_untag(*, answer: Answer, theme: Theme, user) -> bool:
    """Remove `theme` from `answer`. Removing a tag that is not there changes nothing; returns whether
    a tag was removed."""
    _require_analyst(user, theme.consultation)
    removed, _ = AnswerTheme.objects.filter(answer=answer, theme=theme).delete()
    if removed:
        audit_record(
            actor=user,
            action="consultation.answer_untagged",
            target=answer,
            data={"consultation": theme.consultation_id, "theme": theme.pk},
        )
        if _theme_is_public(theme):
            _public_changed()
    return bool(removed)


def _clean_statement(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Write what we did, or will do, about this theme"})
    return text


@transaction.atomic
def statement_save(
    *, theme: Theme, text: str, user, statement: ResponseStatement | None = None, publish: bool | None = None
) -> ResponseStatement:
    """Write a new "we did" statement for `theme`, or rewrite `statement`.

    `publish` True or False also sets whether it is shown publicly; None leaves that as it was (new
    statements start unpublished). A published statement that is rewritten stays published, with
    its old words kept in the history table.
    """
    _require_analyst(user, theme.consultation)
    if statement is not None and statement.theme_id != theme.pk:
        raise ValidationError("This statement belongs to another theme.")
    created = statement is None
    statement = statement or ResponseStatement(theme=theme)
    was_shown = statement.published
    statement.text = _clean_statement(text)
    if publish is not None:
        statement.published = publish
    _saved(statement, user)
    audit_record(
        actor=user,
        action="consultation.statement_created" if created else "consultation.statement_updated",
        target=statement,
        data={"consultation": theme.consultation_id, "theme": theme.pk, "published": statement.published},
    )
    if was_shown or statement.published:
        _public_changed()
    if statement.published and not was_shown:
        statement_went_public(statement)
    return statement


@transaction.atomic
def statement_publish(*, statement: ResponseStatement, user, published: bool = True) -> ResponseStatement:
    """Show (`published=True`) or hide a statement in the public "you said, we did" section.

    Doing what is already so changes nothing and records nothing.
    """
    theme = statement.theme
    _require_analyst(user, theme.consultation)
    if statement.published == published:
        return statement
    statement.published = published
    _saved(statement, user)
    audit_record(
        actor=user,
        action="consultation.statement_published" if published else "consultation.statement_unpublished",
        target=statement,
        data={"consultation": theme.consultation_id, "theme": theme.pk},
    )
    _public_changed()
    if published:
        statement_went_public(statement)
    return statement
