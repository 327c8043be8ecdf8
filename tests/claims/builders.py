"""An article and a stand-in for the extractor, for the review's tests: the services'
storing of proposals is tested apart from what the extractor finds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from claims.extraction import Proposal

TEXT = (
    "Seoul and Washington are drifting apart.\n\n"
    "A rupture of the alliance within five years is increasingly probable, "
    "explains Dr. Emily Carter of Georgetown University.\n\n"
    "It is unlikely that troop levels will fall below 25,000 by 2030. "
    "Talks resumed last year."
)
PASSAGE = "A rupture of the alliance within five years is increasingly probable"
SECOND = "It is unlikely that troop levels will fall below 25,000 by 2030."
PUBLISHED = date(2026, 6, 1)


def proposal_of(passage: str, text: str = TEXT, **fields: Any) -> Proposal:
    """The extractor's own proposal, for `passage` at its place in `text`."""
    start = text.index(passage)
    values: dict[str, Any] = {
        "expression": "",
        "low": None,
        "high": None,
        "table": "",
        "horizon_text": "",
        "horizon_start": None,
        "horizon_end": None,
        "speaker": None,
        "speaker_affiliation": None,
        "negated": False,
        "kind": "likelihood",
        "reason": "",
        **fields,
    }
    return Proposal(passage=passage, start=start, end=start + len(passage), **values)


def default_proposals(text: str = TEXT) -> list[Proposal]:
    return [
        proposal_of(
            PASSAGE,
            text,
            expression="increasingly probable",
            low=0.55,
            high=0.8,
            table="icd203",
            horizon_text="within five years",
            horizon_start=PUBLISHED,
            horizon_end=date(2031, 6, 1),
            speaker="Dr. Emily Carter",
        ),
        proposal_of(
            SECOND,
            text,
            expression="unlikely",
            low=0.2,
            high=0.45,
            table="icd203",
            horizon_text="by 2030",
            horizon_start=PUBLISHED,
            horizon_end=date(2030, 12, 31),
        ),
    ]


class FakeExtractor:
    """Returns the proposals it was given and remembers what it was asked."""

    def __init__(self, proposals: Sequence[Proposal] | None = None) -> None:
        self.proposals = list(default_proposals() if proposals is None else proposals)
        self.calls: list[tuple[str, date]] = []

    def __call__(self, text: str, published: date) -> list[Proposal]:
        self.calls.append((text, published))
        return self.proposals
