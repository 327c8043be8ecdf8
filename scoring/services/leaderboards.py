"""Leaderboards: Score rows of a scope -> `scoring.core.leaderboard` -> LeaderboardEntry
rows, replaced in one transaction (SCORING.md §8)."""

from __future__ import annotations

import numpy as np
from django.db import transaction

from common.db import insert_arrays
from scoring import registry
from scoring.core.leaderboard import LeaderboardTable
from scoring.models import LeaderboardEntry
from scoring.scopes import Scope
from scoring.selectors.leaderboards import rule_tables, scope_scores


def _entry_columns(
    scope: str, rule: registry.Rule, table: LeaderboardTable, community_id: int
) -> dict[str, object]:
    def nullable_int(values: np.ndarray) -> np.ndarray:
        # 0 means "none" in the core's integer columns; NULL in the table.
        return np.where(values > 0, values, np.nan)

    return {
        "scope": scope,
        "rule": rule.key,
        "user_id": table.user,
        "is_community": table.user == community_id,
        "rank": nullable_int(table.rank),
        "value": table.value,
        "total": table.total,
        "questions": table.questions,
        "coverage": table.coverage,
        "ci_low": table.ci_low,
        "ci_high": table.ci_high,
        "rank_low": nullable_int(table.rank_low),
        "rank_high": nullable_int(table.rank_high),
    }


def leaderboard_build(*, scope: Scope) -> int:
    """Rebuild every rule's leaderboard of `scope`; returns the entries written."""
    scores = scope_scores(scope=scope)
    key = str(scope)
    with transaction.atomic():
        LeaderboardEntry.objects.filter(scope=key).delete()
        written = 0
        for rule, table in rule_tables(scores, scope=key).items():
            if len(table):
                written += insert_arrays(
                    LeaderboardEntry, _entry_columns(key, rule, table, scores.community_id)
                )
    return written
