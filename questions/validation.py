"""Every rule about a question's own fields, in one place.

Drafts written on the staff pages (`question_draft_create`, `question_draft_update`)
and question files (`questions_import`, behind `manage.py import_questions` and the
staff API) describe a question as `QuestionFields` and get the values to store from
`question_clean`, or a ValidationError keyed by field that lists every problem at
once. The same mistake so gets the same message on the same field whichever way it
came in; the import puts the entry's place in the file in front of it.

What each way in needs of its own stays with it: the authoring form turns what was
typed into values (dates, numbers, the choices it offers), and the import reads its
document (YAML or JSON shapes, durations, placeholders, provenance blocks, successor
links, `text_file`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from common import likelihood
from common.db import max_length
from common.passages import locate_passage
from questions.models import Article, Question, Tag

# Only binary questions take forecasts and scores so far. The model has other types,
# and question files used to accept them, but the model holds no options or range for
# them: such a question could never be forecast, scored or resolved yes or no. Files
# are now held to the authoring page's rule.
AUTHORED_TYPES = (Question.Type.BINARY,)

REQUIRED = "This field is required."
PROBABILITY = "A probability between 0 and 1, e.g. 0.55."

_TEXT_FIELDS = (
    "title",
    "resolution_criteria",
    "background",
    "fine_print",
    "resolution_source",
    "source_passage",
    "implied_probability_term",
)
_REQUIRED_TEXT_FIELDS = ("title", "resolution_criteria")
# The text fields with a length limit in the database (the slug's is checked with it).
_LIMITED_TEXT_FIELDS = ("title", "implied_probability_term")
_WINDOW_FIELDS = ("open_time", "scheduled_close_time", "scheduled_resolve_time")
_COPIED_FIELDS = (
    "type",
    *_WINDOW_FIELDS,
    "hide_community_until_forecast",
    "article",
    "implied_probability_low",
    "implied_probability_high",
    "implied_probability_table",
    "provenance_link",
    "provenance_direction",
)


@dataclass(frozen=True)
class QuestionFields:
    """A question's own fields as written, before any rule is applied. `slug` may be
    blank: it is then made from the title. `tags` are free words. A time left out is
    None. `article` may be unsaved (one that arrives in the same file): only its
    title and text are read."""

    title: str
    resolution_criteria: str
    open_time: datetime | None
    scheduled_close_time: datetime | None
    scheduled_resolve_time: datetime | None
    slug: str = ""
    type: str = Question.Type.BINARY
    background: str = ""
    fine_print: str = ""
    resolution_source: str = ""
    tags: Sequence[str] = ()
    hide_community_until_forecast: bool = False
    article: Article | None = None
    source_passage: str = ""
    implied_probability_low: float | None = None
    implied_probability_high: float | None = None
    implied_probability_table: str = ""
    implied_probability_term: str = ""
    provenance_link: str = Question.ProvenanceLink.DIRECT
    provenance_direction: str = Question.ProvenanceDirection.YES


class _Problems:
    """Every problem found, by field, in the order found."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)


def question_clean(*, fields: QuestionFields, exclude_pk: int | None = None) -> dict[str, Any]:
    """The values to store for `fields`, keyed by the Question's field names: texts
    stripped, the slug made from the title when left blank, and under "tags" the
    sorted slugs the tags are filed under. Or a ValidationError naming every field
    that is wrong, with every problem of each (so a page can show them all at once).
    `exclude_pk` is the question being rewritten: its own slug is not a clash."""
    problems = _Problems()
    values: dict[str, Any] = {name: (getattr(fields, name) or "").strip() for name in _TEXT_FIELDS}
    values.update({name: getattr(fields, name) for name in _COPIED_FIELDS})
    _check_texts(values, problems)
    values["slug"] = _clean_slug(
        fields.slug, title=values["title"], exclude_pk=exclude_pk, problems=problems
    )
    if fields.type not in AUTHORED_TYPES:
        problems.add("type", "Only binary (yes or no) questions are supported for now.")
    _check_window(fields, problems)
    _check_passage(fields.article, values["source_passage"], problems)
    _check_implied_probability(fields, problems)
    _check_provenance_link(fields, problems)
    values["tags"] = _clean_tags(fields.tags, problems)
    if problems.by_field:
        raise ValidationError(problems.by_field)
    return values


def _check_texts(values: dict[str, Any], problems: _Problems) -> None:
    for name in _REQUIRED_TEXT_FIELDS:
        if not values[name]:
            problems.add(name, REQUIRED)
    # Over-long text is caught here, with the field named, rather than as a database
    # error on PostgreSQL (SQLite would store it silently).
    for name in _LIMITED_TEXT_FIELDS:
        limit = max_length(Question, name)
        if len(values[name]) > limit:
            problems.add(name, f"At most {limit} characters.")


# --- The slug ------------------------------------------------------------------


def _clean_slug(slug: str, *, title: str, exclude_pk: int | None, problems: _Problems) -> str:
    slug = (slug or "").strip()
    if not slug:
        generated = slugify(title)
        if generated:
            return _unique_slug(generated, exclude_pk=exclude_pk)
        if title:
            problems.add(
                "slug", "The title has no letters or digits to make a slug from: give one."
            )
        return ""
    limit = max_length(Question, "slug")
    if slugify(slug) != slug:
        problems.add("slug", "Use lowercase letters, digits and hyphens only.")
    elif len(slug) > limit:
        problems.add("slug", f"At most {limit} characters.")
    elif _other_questions(exclude_pk).filter(slug=slug).exists():
        problems.add("slug", f"Another question already uses {slug!r}.")
    return slug


def _other_questions(exclude_pk: int | None) -> QuerySet[Question]:
    """Every question but the one being edited (all of them for a new question)."""
    questions = Question.objects.all()
    return questions if exclude_pk is None else questions.exclude(pk=exclude_pk)


def _unique_slug(base: str, *, exclude_pk: int | None) -> str:
    """`base`, or `base-2`, `base-3`, ... : the first one no other question uses.
    One query, whatever the number of taken suffixes."""
    base = base[: max_length(Question, "slug") - 4].strip("-")
    taken = set(
        _other_questions(exclude_pk).filter(slug__startswith=base).values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


# --- The window ----------------------------------------------------------------


def _check_window(fields: QuestionFields, problems: _Problems) -> None:
    times = {name: getattr(fields, name) for name in _WINDOW_FIELDS}
    for name, moment in times.items():
        if moment is None:
            problems.add(name, REQUIRED)
        elif timezone.is_naive(moment):
            problems.add(name, "Give a time zone offset (times are UTC).")
    if any(moment is None or timezone.is_naive(moment) for moment in times.values()):
        return
    if not times["open_time"] < times["scheduled_close_time"]:
        problems.add("scheduled_close_time", "The close time must be after the open time.")
    if not times["scheduled_close_time"] <= times["scheduled_resolve_time"]:
        problems.add(
            "scheduled_resolve_time", "The resolve time must not be before the close time."
        )


# --- Provenance ----------------------------------------------------------------


def _check_passage(article: Article | None, passage: str, problems: _Problems) -> None:
    # Files were not held to this before; a quoted passage that is not in its article
    # cannot be marked on the article's page, whichever way it came in.
    if passage and article is not None and locate_passage(article.text, passage) is None:
        problems.add(
            "source_passage",
            f"This passage does not occur in the text of “{article.title}” "
            "(spacing, line breaks and straight or curly quotes are ignored).",
        )


def _check_implied_probability(fields: QuestionFields, problems: _Problems) -> None:
    low, high = fields.implied_probability_low, fields.implied_probability_high
    table = fields.implied_probability_table
    term = (fields.implied_probability_term or "").strip()
    for name, value in (("implied_probability_low", low), ("implied_probability_high", high)):
        if value is not None and not 0 <= value <= 1:
            problems.add(name, PROBABILITY)
    if table and table not in likelihood.question_table_keys():
        problems.add(
            "implied_probability_table",
            "Not a known probability table: use one of "
            f"{', '.join(likelihood.question_table_keys())}.",
        )
    if low is None and high is None:
        # A file's table and term come only inside a range, and the page shows neither
        # without one: the authoring page is now held to the file's rule.
        if table or term:
            problems.add(
                "implied_probability_low",
                "Give the range the table or term was read as, or leave them blank.",
            )
        return
    if low is None or high is None:
        problems.add(
            "implied_probability_high" if high is None else "implied_probability_low",
            "Give both ends of the range (the same number twice for a single value).",
        )
    elif 0 <= low <= 1 and 0 <= high <= 1:
        if low > high:
            problems.add("implied_probability_high", "The high end must not be below the low end.")
        elif not table:
            # A range is read from words with a table, which the API always reports
            # beside it: files always needed one, and now drafts do too. It is asked for
            # once the range itself stands, like the order of its ends.
            problems.add("implied_probability_table", "Give the table the range was read with.")


def _check_provenance_link(fields: QuestionFields, problems: _Problems) -> None:
    for name, choices in (
        ("provenance_link", Question.ProvenanceLink),
        ("provenance_direction", Question.ProvenanceDirection),
    ):
        value = getattr(fields, name)
        if value not in choices.values:
            problems.add(name, f"Use one of {', '.join(choices.values)}.")


# --- Tags ----------------------------------------------------------------------


def _clean_tags(words: Sequence[str], problems: _Problems) -> list[str]:
    # Files used to shorten such words or drop them silently; they are refused by
    # name now, as the authoring page always did.
    limit = max_length(Tag, "slug")
    tags: set[str] = set()
    for word in words:
        word = (word or "").strip()
        if not word:
            continue
        tag = _tag_slug(word)
        if tag is None:
            problems.add(
                "tags",
                f"“{word}” cannot be a tag: tags are written with Latin letters (a–z), "
                "digits and hyphens, e.g. north-korea.",
            )
        elif len(tag) > limit:
            problems.add("tags", f"The tag {tag[:20]!r}… is longer than {limit} characters.")
        else:
            tags.add(tag)
    return sorted(tags)


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
