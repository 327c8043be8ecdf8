"""Many questions' forecasts as parallel arrays: the input of every rule.

Rules work on a whole batch of questions at once (a million forecasts over ten thousand
questions is one call, not ten thousand), so the per-question facts live in
`QuestionWindows`, indexed by position, and every forecast names its question by that
position.

A forecast carries what the rules need once the outcome is known: `p`, the probability it
gave to the outcome that happened, and `brier`, its Brier score (0 best, 2 worst). That is
the same for binary and multiple-choice questions (SCORING.md sections 2 and 4), so the
rules never need to know which kind they are scoring.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from scoring.core.arrays import is_unique, sort_forecasts

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def as_int64(name: str, values: npt.ArrayLike) -> Ints:
    arr = np.asarray(values)
    # Refuse floats rather than truncating them: a fractional timestamp cast to int would
    # silently move a forecast across a day boundary or across the close time.
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    return np.array(arr, dtype=np.int64)  # a copy, so the caller cannot mutate ours


def _freeze(instance: DataclassInstance) -> None:
    for field in fields(instance):
        value = getattr(instance, field.name)
        if isinstance(value, np.ndarray):
            value.setflags(write=False)


def _check_1d_equal(instance: DataclassInstance) -> None:
    arrays = {f.name: getattr(instance, f.name) for f in fields(instance)}
    lengths = {name: arr.shape for name, arr in arrays.items()}
    for name, arr in arrays.items():
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D")
    if len(set(lengths.values())) > 1:
        described = ", ".join(f"{name} {shape[0]}" for name, shape in lengths.items())
        raise ValueError(f"arrays must have equal lengths, got {described}")


@dataclass(frozen=True)
class QuestionWindows:
    """The scoring window of each question in a batch (SCORING.md section 1), by position.

    Times are int seconds since the Unix epoch, UTC.
    """

    open_time: Ints
    scheduled_close: Ints
    actual_close: Ints
    """min(scheduled_close, known_at)."""
    options: Ints
    """K, the number of possible outcomes: 2 for a binary question."""

    @classmethod
    def from_arrays(
        cls,
        *,
        open_time: npt.ArrayLike,
        scheduled_close: npt.ArrayLike,
        actual_close: npt.ArrayLike,
        options: npt.ArrayLike | None = None,
    ) -> QuestionWindows:
        opened = as_int64("open_time", open_time)
        windows = cls(
            open_time=opened,
            scheduled_close=as_int64("scheduled_close", scheduled_close),
            actual_close=as_int64("actual_close", actual_close),
            options=(
                np.full(opened.size, 2, dtype=np.int64)
                if options is None
                else as_int64("options", options)
            ),
        )
        _check_1d_equal(windows)
        if np.any(windows.scheduled_close <= windows.open_time):
            raise ValueError("scheduled_close must be after open_time")
        if np.any(windows.actual_close > windows.scheduled_close):
            raise ValueError("actual_close is min(scheduled_close, known_at): never later")
        if np.any(windows.options < 2):
            raise ValueError("options must be at least 2")
        _freeze(windows)
        return windows

    def __len__(self) -> int:
        return int(self.open_time.size)

    @property
    def duration(self) -> Ints:
        """T = scheduled_close - open_time: the window that coverage is measured against."""
        return self.scheduled_close - self.open_time


@dataclass(frozen=True)
class ResolvedForecasts:
    """Every forecast on a batch of resolved questions, one row per forecast, any order.

    Build it with `binary`, `multiple_choice` or `from_arrays`, which copy and validate.
    """

    question: Ints
    """Position of the forecast's question in the batch's `QuestionWindows`."""
    user: Ints
    """Forecaster ids (arbitrary integers)."""
    created_at: Ints
    """Int seconds since the Unix epoch, UTC."""
    order: Ints
    """Tie-break for equal `created_at` (the database id): the larger is the later. Unique
    within the batch, so which forecast stands is never ambiguous."""
    p: Floats
    """Probability given to the outcome that happened, in (0, 1]."""
    brier: Floats
    """Brier score of the forecast, 0 best, 2 worst."""
    in_crowd: Bools
    """False for a pseudo-forecaster (the community forecast): scored against the crowd
    like anyone else, but never part of the crowd it is compared with."""
    withdrawn: Bools
    """True for a withdrawal: not a forecast but the moment its forecaster's standing
    forecast ended. From it until their next forecast they have none: no coverage for the
    continuous rules, no active day for the daily ones, no place in the crowd. Its `p` and
    `brier` are placeholders that no rule reads."""

    @classmethod
    def from_arrays(
        cls,
        *,
        question: npt.ArrayLike,
        user: npt.ArrayLike,
        created_at: npt.ArrayLike,
        order: npt.ArrayLike,
        p: npt.ArrayLike,
        brier: npt.ArrayLike,
        in_crowd: npt.ArrayLike | None = None,
        withdrawn: npt.ArrayLike | None = None,
    ) -> ResolvedForecasts:
        users = as_int64("user", user)
        forecasts = cls(
            question=as_int64("question", question),
            user=users,
            created_at=as_int64("created_at", created_at),
            order=as_int64("order", order),
            p=np.array(p, dtype=np.float64),
            brier=np.array(brier, dtype=np.float64),
            in_crowd=(
                np.ones(users.size, dtype=np.bool_)
                if in_crowd is None
                else np.array(in_crowd, dtype=np.bool_)
            ),
            withdrawn=(
                np.zeros(users.size, dtype=np.bool_)
                if withdrawn is None
                else np.array(withdrawn, dtype=np.bool_)
            ),
        )
        _check_1d_equal(forecasts)
        if not np.all((forecasts.p > 0.0) & (forecasts.p <= 1.0)):  # also catches NaN
            raise ValueError("p must be within (0, 1]: the log-based rules need p > 0")
        if not np.all((forecasts.brier >= 0.0) & (forecasts.brier <= 2.0)):
            raise ValueError("brier must be within [0, 2]")
        if not is_unique(forecasts.order):
            raise ValueError("order must be unique (it breaks ties between forecasts)")
        if forecasts.question.size and forecasts.question.min() < 0:
            raise ValueError("question must hold positions in the batch, 0 or more")
        _freeze(forecasts)
        return forecasts

    @classmethod
    def binary(
        cls,
        *,
        question: npt.ArrayLike,
        user: npt.ArrayLike,
        created_at: npt.ArrayLike,
        order: npt.ArrayLike,
        p_yes: npt.ArrayLike,
        outcome: npt.ArrayLike,
        in_crowd: npt.ArrayLike | None = None,
        withdrawn: npt.ArrayLike | None = None,
    ) -> ResolvedForecasts:
        """Binary forecasts; `outcome` holds 1 (yes) or 0 (no) per question position."""
        questions = as_int64("question", question)
        outcomes = as_int64("outcome", outcome)
        if not np.all((outcomes == 0) | (outcomes == 1)):
            raise ValueError("outcome must be 0 (no) or 1 (yes) for every question")
        p_yes_arr = np.asarray(p_yes, dtype=np.float64)
        if not np.all((p_yes_arr >= 0.0) & (p_yes_arr <= 1.0)):
            raise ValueError("p_yes must be within [0, 1]")
        if questions.size and questions.max() >= outcomes.size:
            raise ValueError("every question position needs an outcome")
        yes = outcomes[questions] if questions.size else np.empty(0, dtype=np.int64)
        return cls.from_arrays(
            question=questions,
            user=user,
            created_at=created_at,
            order=order,
            p=np.where(yes == 1, p_yes_arr, 1.0 - p_yes_arr),
            brier=2.0 * np.square(p_yes_arr - yes),
            in_crowd=in_crowd,
            withdrawn=withdrawn,
        )

    @classmethod
    def multiple_choice(
        cls,
        *,
        question: npt.ArrayLike,
        user: npt.ArrayLike,
        created_at: npt.ArrayLike,
        order: npt.ArrayLike,
        probabilities: npt.ArrayLike,
        outcome: npt.ArrayLike,
        in_crowd: npt.ArrayLike | None = None,
        withdrawn: npt.ArrayLike | None = None,
    ) -> ResolvedForecasts:
        """Multiple-choice forecasts with K options each: `probabilities` is (F, K), one row
        per forecast summing to 1; `outcome` holds the index of the option that happened,
        per question position. Brier: sum_k (p_k - o_k)^2 (SCORING.md section 2)."""
        questions = as_int64("question", question)
        outcomes = as_int64("outcome", outcome)
        probs = np.asarray(probabilities, dtype=np.float64)
        if probs.ndim != 2 or probs.shape[0] != questions.size or probs.shape[1] < 2:
            raise ValueError("probabilities must be (forecasts, options) with 2+ options")
        if not np.all(probs >= 0.0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-9):
            raise ValueError("each forecast's probabilities must be >= 0 and sum to 1")
        if np.any((outcomes < 0) | (outcomes >= probs.shape[1])):
            raise ValueError("outcome must be an option index for every question")
        if questions.size and questions.max() >= outcomes.size:
            raise ValueError("every question position needs an outcome")
        happened = outcomes[questions] if questions.size else np.empty(0, dtype=np.int64)
        return cls.from_arrays(
            question=questions,
            user=user,
            created_at=created_at,
            order=order,
            p=probs[np.arange(questions.size), happened],
            brier=brier_multiple_choice_rows(probs, happened),
            in_crowd=in_crowd,
            withdrawn=withdrawn,
        )

    def __len__(self) -> int:
        return int(self.user.size)

    def take(self, rows: npt.NDArray[np.intp] | Bools) -> ResolvedForecasts:
        """The forecasts at the given row indices (or where the mask is true)."""
        return ResolvedForecasts(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    def sorted(self) -> ResolvedForecasts:
        """Rows by (question, user, created_at, order): each forecaster's forecasts on each
        question in the order they were made. `order` is unique, so the result does not
        depend on the order the rows arrived in."""
        return self.take(sort_forecasts(self.question, self.user, self.created_at, self.order))

    @staticmethod
    def concatenate(parts: list[ResolvedForecasts]) -> ResolvedForecasts:
        return ResolvedForecasts.from_arrays(
            **{
                f.name: np.concatenate([getattr(part, f.name) for part in parts])
                for f in fields(ResolvedForecasts)
            }
        )


def brier_multiple_choice_rows(probabilities: Floats, outcome: Ints) -> Floats:
    """Brier of each row of an (F, K) matrix against its outcome index: 0 best, 2 worst."""
    indicator = np.zeros_like(probabilities)
    indicator[np.arange(outcome.size), outcome] = 1.0
    brier: Floats = np.sum(np.square(probabilities - indicator), axis=1)
    return brier
