"""One set of rules for a question's own fields (questions.validation): the same bad
question gets the same message on the same field whether it comes as a draft from
the staff pages, in a file loaded by `questions_import`, or through the staff import
API. The file's messages start with the entry's place and the field's key in it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from questions.imports import FILE_KEYS, ImportFileError, questions_import
from questions.models import Article, Question, Tag
from questions.services import QuestionDraft, question_draft_create
from tests.factories import ArticleFactory, QuestionFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("api:staff-import-questions")
OPENS = datetime(2030, 1, 1, tzinfo=UTC)
CLOSES = OPENS + timedelta(days=180)
GOOD = {
    "slug": "q-bad",
    "title": "Will the alliance hold its summer exercise?",
    "type": "binary",
    "resolution_criteria": "Resolves yes if the exercise is held.",
    "open_time": OPENS,
    "scheduled_close_time": CLOSES,
    "scheduled_resolve_time": CLOSES + timedelta(days=30),
}
ARTICLE_TEXT = "Intro.\n\nIt is likely that the alliance\nendures. More."
# Stands for the article the fixture stores (a file names it by its slug).
ARTICLE = object()
TABLE = "icd203"

# (what is wrong, the field named, the message): the message is the whole of it.
CASES = [
    ({"title": ""}, "title", "This field is required."),
    ({"resolution_criteria": "   "}, "resolution_criteria", "This field is required."),
    ({"title": "x" * 301}, "title", "At most 300 characters."),
    ({"slug": "Not A Slug"}, "slug", "Use lowercase letters, digits and hyphens only."),
    ({"slug": "x" * 121}, "slug", "At most 120 characters."),
    ({"type": "numeric"}, "type", "Only binary (yes or no) questions are supported for now."),
    (
        {"scheduled_close_time": OPENS},
        "scheduled_close_time",
        "The close time must be after the open time.",
    ),
    (
        {"scheduled_resolve_time": CLOSES - timedelta(days=1)},
        "scheduled_resolve_time",
        "The resolve time must not be before the close time.",
    ),
    (
        {"open_time": OPENS.replace(tzinfo=None)},
        "open_time",
        "Give a time zone offset (times are UTC).",
    ),
    (
        {"tags": ["missiles", "북한"]},
        "tags",
        "“북한” cannot be a tag: tags are written with Latin letters (a–z), digits and "
        "hyphens, e.g. north-korea.",
    ),
    (
        {"tags": ["++"]},
        "tags",
        "“++” cannot be a tag: tags are written with Latin letters (a–z), digits and "
        "hyphens, e.g. north-korea.",
    ),
    (
        {"tags": ["a" * 61]},
        "tags",
        f"The tag {'a' * 20!r}… is longer than 60 characters.",
    ),
    (
        {"article": ARTICLE, "source_passage": "A sentence the article never wrote."},
        "source_passage",
        "This passage does not occur in the text of “The Pillar” "
        "(spacing, line breaks and straight or curly quotes are ignored).",
    ),
    (
        {
            "article": ARTICLE,
            "implied_probability_low": 1.5,
            "implied_probability_high": 0.9,
            "implied_probability_table": TABLE,
        },
        "implied_probability_low",
        "A probability between 0 and 1, e.g. 0.55.",
    ),
    (
        {
            "article": ARTICLE,
            "implied_probability_low": 0.8,
            "implied_probability_high": 0.2,
            "implied_probability_table": TABLE,
        },
        "implied_probability_high",
        "The high end must not be below the low end.",
    ),
    (
        {"article": ARTICLE, "implied_probability_low": 0.3, "implied_probability_table": TABLE},
        "implied_probability_high",
        "Give both ends of the range (the same number twice for a single value).",
    ),
    (
        {"article": ARTICLE, "implied_probability_low": 0.3, "implied_probability_high": 0.5},
        "implied_probability_table",
        "Give the table the range was read with.",
    ),
    (
        {
            "article": ARTICLE,
            "implied_probability_low": 0.3,
            "implied_probability_high": 0.5,
            "implied_probability_table": "icd999",
        },
        "implied_probability_table",
        "Not a known probability table: use one of icd203, kent1964, hedge_survey, number.",
    ),
    (
        {"article": ARTICLE, "implied_probability_term": "likely"},
        "implied_probability_low",
        "Give the range the table or term was read as, or leave them blank.",
    ),
    (
        {
            "article": ARTICLE,
            "implied_probability_low": 0.3,
            "implied_probability_high": 0.5,
            "implied_probability_table": TABLE,
            "implied_probability_term": "x" * 121,
        },
        "implied_probability_term",
        "At most 120 characters.",
    ),
]
CASE_IDS = [
    "no-title",
    "blank-criteria",
    "long-title",
    "bad-slug",
    "long-slug",
    "not-binary",
    "close-not-after-open",
    "resolve-before-close",
    "no-offset",
    "tag-in-another-script",
    "tag-without-letters",
    "long-tag",
    "passage-not-in-article",
    "probability-above-one",
    "low-above-high",
    "half-a-range",
    "range-without-table",
    "unknown-table",
    "term-without-range",
    "long-term",
]


@pytest.fixture
def article() -> Article:
    return ArticleFactory(slug="pillar", title="The Pillar", text=ARTICLE_TEXT)


def question_fields(changes: dict[str, Any], article: Article) -> dict[str, Any]:
    fields = {**GOOD, **changes}
    if fields.get("article") is ARTICLE:
        fields["article"] = article
    return fields


def as_entry(fields: dict[str, Any]) -> dict[str, Any]:
    """The same question as an entry of a question file."""
    entry: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    implied: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        if name == "article":
            provenance["article"] = value.slug
        elif name == "source_passage":
            provenance["passage"] = value
        elif name.startswith("implied_probability_"):
            implied[name.removeprefix("implied_probability_")] = value
        else:
            entry[name] = value
    if implied:
        provenance["implied_probability"] = implied
    if provenance:
        entry["provenance"] = provenance
    return entry


def file_line(fields: dict[str, Any], field: str, message: str) -> str:
    return f"question {fields['slug']!r}: {FILE_KEYS.get(field, field)}: {message}"


def draft_errors(fields: dict[str, Any], staff) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        question_draft_create(draft=QuestionDraft(**fields), created_by=staff)
    return raised.value.message_dict


def import_problems(fields: dict[str, Any]) -> list[str]:
    with pytest.raises(ImportFileError) as raised:
        questions_import(document=[as_entry(fields)], base_dir=Path("."))
    return raised.value.messages


def test_the_good_question_passes_every_way_in(staff, staff_client, article):
    fields = question_fields(
        {
            "article": ARTICLE,
            "source_passage": "It is likely that the alliance endures.",
            "implied_probability_low": 0.55,
            "implied_probability_high": 0.8,
            "implied_probability_table": TABLE,
            "implied_probability_term": "likely",
            "tags": ["Café Culture", "north-korea"],
        },
        article,
    )
    drafted = question_draft_create(draft=QuestionDraft(**fields), created_by=staff)
    drafted.delete()
    questions_import(document=[as_entry(fields)], base_dir=Path("."))
    Question.objects.all().delete()
    response = staff_client.post(IMPORT_URL, {"questions": [as_entry(fields)]}, format="json")
    assert response.status_code == 201
    stored = Question.objects.get(slug="q-bad")
    assert sorted(stored.tags.values_list("slug", flat=True)) == ["cafe-culture", "north-korea"]
    assert (stored.article, stored.implied_probability_table) == (article, TABLE)


@pytest.mark.parametrize(("changes", "field", "message"), CASES, ids=CASE_IDS)
def test_the_same_mistake_reads_the_same_every_way_in(
    staff, staff_client, article, changes, field, message
):
    fields = question_fields(changes, article)
    assert draft_errors(fields, staff) == {field: [message]}
    line = file_line(fields, field, message)
    assert import_problems(fields) == [line]
    response = staff_client.post(IMPORT_URL, {"questions": [as_entry(fields)]}, format="json")
    assert (response.status_code, response.json()) == (400, {"file": [line]})
    assert not Question.objects.exists()
    assert not Tag.objects.exists()


def test_every_problem_is_listed_at_once_every_way_in(staff, staff_client, article):
    problems = {
        "title": "This field is required.",
        "type": "Only binary (yes or no) questions are supported for now.",
        "scheduled_close_time": "The close time must be after the open time.",
        "tags": (
            "“++” cannot be a tag: tags are written with Latin letters (a–z), digits and "
            "hyphens, e.g. north-korea."
        ),
        "source_passage": (
            "This passage does not occur in the text of “The Pillar” "
            "(spacing, line breaks and straight or curly quotes are ignored)."
        ),
    }
    fields = question_fields(
        {
            "title": "",
            "type": "numeric",
            "scheduled_close_time": OPENS,
            "tags": ["++"],
            "article": ARTICLE,
            "source_passage": "Never written.",
        },
        article,
    )
    assert draft_errors(fields, staff) == {field: [text] for field, text in problems.items()}
    # The file lists them in the order its keys are usually written, as `problems` is.
    lines = [file_line(fields, field, text) for field, text in problems.items()]
    assert import_problems(fields) == lines
    response = staff_client.post(IMPORT_URL, {"questions": [as_entry(fields)]}, format="json")
    assert (response.status_code, response.json()) == (400, {"file": lines})


def test_a_slug_in_use_is_refused_to_a_draft_and_rewritten_by_a_file(staff, article):
    """Loading is idempotent by slug: a file that names a question's slug rewrites
    that question, so only a draft can clash with another question's slug."""
    QuestionFactory(slug="q-bad", published_at=None)
    assert draft_errors(question_fields({}, article), staff) == {
        "slug": ["Another question already uses 'q-bad'."]
    }
    report = questions_import(document=[as_entry(question_fields({}, article))], base_dir=Path("."))
    assert report.updated == ["q-bad"]
    assert Question.objects.get().title == GOOD["title"]
