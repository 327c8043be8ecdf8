"""The extractor against the hand-labelled gold file (tests/data/claims_gold.yaml).

A proposal matches a gold claim when their spans overlap (each gold claim matched at
most once). Recall must be at least 0.9 and precision at least 0.75 over both seed
articles; the figures are printed (`pytest -s`) and recorded in docs/claims.md."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from claims.extraction import Proposal, extract_claims

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "tests" / "data" / "claims_gold.yaml"
LOADER = ROOT / "questions" / "data" / "article_questions.yaml"

MIN_RECALL = 0.9
MIN_PRECISION = 0.75


@dataclass(frozen=True)
class GoldClaim:
    slug: str
    start: int
    end: int
    item: dict[str, Any]


def _gold() -> list[dict[str, Any]]:
    with GOLD.open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["articles"])


def _gold_claims(article: dict[str, Any], text: str) -> list[GoldClaim]:
    claims = []
    for item in article["claims"]:
        passage = item["passage"]
        assert text.count(passage) == 1, f"{article['slug']}: not verbatim once: {passage[:60]}"
        start = text.index(passage)
        claims.append(GoldClaim(article["slug"], start, start + len(passage), item))
    return claims


def _match(
    proposals: list[Proposal], gold: list[GoldClaim]
) -> list[tuple[Proposal, GoldClaim | None]]:
    free = list(gold)
    pairs: list[tuple[Proposal, GoldClaim | None]] = []
    for proposal in proposals:
        hit = next((g for g in free if proposal.start < g.end and g.start < proposal.end), None)
        if hit is not None:
            free.remove(hit)
        pairs.append((proposal, hit))
    return pairs


def test_gold_file_uses_the_loaders_texts_and_dates() -> None:
    with LOADER.open(encoding="utf-8") as handle:
        stored = {a["slug"]: a for a in yaml.safe_load(handle)["articles"]}
    for article in _gold():
        assert (ROOT / "questions" / "data" / stored[article["slug"]]["text_file"]) == (
            ROOT / article["file"]
        )
        assert stored[article["slug"]]["publication_date"] == article["published"]


def test_extractor_meets_the_gold_files_recall_and_precision() -> None:
    true_positive = proposed = expected = 0
    same_range = same_horizon = same_speaker = 0
    for article in _gold():
        text = (ROOT / article["file"]).read_text(encoding="utf-8")
        gold = _gold_claims(article, text)
        proposals = extract_claims(text, published=article["published"])
        for proposal in proposals:
            assert text[proposal.start : proposal.end] == proposal.passage
        pairs = [(p, g) for p, g in _match(proposals, gold) if g is not None]
        for proposal, claim in pairs:
            item = claim.item
            same_range += (proposal.low, proposal.high) == (item.get("low"), item.get("high"))
            same_horizon += proposal.horizon_text == item["horizon"]
            same_speaker += proposal.speaker == item["speaker"]
        true_positive += len(pairs)
        proposed += len(proposals)
        expected += len(gold)
        found = [c for _, c in pairs]
        missed = [g.item["passage"][:70] for g in gold if g not in found]
        extra = [p.passage[:70] for p, g in _match(proposals, gold) if g is None]
        print(f"\n{article['slug']}: missed {missed}\n  not in gold {extra}")
    precision = true_positive / proposed if proposed else 1.0
    recall = true_positive / expected if expected else 1.0
    print(
        f"\nclaims gold: {true_positive} of {expected} found, {proposed} proposed; "
        f"precision {precision:.2f}, recall {recall:.2f}; of the matched, range agrees "
        f"{same_range}, horizon {same_horizon}, speaker {same_speaker}"
    )
    assert recall >= MIN_RECALL
    assert precision >= MIN_PRECISION
    # What a matched proposal says must agree with the label too, not only its span.
    assert same_range >= MIN_RECALL * true_positive


@pytest.mark.parametrize("article", _gold(), ids=lambda a: a["slug"])
def test_every_gold_passage_is_verbatim_in_the_stored_text(article: dict[str, Any]) -> None:
    text = (ROOT / article["file"]).read_text(encoding="utf-8")
    for claim in _gold_claims(article, text):
        assert text[claim.start : claim.end] == claim.item["passage"]
