"""Brier score of one forecast: the Good Judgment Open FAQ examples (SCORING.md section 2)."""

import numpy as np
import pytest

from scoring.core import brier_binary, brier_multiple_choice


@pytest.mark.parametrize(
    ("p_yes", "outcome", "expected"),
    [
        (0.7, 1, 0.18),  # p_yes 0.7, happened
        (0.7, 0, 0.98),  # p_yes 0.7, did not happen
    ],
)
def test_brier_binary_gjopen_examples(p_yes: float, outcome: int, expected: float) -> None:
    assert brier_binary(p_yes, outcome) == pytest.approx(expected, abs=1e-12)


def test_brier_binary_is_elementwise_on_arrays() -> None:
    got = brier_binary(np.array([0.7, 0.0, 1.0, 0.5]), 1)
    assert np.allclose(got, [0.18, 2.0, 0.0, 0.5], rtol=0, atol=1e-12)


@pytest.mark.parametrize(
    ("probs", "outcome_index", "expected"),
    [
        ([0.6, 0.1, 0.3], 0, 0.26),  # A 0.6, B 0.1, C 0.3; A happened
    ],
)
def test_brier_multiple_choice_gjopen_example(
    probs: list[float], outcome_index: int, expected: float
) -> None:
    assert brier_multiple_choice(np.array(probs), outcome_index) == pytest.approx(
        expected, abs=1e-12
    )


def test_binary_equals_two_option_multiple_choice() -> None:
    # The 0-2 binary Brier is the two-category Brier: yes/no as two options.
    for p in (0.001, 0.3, 0.5, 0.999):
        assert brier_binary(p, 1) == pytest.approx(brier_multiple_choice([p, 1 - p], 0))
        assert brier_binary(p, 0) == pytest.approx(brier_multiple_choice([p, 1 - p], 1))


@pytest.mark.parametrize("outcome", [-1, 2])
def test_brier_binary_rejects_bad_outcome(outcome: int) -> None:
    with pytest.raises(ValueError, match="outcome"):
        brier_binary(0.5, outcome)


@pytest.mark.parametrize("outcome_index", [-1, 3])
def test_brier_multiple_choice_rejects_bad_outcome(outcome_index: int) -> None:
    with pytest.raises(ValueError, match="outcome_index"):
        brier_multiple_choice([0.6, 0.1, 0.3], outcome_index)
