"""`manage.py import_questions FILE`: YAML and JSON, idempotent by slug, all or nothing."""

import json
import re
import unicodedata
from datetime import UTC, datetime, time

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.management import CommandError
from django.utils import timezone

from questions.models import Article, Question

pytestmark = pytest.mark.django_db

QUESTIONS_YAML = """\
articles:
  - slug: sample-article
    title: Sample article
    outlet: Example Outlet
    publication_date: 2024-05-01
    text_file: texts/sample.txt
questions:
  - slug: rain-in-may
    title: Will it rain between {open_date} and {close_date}?
    type: binary
    open_time: 2024-05-01T00:00:00Z
    scheduled_close_time: 2024-06-01T00:00:00Z
    scheduled_resolve_time: 2024-06-02T00:00:00Z
    resolution_criteria: Resolves yes if the weather service reports rain.
    tags: [Weather, europe]
    provenance:
      article: sample-article
      passage: It will very likely rain in May.
  - slug: rain-from-load
    successor_of: rain-in-may
    window: {duration: P6M, resolve_after: P1M}
"""


@pytest.fixture
def questions_yaml(tmp_path):
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "sample.txt").write_text(
        "Intro.\n\nIt will very likely rain in May.\n", encoding="utf-8"
    )
    path = tmp_path / "questions.yaml"
    path.write_text(QUESTIONS_YAML, encoding="utf-8")
    return path


def test_yaml_file_creates_questions_articles_and_tags(run, questions_yaml, monkeypatch, tmp_path):
    # text_file is read relative to the questions file, not the working folder.
    monkeypatch.chdir(tmp_path.parent)
    out, _ = run("import_questions", questions_yaml)
    assert "2 created, 0 updated, 0 unchanged; 1 new articles" in out
    assert "created: rain-in-may" in out
    question = Question.objects.get(slug="rain-in-may")
    assert question.title == "Will it rain between 2024-05-01 and 2024-06-01?"
    assert sorted(question.tags.values_list("slug", flat=True)) == ["europe", "weather"]
    assert question.article == Article.objects.get(slug="sample-article")
    assert question.source_passage == "It will very likely rain in May."
    assert question.source_passage in question.article.text


def test_successor_with_a_window_opens_at_the_start_of_todays_utc_day(run, questions_yaml):
    before = timezone.now()
    run("import_questions", questions_yaml)
    after = timezone.now()
    successor = Question.objects.get(slug="rain-from-load")
    midnights = {
        datetime.combine(moment.astimezone(UTC).date(), time.min, tzinfo=UTC)
        for moment in (before, after)
    }
    assert successor.open_time in midnights
    assert successor.open_time.time() == time(0, 0)
    start = successor.open_time
    assert successor.scheduled_close_time == start + relativedelta(months=6)
    assert successor.scheduled_resolve_time == start + relativedelta(months=7)
    assert successor.successor_of == Question.objects.get(slug="rain-in-may")
    # Inherited from its predecessor, with the placeholders filled from its own window.
    assert successor.resolution_criteria == "Resolves yes if the weather service reports rain."
    assert successor.title == (
        f"Will it rain between {start.date().isoformat()} and "
        f"{successor.scheduled_close_time.date().isoformat()}?"
    )


def test_loading_twice_is_idempotent(run, questions_yaml):
    run("import_questions", questions_yaml)
    snapshot = list(Question.objects.order_by("slug").values())
    out, _ = run("import_questions", questions_yaml)
    assert "0 created, 0 updated, 2 unchanged; 0 new articles" in out
    assert list(Question.objects.order_by("slug").values()) == snapshot
    assert Article.objects.count() == 1


def test_a_changed_description_is_an_update_and_the_window_stays(run, questions_yaml):
    run("import_questions", questions_yaml)
    questions_yaml.write_text(
        QUESTIONS_YAML.replace("reports rain.", "reports rain in the capital.").replace(
            "open_time: 2024-05-01", "open_time: 2024-05-03"
        ),
        encoding="utf-8",
    )
    out, _ = run("import_questions", questions_yaml)
    assert "0 created, 2 updated, 0 unchanged" in out
    question = Question.objects.get(slug="rain-in-may")
    assert question.resolution_criteria.endswith("in the capital.")
    assert question.open_time == datetime(2024, 5, 1, tzinfo=UTC)


def test_json_file(run, tmp_path):
    path = tmp_path / "questions.json"
    path.write_text(
        json.dumps(
            [
                {
                    "slug": "json-question",
                    "title": "Will the JSON load?",
                    "type": "binary",
                    "open_time": "2024-01-01T00:00:00+00:00",
                    "scheduled_close_time": "2024-02-01T00:00:00+00:00",
                    "scheduled_resolve_time": "2024-02-01T00:00:00+00:00",
                    "resolution_criteria": "Yes if it loads.",
                }
            ]
        ),
        encoding="utf-8",
    )
    out, _ = run("import_questions", path)
    assert "1 created, 0 updated, 0 unchanged" in out
    question = Question.objects.get(slug="json-question")
    assert question.scheduled_close_time == datetime(2024, 2, 1, tzinfo=UTC)


def test_one_bad_entry_rejects_the_whole_file(run, questions_yaml):
    questions_yaml.write_text(
        QUESTIONS_YAML
        + """\
  - slug: no-close
    title: Missing its close
    type: binary
    open_time: 2024-05-01T00:00:00Z
    scheduled_resolve_time: 2024-06-02T00:00:00Z
    resolution_criteria: Whatever.
""",
        encoding="utf-8",
    )
    with pytest.raises(
        CommandError,
        match=r"question 'no-close': scheduled_close_time: This field is required\.",
    ):
        run("import_questions", questions_yaml)
    assert Question.objects.count() == 0
    assert Article.objects.count() == 0


def test_a_time_without_offset_is_refused_by_name(run, questions_yaml):
    questions_yaml.write_text(
        QUESTIONS_YAML.replace("open_time: 2024-05-01T00:00:00Z", "open_time: '2024-05-01T00:00'"),
        encoding="utf-8",
    )
    with pytest.raises(
        CommandError,
        match=r"question 'rain-in-may': open_time: Give a time zone offset \(times are UTC\)\.",
    ):
        run("import_questions", questions_yaml)
    assert Question.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("questions: [unclosed", "Cannot parse the file"),
        ('{"questions": ', "Cannot parse the file"),
        ("just a sentence", "must hold a list of questions or a mapping"),
    ],
)
def test_unreadable_documents(run, tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("import_questions", path)
    assert Question.objects.count() == 0


def test_a_missing_file(run, tmp_path):
    with pytest.raises(CommandError, match=r"missing\.yaml: cannot read the file"):
        run("import_questions", tmp_path / "missing.yaml")


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


ARTICLE_QUESTIONS = settings.BASE_DIR / "questions" / "data" / "article_questions.yaml"


@pytest.mark.skipif(not ARTICLE_QUESTIONS.exists(), reason="no article questions file yet")
def test_the_article_questions_file_loads_with_passages_from_its_articles(run):
    out, _ = run("import_questions", ARTICLE_QUESTIONS)
    assert Question.objects.count() >= 10
    assert re.search(rf"{Question.objects.count()} created, 0 updated, 0 unchanged", out)
    quoted = Question.objects.exclude(source_passage="").select_related("article")
    assert quoted.count() >= 10
    for question in quoted:
        assert question.article is not None, question.slug
        assert _normalized(question.source_passage) in _normalized(question.article.text), (
            question.slug
        )
    again, _ = run("import_questions", ARTICLE_QUESTIONS)
    assert f"0 created, 0 updated, {Question.objects.count()} unchanged" in again
