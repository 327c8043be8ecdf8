"""Calibration: forecasts of resolved binary questions -> weights
(`scoring.core.points`) -> `scoring.core.calibration` -> reports (SCORING.md §6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from config.db import read_arrays
from forecasts.models import Forecast
from questions.models import Question
from scoring.core.arrays import time_rank
from scoring.core.calibration import calibration_report
from scoring.core.points import calibration_weights
from scoring.models import CalibrationReport
from scoring.scopes import Scope

WEIGHTINGS = tuple(CalibrationReport.Weighting.values)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def calibration_points(
    *,
    questions: Q,
    users: Q | None = None,
    now: datetime | None = None,
) -> dict[str, np.ndarray]:
    """The forecasts that count toward calibration, with both weights, for binary
    questions resolved yes or no matching `questions` (a filter on Question) and forecasts
    matching `users` (a filter on Forecast). Each point knows whether its question's
    scheduled close has passed (the default view counts only those)."""
    now = now or timezone.now()
    scope = Question.objects.filter(
        Q(pk__in=Question.objects.filter(questions).values("pk")),
        type=Question.Type.BINARY,
        resolution__in=["yes", "no"],
    )
    resolved = list(
        scope.order_by("pk").values_list(
            "pk", "open_time", "scheduled_close_time", "known_at", "resolution"
        )
    )
    # A subquery, not a list of ids: ten thousand parameters slow the planner down.
    forecasts = Forecast.objects.filter(question__in=scope.values("pk"))
    if users is not None:
        forecasts = forecasts.filter(users)
    # No ORDER BY: the weights only need the tie-break, which NumPy ranks below.
    columns = read_arrays(
        forecasts.order_by(), "question_id", "user_id", "created_at", "id", "probability"
    )
    open_time = np.array([_epoch(r[1]) for r in resolved], dtype=np.int64)
    actual_close = np.array(
        [_epoch(min(r[2], r[3]) if r[3] else r[2]) for r in resolved], dtype=np.int64
    )
    outcome = np.array([1 if r[4] == "yes" else 0 for r in resolved], dtype=np.int64)
    closed = np.array([r[2] <= now for r in resolved], dtype=np.bool_)
    # Question ids to positions: the positions of the sorted ids.
    ids = np.array([r[0] for r in resolved], dtype=np.int64)
    question = np.searchsorted(ids, columns["question_id"])
    user = columns["user_id"]
    created = np.floor_divide(columns["created_at"], 1_000_000)
    p_yes = columns["probability"]
    weights = calibration_weights(
        question=question,
        user=user,
        created_at=created,
        order=time_rank(columns["created_at"], columns["id"]),
        open_time=open_time,
        actual_close=actual_close,
    )
    return {
        "question": question,
        "p_yes": p_yes,
        "outcome": outcome[question],
        "closed": closed[question],
        "time": weights.time,
        "last": weights.last,
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


def scope_filters(scope: Scope) -> tuple[Q, Q | None]:
    """(questions, forecasts) filters of a calibration scope."""
    if scope.kind == "group":
        return Q(), Q(user__groups__name=scope.key)
    return scope.question_filter(), None


def calibration_build(*, scope: Scope) -> int:
    """Rebuild the scope's four reports (time or last weights; closed questions only or
    all); returns the number written."""
    questions, users = scope_filters(scope)
    now = timezone.now()
    points = calibration_points(questions=questions, users=users, now=now)
    reports = [
        CalibrationReport(
            scope=str(scope),
            weighting=weighting,
            closed_only=closed_only,
            payload=report_from_points(points, weighting=weighting, closed_only=closed_only),
            built_at=now,
        )
        for weighting in WEIGHTINGS
        for closed_only in (True, False)
    ]
    with transaction.atomic():
        CalibrationReport.objects.filter(scope=str(scope)).delete()
        CalibrationReport.objects.bulk_create(reports)
    return len(reports)
