"""A load-relative window's close time of day (`close_at`) and a seed file's
`stale_windows: hold_back`."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from questions.imports import ImportFileError, questions_import
from questions.models import Question

pytestmark = pytest.mark.django_db

LOADED = datetime(2026, 12, 5, 18, 40, tzinfo=UTC)


def question(**changes):
    entry = {
        "slug": "q-one",
        "title": "Will it happen on a KST date from {open_date} through {close_date}?",
        "type": "binary",
        "open_time": "2026-01-01T00:00:00Z",
        "scheduled_close_time": "2026-07-01T00:00:00+00:00",
        "scheduled_resolve_time": "2026-08-01T00:00:00+00:00",
        "resolution_criteria": "Yes if it happens by {close_date}.",
    }
    entry.update(changes)
    return entry


def load(document, now=LOADED):
    return questions_import(document=document, base_dir=Path("."), now=now)


def test_close_at_closes_on_the_close_day_at_that_utc_time():
    window = {"duration": "P6M", "resolve_after": "P1M", "close_at": "15:00"}
    load([question(), {"slug": "q-kst", "successor_of": "q-one", "window": window}])
    stored = Question.objects.get(slug="q-kst")
    assert stored.open_time == datetime(2026, 12, 5, tzinfo=UTC)
    # 15:00 UTC on 2027-06-05 is midnight ending that day in Korea (UTC+9).
    assert stored.scheduled_close_time == datetime(2027, 6, 5, 15, 0, tzinfo=UTC)
    assert stored.scheduled_resolve_time == datetime(2027, 7, 5, 15, 0, tzinfo=UTC)
    assert stored.title == "Will it happen on a KST date from 2026-12-05 through 2027-06-05?"


def test_without_close_at_a_window_still_closes_at_midnight():
    load([question(), {"slug": "q-day", "successor_of": "q-one", "window": {"duration": "P6M"}}])
    stored = Question.objects.get(slug="q-day")
    assert stored.scheduled_close_time == datetime(2027, 6, 5, tzinfo=UTC)
    assert stored.scheduled_resolve_time == datetime(2027, 6, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("close_at", "shown"),
    [
        (900, "900"),  # what YAML makes of an unquoted 15:00
        ("24:00", "'24:00'"),
        ("3pm", "'3pm'"),
        ("15:00:00", "'15:00:00'"),
    ],
)
def test_a_close_at_that_is_not_a_time_of_day_rejects_the_file(close_at, shown):
    window = {"duration": "P6M", "close_at": close_at}
    with pytest.raises(ImportFileError) as raised:
        load([question(), {"slug": "q-kst", "successor_of": "q-one", "window": window}])
    assert raised.value.messages == [
        f"question #2: window.close_at: {shown} is not a UTC time of day like "
        '"15:00" (in quotes, 00:00 to 23:59).'
    ]
    assert not Question.objects.exists()


def test_an_unknown_window_key_rejects_the_file():
    window = {"duration": "P6M", "closes_at": "15:00"}
    with pytest.raises(ImportFileError, match=r"window: unknown keys \['closes_at'\]"):
        load([question(slug="q-kst", window=window)])


# --- stale_windows ---------------------------------------------------------------

# Open on the load day, with 60 % of the window behind it; one 40 % through; one closed.
STALE = question(
    slug="q-stale", open_time="2026-01-01T00:00:00Z", scheduled_close_time="2027-01-01T00:00:00Z"
)
STALE["scheduled_resolve_time"] = "2027-02-01T00:00:00Z"
FRESH = question(
    slug="q-fresh", open_time="2026-06-01T00:00:00Z", scheduled_close_time="2027-12-01T00:00:00Z"
)
FRESH["scheduled_resolve_time"] = "2028-01-01T00:00:00Z"
CLOSED = question(slug="q-closed")
ROLLING = {"slug": "q-stale-rolling", "successor_of": "q-stale", "window": {"duration": "P1Y"}}


def seeds():
    return {"stale_windows": "hold_back", "questions": [STALE, FRESH, CLOSED, ROLLING]}


def test_a_question_more_than_half_over_at_load_is_held_back_and_its_successor_opens():
    report = load(seeds())
    assert report.held_back == ["q-stale"]
    assert report.created == ["q-fresh", "q-closed", "q-stale-rolling"]
    assert report.summary().endswith("; 1 held back (window more than half over)")
    assert not Question.objects.filter(slug="q-stale").exists()
    assert Question.objects.get(slug="q-stale-rolling").successor_of is None


def test_a_held_back_question_is_created_once_closed_and_its_successor_linked():
    load(seeds())
    later = load(seeds(), now=datetime(2027, 1, 2, tzinfo=UTC))
    assert later.created == ["q-stale"]
    assert later.held_back == []
    assert Question.objects.get(slug="q-stale-rolling").successor_of.slug == "q-stale"
    # The successor's window stays where the first load put it.
    rolling = Question.objects.get(slug="q-stale-rolling")
    assert rolling.open_time == datetime(2026, 12, 5, tzinfo=UTC)


def test_a_stored_question_is_never_held_back():
    load({"questions": [STALE]}, now=datetime(2026, 3, 1, tzinfo=UTC))
    report = load(seeds())
    assert "q-stale" in report.unchanged
    assert report.held_back == []


def test_half_over_exactly_is_still_created():
    half = datetime(2026, 7, 2, 12, tzinfo=UTC)  # 2026 has 365 days: 182.5 behind
    assert load(seeds(), now=half).held_back == []


def test_without_stale_windows_every_question_is_created_as_before():
    document = seeds()
    del document["stale_windows"]
    report = load(document)
    assert report.held_back == []
    assert "q-stale" in report.created
    assert "held back" not in report.summary()


def test_an_unknown_stale_windows_value_rejects_the_file():
    with pytest.raises(ImportFileError, match="stale_windows: 'skip' is not one of"):
        load({"stale_windows": "skip", "questions": [FRESH]})
    assert not Question.objects.exists()


# --- retired ---------------------------------------------------------------------


def test_a_retired_question_is_refreshed_where_stored_and_never_created():
    load([FRESH])
    retired_fresh = {**FRESH, "retired": True, "background": "Kept for forecasts made."}
    report = load([retired_fresh, {**CLOSED, "retired": True}])
    assert report.updated == ["q-fresh"]
    assert report.retired == ["q-closed"]
    assert report.summary().endswith("; 1 retired (not created)")
    assert Question.objects.get(slug="q-fresh").background == "Kept for forecasts made."
    assert not Question.objects.filter(slug="q-closed").exists()


def test_a_successor_of_a_retired_question_is_not_retired():
    rolling = {"slug": "q-rolling", "successor_of": "q-closed", "window": {"duration": "P6M"}}
    report = load([{**CLOSED, "retired": True}, rolling])
    assert (report.retired, report.created) == (["q-closed"], ["q-rolling"])


def test_retired_must_be_true_or_false():
    with pytest.raises(ImportFileError) as raised:
        load([{**FRESH, "retired": "yes"}])
    assert raised.value.messages == ["question 'q-fresh': retired: must be true or false."]


# --- provenance direction ----------------------------------------------------------


@pytest.mark.parametrize(("written", "stored"), [("no", "no"), ("yes", "yes"), ('"no"', "no")])
def test_an_unquoted_yaml_direction_means_the_word(written, stored):
    from questions.imports import load_document
    from questions.models import Article

    text = (
        "articles:\n"
        "  - {slug: pillar, title: The Pillar, publication_date: 2025-12-07,"
        " text: It will more likely stay calm.}\n"
        "questions:\n"
        "  - slug: q-one\n"
        "    title: Will it happen?\n"
        "    type: binary\n"
        "    open_time: 2026-01-01T00:00:00Z\n"
        "    scheduled_close_time: 2026-07-01T00:00:00Z\n"
        "    scheduled_resolve_time: 2026-08-01T00:00:00Z\n"
        "    resolution_criteria: Yes if it happens.\n"
        "    provenance:\n"
        "      article: pillar\n"
        "      passage: It will more likely stay calm.\n"
        f"      direction: {written}\n"
    )
    load(load_document(text, name="q.yaml"))
    assert Article.objects.count() == 1
    assert Question.objects.get().provenance_direction == stored
