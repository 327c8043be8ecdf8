"""Calibration reports: the forecasts of a scope -> `scoring.core.calibration` -> the
scope's four reports, replaced in one transaction (SCORING.md §6)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from scoring.models import CalibrationReport
from scoring.scopes import Scope
from scoring.selectors.calibration import (
    WEIGHTINGS,
    calibration_points,
    report_from_points,
    scope_forecasts,
)


def calibration_build(*, scope: Scope) -> int:
    """Rebuild the scope's four reports (time or last weights; closed questions only or
    all); returns the number written."""
    now = timezone.now()
    points = calibration_points(forecasts=scope_forecasts(scope), now=now)
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
