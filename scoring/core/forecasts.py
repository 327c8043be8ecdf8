"""One question's binary forecasts as parallel arrays (the input of the scoring code)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scoring.core.arrays import is_unique, sort_by


def _as_int64(name: str, values: npt.ArrayLike) -> npt.NDArray[np.int64]:
    arr = np.asarray(values)
    # Refuse floats rather than truncating them: a fractional timestamp cast to int would
    # silently move a forecast across a day boundary or across the close time.
    if arr.size and arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    return np.array(arr, dtype=np.int64)  # a copy, so the caller cannot mutate us


def _frozen(arr: npt.NDArray[np.generic]) -> None:
    # The dataclass is frozen; make the arrays it holds read-only too.
    arr.setflags(write=False)


@dataclass(frozen=True)
class BinaryForecasts:
    """Every binary forecast on one question, one row per forecast.

    Build it with `from_arrays`, which converts and validates. Rows may come in any order.
    """

    user: npt.NDArray[np.int64]
    """User ids (arbitrary integers)."""
    created_at: npt.NDArray[np.int64]
    """Creation time, int seconds since the Unix epoch, UTC."""
    p_yes: npt.NDArray[np.float64]
    """Probability given to "yes", in [0, 1]."""
    order: npt.NDArray[np.int64]
    """Tie-break for equal `created_at` (the database id): the larger one is the later one.
    Unique, so which forecast stands is never ambiguous."""

    def __post_init__(self) -> None:
        n = self.user.shape
        for name in ("user", "created_at", "p_yes", "order"):
            arr = getattr(self, name)
            if arr.ndim != 1:
                raise ValueError(f"{name} must be 1-D")
            if arr.shape != n:
                raise ValueError(
                    f"user, created_at, p_yes and order must have equal lengths, "
                    f"got {self.user.size}, {self.created_at.size}, "
                    f"{self.p_yes.size}, {self.order.size}"
                )
        if not np.all((self.p_yes >= 0.0) & (self.p_yes <= 1.0)):  # also catches NaN
            raise ValueError("p_yes must be within [0, 1]")
        if not is_unique(self.order):
            raise ValueError("order must be unique (it breaks ties between forecasts)")

    @classmethod
    def from_arrays(
        cls,
        *,
        user: npt.ArrayLike,
        created_at: npt.ArrayLike,
        p_yes: npt.ArrayLike,
        order: npt.ArrayLike,
    ) -> BinaryForecasts:
        """Copy the inputs into int64/float64 arrays, validate them and freeze them."""
        forecasts = cls(
            user=_as_int64("user", user),
            created_at=_as_int64("created_at", created_at),
            p_yes=np.array(p_yes, dtype=np.float64),
            order=_as_int64("order", order),
        )
        for arr in (forecasts.user, forecasts.created_at, forecasts.p_yes, forecasts.order):
            _frozen(arr)
        return forecasts

    def __len__(self) -> int:
        return int(self.user.size)

    def take(self, rows: npt.NDArray[np.intp] | npt.NDArray[np.bool_]) -> BinaryForecasts:
        """The forecasts at the given row indices (or where the mask is true)."""
        return BinaryForecasts(
            user=self.user[rows],
            created_at=self.created_at[rows],
            p_yes=self.p_yes[rows],
            order=self.order[rows],
        )

    def sorted_by_user_time(self) -> BinaryForecasts:
        """The rows sorted by (user, created_at, order): each user's forecasts in the order
        they were made. `order` is unique, so the result does not depend on input order."""
        rows = sort_by([self.user, self.created_at, self.order])
        return self.take(rows)
