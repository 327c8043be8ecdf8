"""A claim's passage in its context, as the review pages show it."""

from __future__ import annotations

import pytest

from claims.models import Claim
from claims.selectors import passage_in_context

TEXT = "alpha beta gamma delta. The forecast sits here. epsilon zeta eta theta"


def claim_at(passage: str) -> Claim:
    start = TEXT.index(passage)
    return Claim(passage=passage, start=start, end=start + len(passage))


@pytest.mark.parametrize(
    ("width", "before", "after", "cut_before", "cut_after"),
    [
        (500, "alpha beta gamma delta. ", " epsilon zeta eta theta", False, False),
        # Cut at the nearest space inside the window, never inside a word.
        (10, "delta. ", " epsilon", True, True),
        (0, "", "", True, True),
    ],
)
def test_the_context_around_a_passage(width, before, after, cut_before, cut_after):
    around = passage_in_context(text=TEXT, claim=claim_at("The forecast sits here."), width=width)
    assert around.passage == "The forecast sits here."
    assert (around.before, around.after) == (before, after)
    assert (around.cut_before, around.cut_after) == (cut_before, cut_after)


def test_the_passage_shown_is_the_text_at_the_offsets():
    claim = claim_at("alpha beta")
    around = passage_in_context(text=TEXT, claim=claim)
    assert around.before == ""
    assert not around.cut_before
    assert around.before + around.passage + around.after == TEXT
