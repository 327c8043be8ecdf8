"""Brier score of a single forecast (SCORING.md section 2).

Always the original two-category Brier (1950) on the 0-2 scale, as Good Judgment Open
and Cultivate report it; never the 0-1 form.
"""

from __future__ import annotations

from typing import overload

import numpy as np
import numpy.typing as npt


def _check_outcome(outcome: int) -> None:
    if outcome not in (0, 1):
        raise ValueError(f"outcome must be 0 (no) or 1 (yes), got {outcome!r}")


@overload
def brier_binary(p_yes: float, outcome: int) -> float: ...
@overload
def brier_binary(p_yes: npt.NDArray[np.float64], outcome: int) -> npt.NDArray[np.float64]: ...
def brier_binary(
    p_yes: npt.NDArray[np.float64] | float, outcome: int
) -> npt.NDArray[np.float64] | float:
    """Binary Brier, 0 best, 2 worst: (p_yes - o)^2 + (p_no - (1 - o))^2 = 2 (p_yes - o)^2.

    `outcome` is 1 for yes, 0 for no. Works element-wise on arrays.
    """
    _check_outcome(outcome)
    if isinstance(p_yes, np.ndarray):
        return 2.0 * np.square(p_yes.astype(np.float64, copy=False) - outcome)
    return 2.0 * (float(p_yes) - outcome) ** 2


def brier_multiple_choice(probs: npt.ArrayLike, outcome_index: int) -> float:
    """Multiple-choice Brier, 0 best, 2 worst: sum over options of (p_k - o_k)^2.

    `probs` holds one probability per option; `outcome_index` is the option that happened.
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError("probs must be a non-empty 1-D array, one probability per option")
    if not 0 <= outcome_index < p.size:
        raise ValueError(f"outcome_index {outcome_index} is not an option of {p.size}")
    o = np.zeros_like(p)
    o[outcome_index] = 1.0
    return float(np.sum(np.square(p - o)))
