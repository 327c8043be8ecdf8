"""The shared formatting filters the pages use for probabilities."""

from __future__ import annotations

import pytest

from common.templatetags.foreseer import percent_range, without_heading_marks


@pytest.mark.parametrize(
    ("low", "high", "shown"),
    [
        (0.55, 0.8, "55–80%"),
        (1 - 0.8, 1 - 0.55, "20–45%"),  # a claim for No, turned to Yes: no float noise
        (0.125, 0.375, "12.5–37.5%"),
        (0.5, 0.5, "50%"),
        (None, 0.5, "—"),
        (0.5, None, "—"),
    ],
)
def test_a_range_carries_one_percent_sign(low, high, shown):
    assert percent_range(low, high) == shown


def test_heading_marks_go_and_the_words_stay():
    text = "# The Alliance\n\nA #1 priority.\n## Costs\n###No space is not a heading."
    assert without_heading_marks(text) == (
        "The Alliance\n\nA #1 priority.\nCosts\n###No space is not a heading."
    )
