"""The likelihood tables (common/data/likelihood_tables.yaml): their readings match
SCORING.md section 9, the file is checked, and adding a table is a change to the data
only: question choices, the validator and the claim extractor pick it up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from common import likelihood

ICD203 = [
    ("almost no chance", 0.01, 0.05),
    ("very unlikely", 0.05, 0.20),
    ("unlikely", 0.20, 0.45),
    ("roughly even chance", 0.45, 0.55),
    ("likely", 0.55, 0.80),
    ("very likely", 0.80, 0.95),
    ("almost certain", 0.95, 0.99),
]
# Kent's point and spread, stored as point - spread .. point + spread.
KENT = [
    ("certain", 1.0, 1.0),
    ("almost certain", 0.87, 0.99),
    ("probable", 0.63, 0.87),
    ("chances about even", 0.40, 0.60),
    ("probably not", 0.20, 0.40),
    ("almost certainly not", 0.02, 0.12),
    ("impossible", 0.0, 0.0),
]


def _entries(key: str) -> list[tuple[str, float, float]]:
    return [(e.expression, e.low, e.high) for e in likelihood.table(key).entries]


def test_the_three_tables_keep_their_keys_and_cite_their_sources() -> None:
    assert likelihood.table_keys() == ("icd203", "kent1964", "hedge_survey")
    for source in likelihood.tables():
        assert source.name and source.source and source.url.startswith("https://")
    assert _entries("icd203") == ICD203
    assert _entries("kent1964") == KENT
    assert {(e.low, e.high) for e in likelihood.table("hedge_survey").entries} == {(0.2, 0.8)}
    assert {"could", "may", "real possibility"} <= {
        w for e in likelihood.table("hedge_survey").entries for w in e.wordings
    }


@pytest.mark.parametrize(
    ("wording", "readings"),
    [
        ("likely", [("icd203", 0.55, 0.80)]),
        ("Highly Probable", [("icd203", 0.80, 0.95)]),
        ("probable", [("icd203", 0.55, 0.80), ("kent1964", 0.63, 0.87)]),
        ("almost  certain", [("icd203", 0.95, 0.99), ("kent1964", 0.87, 0.99)]),
        ("could", [("hedge_survey", 0.20, 0.80)]),
        ("a sure thing", []),
    ],
)
def test_lookup_gives_every_tables_reading_first_table_first(
    wording: str, readings: list[tuple[str, float, float]]
) -> None:
    assert [(m.table, m.low, m.high) for m in likelihood.lookup(wording)] == readings


def test_phrases_put_the_longer_wording_first() -> None:
    phrases = likelihood.phrases()
    assert phrases.index("very unlikely") < phrases.index("unlikely")
    assert phrases.index("almost certainly not") < phrases.index("almost certain")


def test_names_and_the_number_pseudo_table() -> None:
    assert likelihood.table_name("icd203") == "ICD 203 (2015)"
    assert likelihood.table_name(likelihood.NUMBER) == "The stated figure"
    assert likelihood.NUMBER not in dict(likelihood.table_choices())


def _document() -> dict[str, Any]:
    return {
        "tables": [
            {
                "key": "t",
                "name": "T",
                "source": "S",
                "entries": [{"expression": "likely", "low": 0.5, "high": 0.8}],
            }
        ]
    }


def _broken(path: str, value: Any) -> dict[str, Any]:
    document = _document()
    target: Any = document["tables"][0]
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return document


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"nope": []}, "needs a `tables` list"),
        (_broken("key", "Bad Key"), "key must be lower-case"),
        (_broken("key", "number"), "reserved"),
        (_broken("source", ""), "source is required"),
        (_broken("entries", []), "entries must be a non-empty list"),
        (_broken("entries.0.low", 0.9), "is above high"),
        (_broken("entries.0.high", 1.5), "is not between 0 and 1"),
        (_broken("entries.0.low", "half"), "expected a number"),
        (_broken("entries.0.alternatives", ["Likely"]), "listed twice"),
        ({"tables": _document()["tables"] * 2}, "Table keys listed twice: t."),
    ],
)
def test_a_broken_file_is_refused_with_its_place(document: dict[str, Any], message: str) -> None:
    with pytest.raises(likelihood.LikelihoodTableError, match=message.replace("`", ".")):
        likelihood.tables_parse(document)


NATO = {
    "key": "nato",
    "name": "NATO AJP-2.1 (2016)",
    "source": "NATO, Allied Joint Doctrine for Intelligence Procedures, AJP-2.1.",
    "url": "https://www.nato.int/",
    "entries": [
        {"expression": "highly unlikely", "alternatives": [], "low": 0.0, "high": 0.10},
        {"expression": "even chance", "alternatives": [], "low": 0.40, "high": 0.60},
    ],
}


@pytest.fixture
def with_nato(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from claims import extraction

    document = yaml.safe_load(likelihood.DATA_FILE.read_text(encoding="utf-8"))
    document["tables"].append(NATO)
    data_file = tmp_path / "tables.yaml"
    data_file.write_text(yaml.safe_dump(document), encoding="utf-8")
    monkeypatch.setattr(likelihood, "DATA_FILE", data_file)
    likelihood.caches_clear()
    extraction._pipeline.cache_clear()
    yield
    monkeypatch.undo()
    likelihood.caches_clear()
    extraction._pipeline.cache_clear()


@pytest.mark.django_db
def test_adding_a_table_is_a_data_change(with_nato: None) -> None:
    from claims.extraction import extract_claims
    from questions.forms import QuestionDraftForm
    from questions.models import Question
    from questions.validation import QuestionFields, question_clean

    assert likelihood.table_keys()[-1] == "nato"
    field = Question._meta.get_field("implied_probability_table")
    assert ("nato", "NATO AJP-2.1 (2016)") in list(field.choices or [])
    form_field = QuestionDraftForm.base_fields["implied_probability_table"]
    assert "nato" in dict(form_field.choices)  # type: ignore[attr-defined]
    opens = datetime(2030, 1, 1, tzinfo=UTC)
    cleaned = question_clean(
        fields=QuestionFields(
            title="Will Seoul leave?",
            resolution_criteria="Yes if it leaves.",
            open_time=opens,
            scheduled_close_time=opens + timedelta(days=10),
            scheduled_resolve_time=opens + timedelta(days=20),
            implied_probability_low=0.0,
            implied_probability_high=0.1,
            implied_probability_table="nato",
        )
    )
    assert cleaned["implied_probability_table"] == "nato"
    [claim] = extract_claims(
        "Seoul is highly unlikely to leave by 2030.", published=date(2025, 1, 1)
    )
    assert (claim.table, claim.low, claim.high) == ("nato", 0.0, 0.1)
