"""The seeded article questions (questions/data/article_questions.yaml): their passages
are the articles' own words, no question they open is mostly over when it opens, and
loading them again, or over the questions an earlier version of the file seeded, moves
no window, type, forecast or score."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from common.markdown import markdown_to_html
from forecasts.models import Forecast
from questions.imports import load_document, questions_import
from questions.models import Article, Question
from questions.services import question_resolve
from scoring.models import Score
from scoring.services import question_score
from tests.factories import ForecastFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "questions" / "data" / "article_questions.yaml"
# The file as it was before the December 2026 revision, as deployments loaded it.
BEFORE = ROOT / "tests" / "data" / "article_questions_before_revision.yaml"
REVISED = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)
WINDOW = ("open_time", "scheduled_close_time", "scheduled_resolve_time")


def document(path: Path = DATA) -> Any:
    return load_document(path.read_text(encoding="utf-8"), name=path.name)


def load(path: Path = DATA, *, now: datetime):
    # The old file's articles are the same files: it is read against the data folder.
    return questions_import(document=document(path), base_dir=DATA.parent, now=now)


def entries() -> list[dict[str, Any]]:
    return document()["questions"]


# The texts written in Markdown (common/markdown.py), and their words as the file had them
# before they were reflowed into paragraphs, whitespace collapsed.
REFLOWED = ("background", "resolution_criteria", "fine_print")
BEFORE_REFLOW = ROOT / "tests" / "data" / "article_question_texts_collapsed.json"


def collapsed(text: str) -> str:
    return " ".join(text.split())


# --- Texts ---------------------------------------------------------------------------


def test_reflowing_the_texts_into_paragraphs_changed_no_word():
    """Each seeded text has the words, in order, that it had before its hard line breaks
    were removed. A deliberate change of wording updates the JSON file with it."""
    before = json.loads(BEFORE_REFLOW.read_text(encoding="utf-8"))
    now = {
        entry["slug"]: {key: collapsed(entry[key]) for key in REFLOWED if entry.get(key)}
        for entry in entries()
    }
    assert now.keys() == before.keys()
    for slug, texts in now.items():
        assert texts == before[slug], slug


def test_the_texts_are_paragraphs_without_hard_line_breaks():
    # A line break inside a paragraph is where the data file wrapped, not where a
    # reader's screen does ("the ROK Joint / Chiefs of Staff" on a phone).
    texts = [entry[key] for entry in entries() for key in REFLOWED if entry.get(key)]
    assert len(texts) > 80
    for text in texts:
        for paragraph in text.strip().split("\n\n"):
            assert paragraph and "\n" not in paragraph, paragraph[:80]
            assert paragraph == paragraph.strip(), paragraph[:80]
    criteria = next(e for e in entries() if e["slug"] == "nk-significant-escalation-2025-12-07-6m")
    lettered = criteria["resolution_criteria"].split("\n\n")
    # The lettered conditions are paragraphs of their own, each starting with its letter.
    assert [p[:3] for p in lettered[1:]] == ["(a)", "(b)", "(c)", "(d)"]
    assert "the ROK Joint Chiefs of Staff (JCS)" in lettered[1]


def test_the_texts_render_as_paragraphs():
    for entry in entries():
        for key in REFLOWED:
            if entry.get(key):
                html = markdown_to_html(entry[key])
                paragraphs = entry[key].strip().split("\n\n")
                # Written before Markdown, none of them asks for a list, emphasis or
                # a heading: each renders as exactly its paragraphs.
                assert html.count("<p>") == len(paragraphs), (entry["slug"], key)
                assert "<" not in html.replace("<p>", "").replace("</p>", ""), (entry["slug"], key)


# --- Passages ------------------------------------------------------------------------


def test_every_passage_is_verbatim_in_its_articles_text():
    texts = {
        article["slug"]: (DATA.parent / article["text_file"]).read_text(encoding="utf-8")
        for article in document()["articles"]
    }
    passages = [e["provenance"] for e in entries() if "provenance" in e]
    assert len(passages) >= 20
    for provenance in passages:
        # Exactly as written (curly quotes and dashes too), not merely after the
        # importer's normalizing: a claim's offsets are taken from the stored text.
        assert provenance["passage"] in texts[provenance["article"]], provenance["passage"]


def test_every_stored_passage_is_found_at_a_place_in_the_stored_text():
    load(now=REVISED)
    for question in Question.objects.exclude(source_passage="").select_related("article"):
        start = question.article.text.find(question.source_passage)
        assert start >= 0, question.slug
        end = start + len(question.source_passage)
        assert question.article.text[start:end] == question.source_passage


# --- Windows at load ---------------------------------------------------------------


def open_at(now: datetime) -> list[Question]:
    return list(Question.objects.published().open(now))


@pytest.mark.parametrize(
    "now",
    [
        REVISED,
        timezone.now(),
        datetime(2026, 12, 8, tzinfo=UTC),  # the SMA question's midpoint has passed
        datetime(2027, 9, 1, tzinfo=UTC),
        datetime(2031, 6, 1, tzinfo=UTC),
    ],
    ids=["revision-day", "today", "after-sma-midpoint", "2027-09", "2031-06"],
)
def test_no_question_open_at_load_has_more_than_half_its_window_behind_it(now):
    load(now=now)
    opened = open_at(now)
    assert opened, "the file offers nothing to forecast"
    for question in opened:
        behind = now - question.open_time
        assert behind <= (question.scheduled_close_time - question.open_time) / 2, question.slug


def test_on_the_revision_day_the_nearly_closed_questions_give_way_to_successors():
    report = load(now=REVISED)
    assert set(report.held_back) >= {
        "nk-high-level-talks-2025-12-07-12m",
        "us-japan-rok-leaders-meeting-2025-12-07-12m",
        "freedom-edge-exercise-2025-12-07-12m",
        "rok-arms-industry-revenue-growth-2026",
        "us-goods-deficit-with-rok-narrows-2026",
    }
    opened = {question.slug for question in open_at(REVISED)}
    assert {
        "nk-high-level-talks-12m-from-load",
        "us-japan-rok-leaders-meeting-12m-from-load",
        "freedom-edge-exercise-12m-from-load",
        "rok-us-mutual-defense-treaty-in-force-10y-from-load",
        "wartime-opcon-transfer-4y-from-load",
        "rok-military-expenditure-real-growth-2027-2028",
        "rok-arms-industry-revenue-growth-2027",
        "us-goods-deficit-with-rok-narrows-2027",
    } <= opened
    # Dropped from the file: never created where they were not loaded before.
    assert set(report.retired) == {
        "nk-significant-escalation-6m-from-load",
        "usfk-strength-near-28500-2023-5y",
        "world-real-gdp-contraction-15pct-2025-12-07-3y",
        "ulchi-freedom-shield-held-10m-from-load",
    }
    assert not Question.objects.filter(slug__in=report.retired).exists()


def test_every_window_that_is_open_on_the_revision_day_opens_that_day_or_is_mostly_ahead():
    """Questions whose window began in 2023 are open to forecasts through successors
    that open at load; the 2023 framing is kept in their background."""
    load(now=REVISED)
    for slug in ("rok-us-mutual-defense-treaty-in-force", "wartime-opcon-transfer"):
        successor = Question.objects.get(
            slug__startswith=slug, open_time=datetime(2026, 12, 5, tzinfo=UTC)
        )
        assert successor.successor_of.open_time == datetime(2023, 1, 1, tzinfo=UTC)
        assert "1 January 2023" in successor.background


def test_the_revised_escalation_question_closes_when_its_last_korean_day_ends():
    load(now=REVISED)
    question = Question.objects.get(slug="nk-significant-escalation-kst-6m-from-load")
    assert question.scheduled_close_time == datetime(2027, 6, 5, 15, tzinfo=UTC)
    assert "from 2026-12-05 through 2027-06-05" in question.title
    criteria = question.resolution_criteria
    assert "16 critical" in criteria and "killed or" in criteria and "warning shots" in criteria
    assert "taken as the number given" in question.fine_print


# --- Provenance ----------------------------------------------------------------------


def test_only_questions_that_measure_a_claim_over_its_own_horizon_link_directly():
    load(now=REVISED)
    scored = Question.objects.filter(
        provenance_link=Question.ProvenanceLink.DIRECT, implied_probability_low__isnull=False
    )
    assert {q.slug: q.provenance_direction for q in scored} == {
        "nk-significant-escalation-2025-12-07-6m": "no",
        "alliance-strategic-partnership-two-of-four-2035": "yes",
    }
    # The stored range is always the probability of Yes: "more likely ... stable" reads
    # as an unlikely escalation.
    escalation = scored.get(slug="nk-significant-escalation-2025-12-07-6m")
    assert (escalation.implied_probability_low, escalation.implied_probability_high) == (0.2, 0.45)
    proxies = Question.objects.filter(provenance_link=Question.ProvenanceLink.PROXY)
    assert {"usfk-below-25000-2025-12-07-10y", "nk-ballistic-launches-2025-12-07-6m"} <= set(
        proxies.values_list("slug", flat=True)
    )
    for question in Question.objects.exclude(successor_of=None):
        assert question.provenance_link != Question.ProvenanceLink.DIRECT, question.slug


def test_the_articles_name_their_outlet_and_authors_or_leave_them_unknown():
    load(now=REVISED)
    pillar = Article.objects.get(slug="fractured-pillar")
    assert pillar.outlet is None
    assert not pillar.authors.exists()
    seventy = Article.objects.get(slug="rok-us-alliance-at-70")
    assert seventy.outlet.name == "IIPA"
    (author,) = seventy.authors.all()
    assert (author.name, author.affiliation.endswith("(KNDA-IFANS)")) == ("Seonjou Kang", True)


# --- Loading again -------------------------------------------------------------------


def snapshot() -> dict[str, Any]:
    return {
        "questions": {
            q.slug: {
                **model_to_dict(q, exclude=["tags", "projects"]),
                "tags": sorted(q.tags.values_list("slug", flat=True)),
            }
            for q in Question.objects.all()
        },
        "articles": {a.slug: model_to_dict(a) for a in Article.objects.all()},
        "forecasts": sorted(Forecast.objects.values_list("id", "question_id", "probability")),
        "scores": sorted(Score.objects.values_list("question_id", "user_id", "coverage")),
    }


@pytest.mark.parametrize("later", [timedelta(0), timedelta(days=3), timedelta(days=400)])
def test_loading_twice_changes_nothing(later):
    held_back = load(now=REVISED).held_back
    before = snapshot()
    report = load(now=REVISED + later)
    after = snapshot()
    assert report.updated == []
    assert after["articles"] == before["articles"]
    for slug, stored in before["questions"].items():
        # A successor whose predecessor was held back gets the link once it is stored.
        unlinked = stored["successor_of"] is None and after["questions"][slug]["successor_of"]
        expected = {**stored, "successor_of": after["questions"][slug]["successor_of"]}
        assert after["questions"][slug] == (expected if unlinked else stored), slug
    # Only a question held back on the first load may be created on a later one, and
    # only once it is no longer mostly over and open.
    assert set(report.created) <= set(held_back)
    for slug in report.created:
        assert not Question.objects.get(slug=slug).is_open_at(REVISED + later), slug


def test_loading_twice_on_the_same_day_reports_everything_unchanged():
    first = load(now=REVISED)
    again = load(now=REVISED)
    assert (again.created, again.updated) == ([], [])
    assert again.unchanged == first.created
    assert again.held_back == first.held_back


# --- Over the questions the earlier file seeded -----------------------------------


def forecast_on_everything_open(now: datetime) -> None:
    for index, question in enumerate(Question.objects.open(now)):
        for probability in (0.2, 0.7):
            ForecastFactory(
                question=question,
                user=UserFactory(),
                probability=probability,
                created_at=max(question.open_time, now - timedelta(days=index + 1)),
            )


def test_loading_the_revision_over_the_earlier_seeds_moves_no_window_type_forecast_or_score():
    first_load = datetime(2026, 11, 22, 9, tzinfo=UTC)
    load(BEFORE, now=first_load)
    forecast_on_everything_open(first_load)
    # One question resolved and scored, as a deployment would have it.
    ulchi = Question.objects.get(slug="ulchi-freedom-shield-held-2025-12-07-10m")
    ForecastFactory(question=ulchi, probability=0.9, created_at=ulchi.open_time + timedelta(days=2))
    question_resolve(
        question=ulchi,
        outcome="yes",
        known_at=datetime(2026, 8, 18, tzinfo=UTC),
        resolved_by=StaffFactory(),
        now=first_load,
    )
    question_score(question_id=ulchi.id)
    before = snapshot()
    assert before["forecasts"] and before["scores"]

    report = load(now=REVISED)

    after = snapshot()
    assert after["forecasts"] == before["forecasts"]
    assert after["scores"] == before["scores"]
    assert report.retired == [] and report.held_back == []  # all of them were stored
    # How a question links to its article's claim, and the claim's wording as its
    # likelihood expression (term calibration groups claims by it).
    provenance = {"provenance_link", "provenance_direction", "implied_probability_term"}
    for slug, old in before["questions"].items():
        new = after["questions"][slug]
        assert {key: new[key] for key in (*WINDOW, "type")} == {
            key: old[key] for key in (*WINDOW, "type")
        }, slug
        # What people forecast stays as they read it: only how the question links to
        # its article's claim may be refreshed, and the descriptive texts may be
        # reflowed (the file's hard line breaks became paragraphs for the Markdown
        # rendering), which changes their whitespace and not one word.
        reflowed = {key for key in REFLOWED if old[key] != new[key]}
        assert all(collapsed(old[key]) == collapsed(new[key]) for key in reflowed), slug
        changed = {key for key in old if old[key] != new[key]} - reflowed
        assert changed <= provenance, (slug, changed)
    assert (
        before["questions"]["nk-significant-escalation-6m-from-load"]["provenance_direction"]
        == "yes"
    )
    assert (
        after["questions"]["nk-significant-escalation-6m-from-load"]["provenance_direction"] == "no"
    )
    assert after["questions"]["usfk-below-25000-2025-12-07-10y"]["provenance_link"] == "proxy"
    # The revision's own questions were added beside them.
    assert "nk-significant-escalation-kst-6m-from-load" in report.created
    assert Article.objects.get(slug="fractured-pillar").outlet is None


def test_the_earlier_file_is_the_one_deployments_loaded():
    """The fixture is a copy of the file before the revision; if it drifts, the test
    above no longer proves anything about real deployments."""
    slugs = [entry["slug"] for entry in document(BEFORE)["questions"]]
    assert len(slugs) == 20
    assert "usfk-strength-near-28500-2023-5y" in slugs
    assert "stale_windows" not in document(BEFORE)
