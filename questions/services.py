"""Writes for questions: authoring drafts, publishing, clarifying, resolving,
correcting and closing."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from common import after_commit
from common.passages import locate_passage
from questions.models import Article, Clarification, Project, Question, ResolutionEvent, Tag

logger = logging.getLogger(__name__)

RESOLUTION_OUTCOMES = tuple(value for value in Question.Resolution.values if value)
# Only binary questions take forecasts and scores so far; the other types exist
# in the model for imports that describe them, not for authoring.
AUTHORED_TYPES = (Question.Type.BINARY,)
CLARIFICATION_MAX_LENGTH = 5000


def _clean_evidence_links(links: Sequence[str]) -> list[str]:
    validate = URLValidator(schemes=["http", "https"])
    cleaned = []
    for link in links:
        link = (link or "").strip()
        if not link:
            continue
        try:
            validate(link)
        except ValidationError:
            raise ValidationError(
                {"evidence_links": [f"{link!r} is not an http(s) URL."]}
            ) from None
        cleaned.append(link)
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
class QuestionDraft:
    """Everything staff write when authoring a question. `slug` may be blank:
    it is then made from the title. `tags` are free words, created as needed."""

    title: str
    resolution_criteria: str
    open_time: datetime
    scheduled_close_time: datetime
    scheduled_resolve_time: datetime
    slug: str = ""
    type: str = Question.Type.BINARY
    background: str = ""
    fine_print: str = ""
    resolution_source: str = ""
    tags: Sequence[str] = ()
    projects: Sequence[Project] = ()
    hide_community_until_forecast: bool = False
    article: Article | None = None
    source_passage: str = ""
    implied_probability_low: float | None = None
    implied_probability_high: float | None = None
    implied_probability_table: str = ""
    implied_probability_term: str = ""


_DRAFT_TEXT_FIELDS = (
    "title",
    "resolution_criteria",
    "background",
    "fine_print",
    "resolution_source",
    "source_passage",
    "implied_probability_term",
)
_DRAFT_COPIED_FIELDS = (
    "type",
    "open_time",
    "scheduled_close_time",
    "scheduled_resolve_time",
    "hide_community_until_forecast",
    "article",
    "implied_probability_low",
    "implied_probability_high",
    "implied_probability_table",
)


def _max_length(model: type[object], name: str) -> int:
    return model._meta.get_field(name).max_length  # type: ignore[attr-defined,no-any-return]


def _unique_slug(base: str, *, exclude_pk: int | None) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first one no other question uses.
    One query, whatever the number of taken suffixes."""
    base = base[: _max_length(Question, "slug") - 4].strip("-")
    taken = set(
        Question.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _tag_slug(word: str) -> str | None:
    """The tag `word` is filed under ("North Korea" -> "north-korea", "Café" -> "cafe"),
    or None when that would lose a letter or digit of it ("북한", "Straße") or leave
    nothing ("++"). Tag.slug is an ASCII SlugField (the admin rejects anything else),
    so such a word is refused rather than quietly shortened or dropped."""
    slug = slugify(word)
    kept = slugify(word, allow_unicode=True)
    # Accents come off (NFKD splits them into combining marks that slugify drops);
    # anything else outside ASCII that the Unicode slug kept was a letter or digit.
    stripped = "".join(
        char for char in unicodedata.normalize("NFKD", kept) if not unicodedata.combining(char)
    )
    if not slug or not stripped.isascii():
        return None
    return slug


def _draft_clean(draft: QuestionDraft, *, exclude_pk: int | None) -> dict[str, object]:
    """The question's fields from `draft`, or a ValidationError naming every
    field that is wrong (so the page can show them all at once)."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    values: dict[str, object] = {
        name: (getattr(draft, name) or "").strip() for name in _DRAFT_TEXT_FIELDS
    }
    values.update({name: getattr(draft, name) for name in _DRAFT_COPIED_FIELDS})
    for name in ("title", "resolution_criteria"):
        if not values[name]:
            fail(name, "This field is required.")
    for name in ("title", "implied_probability_term"):
        limit = _max_length(Question, name)
        if len(str(values[name])) > limit:
            fail(name, f"At most {limit} characters.")

    slug = (draft.slug or "").strip()
    if slug:
        if slugify(slug) != slug:
            fail("slug", "Use lowercase letters, digits and hyphens only.")
        elif len(slug) > _max_length(Question, "slug"):
            fail("slug", f"At most {_max_length(Question, 'slug')} characters.")
        elif Question.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
            fail("slug", f"Another question already uses {slug!r}.")
    elif values["title"]:
        generated = slugify(str(values["title"]))
        if generated:
            slug = _unique_slug(generated, exclude_pk=exclude_pk)
        else:
            fail("slug", "The title has no letters or digits to make a slug from: give one.")
    values["slug"] = slug

    if draft.type not in AUTHORED_TYPES:
        fail("type", "Only binary questions can be authored for now.")

    times = {
        name: getattr(draft, name)
        for name in ("open_time", "scheduled_close_time", "scheduled_resolve_time")
    }
    for name, moment in times.items():
        if moment is None:
            fail(name, "This field is required.")
        elif timezone.is_naive(moment):
            fail(name, "Give a time zone offset (times are UTC).")
    if all(moment is not None and timezone.is_aware(moment) for moment in times.values()):
        if not times["open_time"] < times["scheduled_close_time"]:
            fail("scheduled_close_time", "The close time must be after the open time.")
        if not times["scheduled_close_time"] <= times["scheduled_resolve_time"]:
            fail("scheduled_resolve_time", "The resolve time must not be before the close time.")

    passage = str(values["source_passage"])
    if (
        passage
        and draft.article is not None
        and locate_passage(draft.article.text, passage) is None
    ):
        fail(
            "source_passage",
            f"This passage does not occur in the text of “{draft.article.title}” "
            "(spacing, line breaks and straight or curly quotes are ignored).",
        )

    low, high = draft.implied_probability_low, draft.implied_probability_high
    for name, value in (("implied_probability_low", low), ("implied_probability_high", high)):
        if value is not None and not 0 <= value <= 1:
            fail(name, "A probability between 0 and 1, e.g. 0.55.")
    if (low is None) != (high is None):
        fail(
            "implied_probability_high" if high is None else "implied_probability_low",
            "Give both ends of the range (the same number twice for a single value).",
        )
    elif low is not None and high is not None and 0 <= low <= 1 and 0 <= high <= 1 and low > high:
        fail("implied_probability_high", "The high end must not be below the low end.")
    if draft.implied_probability_table and (
        draft.implied_probability_table not in Question.ProbabilityTable.values
    ):
        fail("implied_probability_table", "Not a known probability table.")

    tag_limit = _max_length(Tag, "slug")
    tags: set[str] = set()
    for word in draft.tags:
        word = (word or "").strip()
        if not word:
            continue
        tag = _tag_slug(word)
        if tag is None:
            fail(
                "tags",
                f"“{word}” cannot be a tag: tags are written with Latin letters (a–z), "
                "digits and hyphens, e.g. north-korea.",
            )
        elif len(tag) > tag_limit:
            fail("tags", f"The tag {tag[:20]!r}… is longer than {tag_limit} characters.")
        else:
            tags.add(tag)
    if errors:
        raise ValidationError(errors)
    values["tags"] = sorted(tags)
    return values


def _draft_write(
    question: Question, values: dict[str, object], projects: Sequence[Project]
) -> None:
    tags: list[str] = values.pop("tags")  # type: ignore[assignment]
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
    values = _draft_clean(draft, exclude_pk=None)
    with transaction.atomic():
        question = Question(published_at=None)
        _draft_write(question, values, draft.projects)
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
    question.refresh_from_db()
    return question


def question_publish(
    *, question: Question, published_by: User, now: datetime | None = None
) -> Question:
    """Make a draft visible to forecasters. Refused once the close time has
    passed: the question would appear already closed, with nobody able to
    forecast it."""
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
    return Clarification.objects.create(
        question=question, text=text, created_by=created_by, created_at=now or timezone.now()
    )
