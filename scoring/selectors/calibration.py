"""Reads of calibration: the forecasts that count and their weights, the materialized
reports of a scope, and reports computed on request (SCORING.md §6)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Case, Q, Value, When
from django.utils import timezone

from accounts.models import User
from common.db import read_arrays
from forecasts.models import Forecast, Withdrawal
from questions.models import Question
from scoring.core.arrays import time_rank, unique_inverse
from scoring.core.calibration import calibration_report
from scoring.core.points import calibration_weights
from scoring.models import CalibrationReport
from scoring.scopes import ALL, Scope

WEIGHTINGS = tuple(CalibrationReport.Weighting.values)


def calibration_points(
    *,
    forecasts: Q,
    now: datetime | None = None,
) -> dict[str, np.ndarray]:
    """The forecasts that count toward calibration, with both weights: those matching
    `forecasts` (a filter on Forecast, e.g. `Scope.question_filter(path="question__")`
    and a user or group) on binary questions resolved yes or no. Each point knows
    whether its question's scheduled close has passed (the default view counts only
    those).

    Two queries, the forecasts and the withdrawals that end them: each row comes with its
    question's window, read by a join, which is cheaper than the windows of every resolved
    question or an IN over thousands of them.
    No ORDER BY: the weights need only the tie-break, which NumPy ranks."""
    now = now or timezone.now()
    rows = _resolved_binary_rows(Forecast, forecasts, "probability")
    gone = _resolved_binary_rows(Withdrawal, forecasts)
    n_forecasts = rows["id"].size
    if gone["id"].size:
        # Withdrawals end the forecasts before them; they stand for nothing themselves.
        rows = {
            name: np.concatenate(
                [rows[name], gone[name] if name in gone else np.full(gone["id"].size, 0.5)]
            )
            for name in rows
        }
        rows["id"] = np.concatenate(
            [2 * rows["id"][:n_forecasts], 2 * rows["id"][n_forecasts:] + 1]
        )
    withdrawn = np.arange(rows["id"].size) >= n_forecasts
    second = 1_000_000  # read_arrays gives times in microseconds
    # Question positions, and each question's window from one of its rows (every row of
    # a question carries the same window, so whichever row the assignment keeps will do).
    ids, question = unique_inverse(rows["question_id"])
    some_row = np.zeros(ids.size, dtype=np.int64)
    some_row[question] = np.arange(question.size)
    scheduled_close = rows["question__scheduled_close_time"][some_row]
    open_time = np.floor_divide(rows["question__open_time"][some_row], second)
    actual_close = np.floor_divide(
        np.minimum(scheduled_close, rows["question__known_at"][some_row]), second
    )
    outcome = rows["outcome"][some_row]
    closed = scheduled_close <= int(now.timestamp() * second)
    columns = rows
    user = columns["user_id"]
    created = np.floor_divide(columns["created_at"], second)
    p_yes = columns["probability"]
    weights = calibration_weights(
        question=question,
        user=user,
        created_at=created,
        order=time_rank(columns["created_at"], columns["id"]),
        open_time=open_time,
        actual_close=actual_close,
        withdrawn=withdrawn,
    )
    keep = ~withdrawn
    return {
        "question": question[keep],
        "p_yes": p_yes[keep],
        "outcome": outcome[question][keep],
        "closed": closed[question][keep],
        "time": weights.time[keep],
        "last": weights.last[keep],
    }


def report_from_points(
    points: dict[str, np.ndarray], *, weighting: str, closed_only: bool
) -> dict[str, Any]:
    keep = points[weighting] > 0
    if closed_only:
        keep &= points["closed"]
    report = calibration_report(
        points["p_yes"][keep],
        points["outcome"][keep],
        weight=points[weighting][keep],
        question=points["question"][keep],
    )
    return {**report.to_dict(), "weighting": weighting, "closed_only": closed_only}


def with_sufficiency(report: dict[str, Any]) -> dict[str, Any]:
    """The report with whether its sample can carry a verdict: `sufficient` overall (total
    weight at least FORESEER_CALIBRATION_MIN_FORECASTS) and on each bin (weight at least
    FORESEER_CALIBRATION_MIN_BIN), and the two minimums. Read, not stored: a materialized
    report follows the settings in force. The weight is the sample size, not the number of
    forecasts: a forecaster who updates twenty times on one question adds one question's
    worth of evidence, not twenty."""
    min_forecasts = settings.FORESEER_CALIBRATION_MIN_FORECASTS
    min_bin = settings.FORESEER_CALIBRATION_MIN_BIN
    # Weights split over forecasts sum back to whole numbers only up to rounding.
    slack = 1e-9
    return {
        **report,
        "sufficient": float(report.get("weight") or 0.0) + slack >= min_forecasts,
        "min_forecasts": min_forecasts,
        "min_bin": min_bin,
        "bins": [
            {**row, "sufficient": float(row.get("weight") or 0.0) + slack >= min_bin}
            for row in report.get("bins", [])
        ],
    }


def scope_forecasts(scope: Scope) -> Q:
    """The forecasts a calibration scope counts, as a filter on Forecast."""
    if scope.kind == "group":
        return Q(user__groups__name=scope.key)
    return scope.question_filter(path="question__")


def calibration_for_scope(
    *, scope: Scope, weighting: str, closed_only: bool
) -> dict[str, Any] | None:
    """The materialized report of a scope; None until it has been built."""
    report = (
        CalibrationReport.objects.filter(
            scope=str(scope), weighting=weighting, closed_only=closed_only
        )
        .values("payload", "built_at")
        .first()
    )
    if report is None:
        return None
    return with_sufficiency({**report["payload"], "built_at": report["built_at"], "live": False})


def calibration_for_user(
    *, user: User, weighting: str, closed_only: bool, within: Scope | None = None
) -> dict[str, Any]:
    """One forecaster's calibration, computed from their forecasts on request (optionally
    only on the questions of another scope, e.g. a tag)."""
    questions = within.question_filter(path="question__") if within is not None else Q()
    points = calibration_points(forecasts=questions & Q(user=user))
    return with_sufficiency(
        {
            **report_from_points(points, weighting=weighting, closed_only=closed_only),
            "built_at": None,
            "live": True,
        }
    )


def calibration_of_scope(*, scope: Scope, weighting: str, closed_only: bool) -> dict[str, Any]:
    """A scope's calibration: the materialized report, or, while the scope has not been
    built (nothing in it resolved yet, or a group no rebuild has reached), computed from
    the rows on request."""
    report = calibration_for_scope(scope=scope, weighting=weighting, closed_only=closed_only)
    if report is not None:
        return report
    points = calibration_points(forecasts=scope_forecasts(scope))
    return with_sufficiency(
        {
            **report_from_points(points, weighting=weighting, closed_only=closed_only),
            "built_at": None,
            "live": True,
        }
    )


@dataclass(frozen=True)
class Calibration:
    """A calibration report and whose it is: a forecaster's (optionally `within` a scope's
    questions) or a scope's."""

    report: dict[str, Any]
    forecaster: User | None
    scope: Scope | None
    """The scope whose report this is; None for a forecaster's."""
    within: Scope | None
    """The scope a forecaster's report is narrowed to; None for a scope's."""


def calibration_for(
    *, forecaster: User | None, narrowed_to: Scope | None, weighting: str, closed_only: bool
) -> Calibration:
    """The calibration explorer's report: a forecaster's, computed on request (on the
    questions of `narrowed_to` if given), or without one, the calibration of `narrowed_to`
    (every forecaster when None), materialized where it has been built."""
    if forecaster is not None:
        report = calibration_for_user(
            user=forecaster, weighting=weighting, closed_only=closed_only, within=narrowed_to
        )
        return Calibration(report=report, forecaster=forecaster, scope=None, within=narrowed_to)
    scope = narrowed_to or Scope(ALL)
    report = calibration_of_scope(scope=scope, weighting=weighting, closed_only=closed_only)
    return Calibration(report=report, forecaster=None, scope=scope, within=None)


def _resolved_binary_rows(
    model: type[Forecast] | type[Withdrawal], forecasts: Q, *extra: str
) -> dict[str, np.ndarray]:
    """The rows of `model` (forecasts, or the withdrawals that end them) matching
    `forecasts` on binary questions resolved yes or no, each with its question's window and
    outcome, in one query with no ORDER BY."""
    return read_arrays(
        model.objects.filter(
            forecasts,
            question__type=Question.Type.BINARY,
            question__resolution__in=["yes", "no"],
        )
        .annotate(outcome=Case(When(question__resolution="yes", then=Value(1)), default=Value(0)))
        .order_by(),
        "question_id",
        "user_id",
        "created_at",
        "id",
        *extra,
        "question__open_time",
        "question__scheduled_close_time",
        "question__known_at",  # never null: the questions are resolved
        "outcome",
        kinds={
            "question__open_time": "timestamp",
            "question__scheduled_close_time": "timestamp",
            "question__known_at": "timestamp",
            "outcome": "int4",
        },
    )
