"""SCORING.md §3 worked examples A and B, reproduced through the management
commands only: files in, resolution, scoring, export; the exported numbers are
the ones SCORING.md states."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

pytestmark = pytest.mark.django_db

DATA = Path(settings.BASE_DIR) / "tests" / "data"
# Every rule the export writes, in the order it writes them.
RULES = ("accuracy", "baseline", "daily_brier", "log", "peer")


def keys(*users: str) -> list[tuple[str, str]]:
    """(user, rule) for every rule of each user: the community forecast is scored too."""
    return [(user, rule) for user in users for rule in RULES]


def run(name: str, *args: object) -> str:
    out = io.StringIO()
    call_command(name, *[str(arg) for arg in args], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def load_and_resolve(example: str, slug: str, tmp_path: Path, *, score_now: bool) -> None:
    assert "1 created" in run("import_questions", DATA / f"example_{example}_questions.yaml")
    imported = run("import_forecasts", DATA / f"example_{example}_forecasts.csv")
    forecasts, users = {"a": (2, 1), "b": (5, 2)}[example]
    assert (
        f"{forecasts} forecasts imported, 0 already present; {users} new unclaimed accounts"
        in imported
    )
    run("ensure_admin", "--password-file", tmp_path / "admin-password")
    resolve = [slug, "yes", "--known-at", known_after_close(slug)]
    if score_now:
        resolve.append("--score-now")
    run("resolve_question", *resolve)


def known_after_close(slug: str) -> str:
    return {
        "worked-example-a": "2021-03-08T09:30:00Z",
        "worked-example-b": "2016-11-09T12:00:00Z",
    }[slug]


def export(tmp_path: Path, slug: str) -> tuple[dict, dict, str]:
    """Export CSV to a file and JSON to stdout; return both parsed, keyed by
    (user, rule), and the CSV text."""
    target = tmp_path / f"{slug}.csv"
    run("export_scores", "--question", slug, "--format", "csv", "--output", target)
    text = target.read_text(encoding="utf-8")
    from_csv = {
        (row["user"], row["rule"]): (float(row["value"]), float(row["coverage"]))
        for row in csv.DictReader(io.StringIO(text))
    }
    from_json = {
        (row["user"], row["rule"]): (row["value"], row["coverage"])
        for row in json.loads(run("export_scores", "--question", slug, "--format", "json"))
    }
    return from_csv, from_json, text


def test_worked_example_a(tmp_path):
    load_and_resolve("a", "worked-example-a", tmp_path, score_now=False)
    assert "Rescored 1 questions: 2 forecasts" in run("rescore", "--question", "worked-example-a")
    from_csv, from_json, text = export(tmp_path, "worked-example-a")
    assert from_csv == from_json
    # Daily Brier values 0.02 x3 and 0.005 x4: 0.08 / 7 = 0.0114286.
    value, coverage = from_csv[("elaine", "daily_brier")]
    assert value == pytest.approx(0.0114286, abs=5e-7)
    assert coverage == 1.0
    # Alone on the question, the user is the crowd: Accuracy 0.
    assert from_csv[("elaine", "accuracy")][0] == pytest.approx(0.0, abs=1e-12)
    assert sorted(from_csv) == keys("community", "elaine")
    # The median of one forecaster is that forecaster: the community scores the same
    # (its peer score is 0 up to rounding: nobody else to beat).
    for rule in RULES:
        assert from_csv[("community", rule)] == pytest.approx(
            from_csv[("elaine", rule)], abs=1e-9
        ), rule

    run("rescore")
    assert export(tmp_path, "worked-example-a")[2] == text


def test_worked_example_b(tmp_path):
    load_and_resolve("b", "worked-example-b", tmp_path, score_now=True)
    from_csv, from_json, text = export(tmp_path, "worked-example-b")
    assert from_csv == from_json
    expected = {
        ("george", "daily_brier"): (0.794286, 1.0),
        ("george", "accuracy"): (0.22, 1.0),
        ("kramer", "daily_brier"): (0.25, 6 / 7),
        ("kramer", "accuracy"): (-0.277959, 6 / 7),
    }
    assert sorted(from_csv) == keys("community", "george", "kramer")
    for key, (value, coverage) in expected.items():
        assert from_csv[key][0] == pytest.approx(value, abs=5e-7), key
        assert from_csv[key][1] == pytest.approx(coverage, abs=1e-12), key
    assert round(from_csv[("kramer", "daily_brier")][1], 6) == 0.857143
    # Not the -0.378 of the PyPI package that divides by participation.
    assert from_csv[("kramer", "accuracy")][0] != pytest.approx(-0.378, abs=1e-3)
    # SCORING.md §4: peer scores on each piece sum to 0 over the forecasters.
    peers = from_csv[("george", "peer")][0] + from_csv[("kramer", "peer")][0]
    assert peers == pytest.approx(0.0, abs=1e-9)

    # Rescoring rebuilds the rows from the forecasts: the export is unchanged.
    run("rescore")
    run("rescore", "--question", "worked-example-b")
    assert export(tmp_path, "worked-example-b")[2] == text


def test_both_examples_in_one_export(tmp_path):
    load_and_resolve("a", "worked-example-a", tmp_path, score_now=True)
    load_and_resolve("b", "worked-example-b", tmp_path, score_now=True)
    rows = list(csv.DictReader(io.StringIO(run("export_scores"))))
    assert [(row["question"], row["user"], row["rule"]) for row in rows] == [
        *(("worked-example-a", *key) for key in keys("community", "elaine")),
        *(("worked-example-b", *key) for key in keys("community", "george", "kramer")),
    ]
    first = run("export_scores", "--format", "json")
    run("rescore")
    assert run("export_scores", "--format", "json") == first
