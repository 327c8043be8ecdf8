from datetime import UTC, datetime
from pathlib import Path

import pytest

from questions.imports import ImportFileError, load_document, questions_import
from questions.models import Article, Question

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "questions" / "data" / "article_questions.yaml"


def question(**changes):
    entry = {
        "slug": "q-one",
        "title": "Will it happen between {open_date} and {close_date}?",
        "type": "binary",
        "open_time": "2026-01-01T00:00:00Z",
        "scheduled_close_time": "2026-07-01T00:00:00+00:00",
        "scheduled_resolve_time": "2026-08-01T00:00:00+00:00",
        "resolution_criteria": "Yes if it happens by {close_date} ({close_year}).",
    }
    entry.update(changes)
    return entry


def test_placeholders_are_filled_from_the_window():
    questions_import(document=[question()], base_dir=Path("."))
    stored = Question.objects.get(slug="q-one")
    assert stored.title == "Will it happen between 2026-01-01 and 2026-07-01?"
    assert stored.resolution_criteria == "Yes if it happens by 2026-07-01 (2026)."


def test_a_successor_opens_on_the_load_day_and_reloading_changes_nothing():
    document = [
        question(),
        {"slug": "q-one-rolling", "successor_of": "q-one", "window": {"duration": "P6M"}},
    ]
    now = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
    report = questions_import(document=document, base_dir=Path("."), now=now)
    assert report.created == ["q-one", "q-one-rolling"]
    successor = Question.objects.get(slug="q-one-rolling")
    assert successor.open_time == datetime(2026, 11, 22, tzinfo=UTC)
    assert successor.scheduled_close_time == datetime(2027, 5, 22, tzinfo=UTC)
    assert successor.successor_of.slug == "q-one"
    assert successor.title == "Will it happen between 2026-11-22 and 2027-05-22?"
    later = questions_import(
        document=document, base_dir=Path("."), now=datetime(2027, 1, 5, tzinfo=UTC)
    )
    assert later.unchanged == ["q-one", "q-one-rolling"]
    successor.refresh_from_db()
    assert successor.open_time == datetime(2026, 11, 22, tzinfo=UTC)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            question(open_time="2026-01-01T00:00:00"),
            "question 'q-one': open_time: Give a time zone offset (times are UTC).",
        ),
        (question(open_time="soon"), "not an ISO 8601"),
        (
            question(scheduled_close_time="2025-01-01T00:00:00Z"),
            "question 'q-one': scheduled_close_time: The close time must be after the open time.",
        ),
        (
            question(type="poll"),
            "question 'q-one': type: Only binary (yes or no) questions are supported for now.",
        ),
        (
            question(slug="Not A Slug"),
            "question 'Not A Slug': slug: Use lowercase letters, digits and hyphens only.",
        ),
        (question(slug="x" * 121), "slug: At most 120 characters."),
        (question(title="{when}"), "only {open_date}"),
        (question(tags=["a" * 61]), "longer than 60"),
        (question(provenance={"article": "nowhere"}), "provenance.article"),
        ({"slug": "q-two", "title": "T"}, "question 'q-two': type: This field is required."),
    ],
)
def test_a_bad_entry_rejects_the_whole_file(entry, message):
    good = question(slug="q-good")
    with pytest.raises(ImportFileError) as raised:
        questions_import(document=[good, entry], base_dir=Path("."))
    assert message in raised.value.messages[0]
    assert Question.objects.count() == 0


def test_every_missing_field_is_named():
    with pytest.raises(ImportFileError) as raised:
        questions_import(document=[{"slug": "q-two", "title": "T"}], base_dir=Path("."))
    assert raised.value.messages == [
        f"question 'q-two': {key}: This field is required."
        for key in (
            "type",
            "open_time",
            "scheduled_close_time",
            "scheduled_resolve_time",
            "resolution_criteria",
        )
    ]


def test_every_bad_entry_is_reported_with_its_place():
    document = [
        question(slug="q-good"),
        "not a mapping",
        question(slug="q-late", open_time="2026-13-01T00:00:00Z"),
        question(slug="q-good"),
        {"title": "No slug", **{k: v for k, v in question().items() if k != "slug"}},
    ]
    with pytest.raises(ImportFileError) as raised:
        questions_import(document=document, base_dir=Path("."))
    assert raised.value.messages == [
        "question #2: must be a mapping.",
        "question 'q-late': open_time: '2026-13-01T00:00:00Z' is not an ISO 8601 date-time.",
        "question 'q-good': slug appears twice.",
        "question #5: slug: This field is required.",
    ]
    assert Question.objects.count() == 0


def test_so_many_problems_are_cut_short():
    document = [question(slug=f"q-{number}", type="poll") for number in range(60)]
    with pytest.raises(ImportFileError) as raised:
        questions_import(document=document, base_dir=Path("."))
    assert len(raised.value.messages) == 51
    assert raised.value.messages[-1] == "... and 10 more problems"


def with_article(passage: str) -> dict:
    return {
        "articles": [
            {
                "slug": "pillar",
                "title": "The Pillar",
                "publication_date": "2025-12-07",
                "text": "Intro. It is likely that the alliance endures.",
            }
        ],
        "questions": [question(provenance={"article": "pillar", "passage": passage})],
    }


def test_a_passage_is_found_in_an_article_of_the_same_file_whatever_the_spacing():
    questions_import(
        document=with_article("It is likely  that the\nalliance endures."), base_dir=Path(".")
    )
    assert Question.objects.get().article.slug == "pillar"


def test_a_passage_not_in_its_article_rejects_the_file():
    with pytest.raises(ImportFileError) as raised:
        questions_import(document=with_article("It never said this."), base_dir=Path("."))
    assert raised.value.messages == [
        "question 'q-one': provenance.passage: This passage does not occur in the text of "
        "“The Pillar” (spacing, line breaks and straight or curly quotes are ignored)."
    ]
    assert not Article.objects.exists()


def test_the_article_questions_load_with_their_passages():
    document = load_document(DATA.read_text(encoding="utf-8"), name=DATA.name)
    report = questions_import(document=document, base_dir=DATA.parent)
    assert len(report.created) >= 10
    from_articles = Question.objects.exclude(article=None).select_related("article")
    assert from_articles.count() >= 10
    for stored in from_articles:
        assert stored.source_passage, stored.slug
        assert stored.source_passage in stored.article.text, stored.slug
        assert "{" not in stored.title + stored.resolution_criteria + stored.fine_print
    escalation = Question.objects.get(slug="nk-significant-escalation-2025-12-07-6m")
    assert escalation.open_time == datetime(2025, 12, 7, tzinfo=UTC)
    assert escalation.successors.count() == 1
