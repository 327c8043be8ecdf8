"""Writes for questions: authoring drafts, publishing, clarifying, resolving,
correcting and closing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from common import after_commit
from questions.models import Clarification, Project, Question, ResolutionEvent, Tag
from questions.placeholders import (
    PLACEHOLDERS_ALLOWED,
    TEMPLATED_FIELDS,
    placeholders_render,
    window_placeholders,
)
from questions.validation import QuestionFields, question_clean

logger = logging.getLogger(__name__)

RESOLUTION_OUTCOMES = tuple(value for value in Question.Resolution.values if value)
CLARIFICATION_MAX_LENGTH = 5000


def _clean_evidence_links(links: Sequence[str]) -> list[str]:
    """The links, stripped, blanks dropped; or a ValidationError listing every link that
    is not an http(s) URL with its position (1 for the first given), so a resolver fixes
    them all in one go rather than one per submission."""
    validate = URLValidator(schemes=["http", "https"])
    cleaned = []
    problems = []
    for position, link in enumerate(links, start=1):
        link = (link or "").strip()
        if not link:
            continue
        try:
            validate(link)
        except ValidationError:
            problems.append(f"Link {position}: {link!r} is not an http(s) URL.")
        else:
            cleaned.append(link)
    if problems:
        raise ValidationError({"evidence_links": problems})
    return cleaned


def _require_staff(user: User, field: str, action: str) -> None:
    if not user.is_staff:
        raise ValidationError({field: [f"Only staff can {action}."]})


# --- Resolving ---------------------------------------------------------------


def question_resolve_check(
    *,
    question: Question,
    outcome: str,
    known_at: datetime | None,
    resolved_by: User,
    evidence_links: Sequence[str] = (),
    now: datetime | None = None,
) -> list[str]:
    """Every rule `question_resolve` applies, without writing anything: the
    resolve page runs it before asking for confirmation, so a mistake shows on
    the first step rather than after "Confirm". Returns the cleaned links."""
    now = now or timezone.now()
    _require_staff(resolved_by, "resolved_by", "resolve questions")
    if question.is_draft:
        raise ValidationError({"question": ["Publish the question before resolving it."]})
    if outcome not in RESOLUTION_OUTCOMES:
        raise ValidationError(
            {"outcome": [f"Must be one of {', '.join(RESOLUTION_OUTCOMES)}; got {outcome!r}."]}
        )
    if question.type != Question.Type.BINARY and outcome in ("yes", "no"):
        raise ValidationError({"outcome": ["Yes and no resolve binary questions only."]})
    if known_at is None:
        raise ValidationError({"known_at": ["This field is required."]})
    if timezone.is_naive(known_at):
        raise ValidationError({"known_at": ["Give a time zone offset, e.g. 2026-01-31T12:00Z."]})
    if known_at > now:
        raise ValidationError({"known_at": ["The outcome cannot be known in the future."]})
    if known_at < question.open_time:
        raise ValidationError(
            {"known_at": [f"Must not be before the question opened ({question.open_time})."]}
        )
    return _clean_evidence_links(evidence_links)


class ResolutionChanged(ValidationError):
    """The resolution in force is not the one the resolver reviewed."""


def question_resolve(
    *,
    question: Question,
    outcome: str,
    known_at: datetime,
    resolved_by: User,
    note: str = "",
    evidence_links: Sequence[str] = (),
    expected_latest_event: int | None = None,
    now: datetime | None = None,
) -> ResolutionEvent:
    """Resolve `question`, or correct its resolution: either way a new event.

    The latest event wins and is copied onto the question; the event is recorded
    with `after_commit`, so the pipeline's scoring never reads a resolution that is
    not there yet (or one that was rolled back). With
    `expected_latest_event` (0 for none), a resolver who reviewed one state gets
    ResolutionChanged instead of overwriting another that arrived meanwhile: the
    check is made under the question's lock.
    """
    now = now or timezone.now()
    links = question_resolve_check(
        question=question,
        outcome=outcome,
        known_at=known_at,
        resolved_by=resolved_by,
        evidence_links=evidence_links,
        now=now,
    )

    with transaction.atomic():
        # Lock the question so two resolvers cannot interleave their events.
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if expected_latest_event is not None:
            latest = (
                ResolutionEvent.objects.filter(question=locked)
                .order_by("-created_at", "-id")
                .values_list("id", flat=True)
                .first()
            )
            if (latest or 0) != expected_latest_event:
                raise ResolutionChanged(
                    {"question": ["It was resolved or corrected since you reviewed it."]}
                )
        event = ResolutionEvent.objects.create(
            question=locked,
            outcome=outcome,
            known_at=known_at,
            created_at=now,
            created_by=resolved_by,
            note=(note or "").strip(),
            evidence_links=links,
        )
        Question.objects.filter(pk=locked.pk).update(
            resolution=outcome, known_at=known_at, resolution_set_at=now
        )
        # Scores follow, and the community history is cut at the new actual close.
        after_commit.question_resolved(question_id=locked.pk)
    question.refresh_from_db()
    return event


# --- Authoring ---------------------------------------------------------------


@dataclass(frozen=True)
class QuestionDraft(QuestionFields):
    """Everything staff write when authoring a question: its own fields, which
    `question_clean` judges (the slug may be blank: it is then made from the title;
    tags are free words, created as needed), and the projects it is filed under."""

    projects: Sequence[Project] = ()


# Any window fills the placeholders to the same length; this one only lets the texts be
# checked while the window itself is missing (question_clean then says so).
_STAND_IN_WINDOW = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 7, 1, tzinfo=UTC))


def _draft_clean(draft: QuestionDraft, *, exclude_pk: int | None = None) -> dict[str, Any]:
    """`question_clean` of the draft with its placeholders filled from its own window,
    so what is stored (and previewed, and published) reads as forecasters will read it,
    and a slug made from the title has dates in it, not placeholder names. A text with
    anything else in braces is refused on its field, beside every other problem."""
    opens, closes = draft.open_time, draft.scheduled_close_time
    if opens is None or closes is None or timezone.is_naive(opens) or timezone.is_naive(closes):
        opens, closes = _STAND_IN_WINDOW
    placeholders = window_placeholders(opens, closes)
    # A text with a bad placeholder is judged as written, beside the other fields.
    filled = {name: getattr(draft, name) or "" for name in TEMPLATED_FIELDS}
    problems: dict[str, list[str]] = {}
    for name in TEMPLATED_FIELDS:
        try:
            filled[name] = placeholders_render(filled[name], placeholders)
        except ValueError as error:
            problems[name] = [f"Unknown placeholder: {PLACEHOLDERS_ALLOWED} ({error})."]
    try:
        filled_draft = replace(
            draft,
            title=filled["title"],
            resolution_criteria=filled["resolution_criteria"],
            fine_print=filled["fine_print"],
        )
        values = question_clean(fields=filled_draft, exclude_pk=exclude_pk)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            problems.setdefault(name, []).extend(messages)
    if problems:
        raise ValidationError(problems)
    return values


def _draft_write(question: Question, values: dict[str, Any], projects: Sequence[Project]) -> None:
    tags: list[str] = values.pop("tags")
    for name, value in values.items():
        setattr(question, name, value)
    question.save()
    # Tags are free words: the ones not seen before are created here (one insert).
    Tag.objects.bulk_create([Tag(slug=tag) for tag in tags], ignore_conflicts=True)
    question.tags.set(Tag.objects.filter(slug__in=tags))
    question.projects.set(projects)


def question_draft_create(*, draft: QuestionDraft, created_by: User) -> Question:
    """A new question, unpublished (forecasters cannot see it) until
    `question_publish`."""
    _require_staff(created_by, "created_by", "author questions")
    values = _draft_clean(draft)
    with transaction.atomic():
        question = Question(published_at=None)
        _draft_write(question, values, draft.projects)
        # Its claim (if its provenance quotes one) follows, as after an import.
        after_commit.provenance_changed(question_ids=[question.pk])
    logger.info("Draft %s created by %s", question.slug, created_by.username)
    return question


def question_draft_update(
    *, question: Question, draft: QuestionDraft, updated_by: User
) -> Question:
    """Rewrite a draft. A published question's criteria are never rewritten:
    forecasts were made against them, so it takes clarifications instead."""
    _require_staff(updated_by, "updated_by", "edit questions")
    values = _draft_clean(draft, exclude_pk=question.pk)
    with transaction.atomic():
        locked = Question.objects.select_for_update().get(pk=question.pk)
        if not locked.is_draft:
            raise ValidationError(
                {
                    "question": [
                        "This question is published: its criteria are fixed. "
                        "Add a clarification instead."
                    ]
                }
            )
        _draft_write(locked, values, draft.projects)
        after_commit.provenance_changed(question_ids=[locked.pk])
    question.refresh_from_db()
    return question


def question_publish_check(
    *, question: Question, published_by: User, now: datetime | None = None
) -> None:
    """Every rule `question_publish` applies, without writing anything: the publish
    page runs it before asking for confirmation, so a refusal shows at once."""
    now = now or timezone.now()
    _require_staff(published_by, "published_by", "publish questions")
    if not question.is_draft:
        raise ValidationError({"question": ["This question is already published."]})
    if question.scheduled_close_time <= now:
        raise ValidationError(
            {
                "scheduled_close_time": [
                    "The close time has passed: move the window before publishing."
                ]
            }
        )


def question_publish(
    *, question: Question, published_by: User, now: datetime | None = None
) -> Question:
    """Make a draft visible to forecasters. Refused once the close time has
    passed: the question would appear already closed, with nobody able to
    forecast it."""
    now = now or timezone.now()
    question_publish_check(question=question, published_by=published_by, now=now)
    # Claimed with a conditional UPDATE: two clicks (or two staff) publish once.
    published = Question.objects.filter(pk=question.pk, published_at__isnull=True).update(
        published_at=now
    )
    if not published:
        raise ValidationError({"question": ["This question is already published."]})
    logger.info("Question %s published by %s", question.slug, published_by.username)
    question.refresh_from_db()
    return question


def clarification_add(
    *, question: Question, text: str, created_by: User, now: datetime | None = None
) -> Clarification:
    """Append a clarification: it explains the criteria and is shown with its
    time; the criteria themselves stay as forecasters read them."""
    _require_staff(created_by, "created_by", "clarify questions")
    text = (text or "").strip()
    if question.is_draft:
        raise ValidationError(
            {"question": ["This question is a draft: edit its criteria instead."]}
        )
    if not text:
        raise ValidationError({"text": ["This field is required."]})
    if len(text) > CLARIFICATION_MAX_LENGTH:
        raise ValidationError({"text": [f"At most {CLARIFICATION_MAX_LENGTH} characters."]})
    with transaction.atomic():
        clarification = Clarification.objects.create(
            question=question, text=text, created_by=created_by, created_at=now or timezone.now()
        )
        # Its followers hear of it once this commits (a sweep repairs a lost message).
        after_commit.clarification_added(clarification_id=clarification.pk)
    return clarification
