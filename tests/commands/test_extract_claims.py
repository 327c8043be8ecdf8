"""`manage.py extract_claims FILE [--published] [--format json|table]`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PILLAR = ROOT / "questions" / "data" / "articles" / "fractured-pillar.txt"
SAMPLE = ROOT / "tests" / "data" / "article_sample.html"
KEYS = {"passage", "start", "end", "expression", "low", "high", "table", "horizon_end", "speaker"}

Run = Callable[..., tuple[str, str]]


def test_json_lists_the_proposals_with_their_offsets(run: Run) -> None:
    out, _ = run("extract_claims", PILLAR, "--published", "2025-12-07")
    proposals = json.loads(out)
    text = PILLAR.read_text(encoding="utf-8")
    assert len(proposals) == 8
    for proposal in proposals:
        assert set(proposal) >= KEYS | {"horizon_text", "kind", "negated"}
        assert text[proposal["start"] : proposal["end"]] == proposal["passage"]
    first = proposals[0]
    assert (first["expression"], first["low"], first["high"], first["table"]) == (
        "could",
        0.2,
        0.8,
        "hedge_survey",
    )
    assert (first["horizon_end"], first["speaker"]) == ("2028-12-07", "RAND Corporation")
    horizon_only = next(p for p in proposals if p["kind"] == "horizon")
    assert (horizon_only["low"], horizon_only["high"], horizon_only["table"]) == (None, None, "")
    assert horizon_only["horizon_end"] == "2035-12-07"


def test_table_prints_a_readable_block_per_proposal(run: Run) -> None:
    out, _ = run("extract_claims", PILLAR, "--published", "2025-12-07", "--format", "table")
    assert out.startswith("fractured-pillar.txt (published 2025-12-07): 8 proposed")
    assert "  1. [152:483] A recent report from the RAND Corporation" in out
    assert "     range      55–80%" in out
    assert "     table      ICD 203 (2015)" in out
    assert "     speaker    RAND Corporation" in out
    assert "     speaker    (the byline)" in out


@pytest.mark.parametrize("output", ["json", "table"])
def test_every_held_out_article_reads_in_both_formats(run: Run, output: str) -> None:
    for gold in sorted((ROOT / "tests" / "data" / "claims_heldout").glob("*.yaml")):
        published = gold.read_text(encoding="utf-8").split("\npublished: ")[1][:10]
        out, _ = run(
            "extract_claims", gold.with_suffix(".txt"), "--published", published, "--format", output
        )
        if output == "json":
            assert all(set(p) >= KEYS for p in json.loads(out))
        else:
            assert out.startswith(f"{gold.stem}.txt (published {published}): ")
    strait = ROOT / "tests" / "data" / "claims_heldout" / "strait-deterrence.txt"
    out, _ = run("extract_claims", strait, "--published", "2026-03-15", "--format", "table")
    # A speaker with an affiliation, and a horizon that is not in the passage, say so.
    assert "     speaker    Lin Wei-ting (researcher at the Formosa Strategy Council" in out
    assert "     horizon    by 2030" in out


def test_an_html_page_is_dated_from_its_own_metadata(run: Run) -> None:
    out, _ = run("extract_claims", SAMPLE)
    proposals = json.loads(out)
    by_expression = {p["expression"]: p for p in proposals}
    likely = by_expression["likely"]
    assert likely["horizon_end"] == "2026-09-02"  # six months from 2026-03-02
    assert by_expression["a 60 % chance"]["low"] == 0.6
    assert by_expression["a 60 % chance"]["speaker"] == "Asan Institute"
    assert by_expression["probably"]["speaker"] == "Park Jae-sung"
    negated = by_expression["expected to"]
    assert negated["negated"] is True
    assert (negated["low"], negated["high"]) == pytest.approx((0.13, 0.37))


def test_published_overrides_the_pages_date(run: Run) -> None:
    out, _ = run("extract_claims", SAMPLE, "--published", "2026-01-01")
    likely = next(p for p in json.loads(out) if p["expression"] == "likely")
    assert likely["horizon_end"] == "2026-07-01"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((PILLAR,), "no publication date found in the file; give it with --published"),
        ((PILLAR, "--published", "7 Dec 2025"), "--published '7 Dec 2025': give a date as"),
        ((ROOT / "pyproject.toml",), "cannot read .toml; use one of .txt, .md"),
        ((ROOT / "no-such-file.txt",), "cannot read the file"),
    ],
)
def test_bad_input_is_a_clear_error(
    run_failing: Callable[..., tuple[Exception, str]], args: tuple[object, ...], message: str
) -> None:
    error, _ = run_failing("extract_claims", *args)
    assert message in str(error)


def test_an_unknown_format_is_refused(run_failing: Callable[..., tuple[Exception, str]]) -> None:
    error, _ = run_failing("extract_claims", PILLAR, "--published", "2025-12-07", "--format", "xml")
    assert "xml" in str(error)
