"""Roles beyond forecaster, declared once. Staff may do everything; analysts (members of
the Analysts group, which holds the permission, or anyone granted it) may see every
forecaster's scores and calibration."""

from __future__ import annotations

from typing import Any

ANALYSTS_GROUP = "Analysts"
VIEW_ALL_SCORES = "scoring.view_all_scores"


def is_analyst(user: Any) -> bool:
    """Analysts (and staff) may see every forecaster's scores and calibration."""
    return bool(user.is_authenticated and (user.is_staff or user.has_perm(VIEW_ALL_SCORES)))
