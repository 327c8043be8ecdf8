"""Leaderboards: Score rows of a scope -> `scoring.core.leaderboard` -> LeaderboardEntry
rows, replaced in one transaction (SCORING.md §8)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from common.db import insert_arrays, read_arrays
from scoring.core.leaderboard import (
    COVERAGE,
    MEAN,
    LeaderboardTable,
    RuleInput,
    leaderboard_tables,
)
from scoring.models import LeaderboardEntry, Rule, Score
from scoring.scopes import Scope
from scoring.services.scores import community_user

# Score columns each rule reads: (value, coverage).
RULE_COLUMNS = {
    Rule.ACCURACY: ("accuracy", "participation"),
    Rule.DAILY_BRIER: ("daily_brier", "participation"),
    Rule.PEER: ("peer", "coverage"),
    Rule.BASELINE: ("baseline", "coverage"),
    Rule.LOG: ("log_score", "coverage"),
}
_COLUMNS = ("question_id", "user_id", *sorted({c for pair in RULE_COLUMNS.values() for c in pair}))
_NULLABLE = ("accuracy", "daily_brier", "participation")


@dataclass(frozen=True)
class ScopeScores:
    """A scope's Score rows as arrays, one per column in `_COLUMNS`."""

    columns: dict[str, np.ndarray]
    community_id: int

    def __len__(self) -> int:
        return int(self.columns["question_id"].size)


def scope_scores(
    *,
    scope: Scope,
    resolved_after: datetime | None = None,
    resolved_before: datetime | None = None,
) -> ScopeScores:
    """Every score row of the scope's questions (optionally those whose outcome became
    known in [resolved_after, resolved_before)), as arrays, in one query."""
    scores = Score.objects.all()
    if scope.kind != "all":
        scores = scores.filter(question__in=scope.questions().values("pk"))
    if resolved_after is not None:
        scores = scores.filter(question__known_at__gte=resolved_after)
    if resolved_before is not None:
        scores = scores.filter(question__known_at__lt=resolved_before)
    # Daily rules are null without an active day: NaN here, skipped by the leaderboard.
    nullable = {name: Coalesce(F(name), Value(float("nan"))) for name in _NULLABLE}
    scores = scores.annotate(**{f"{name}_or_nan": value for name, value in nullable.items()})
    names = [f"{name}_or_nan" if name in _NULLABLE else name for name in _COLUMNS]
    read = read_arrays(
        scores.order_by(),  # the core does not need the rows in order
        *names,
        kinds={f"{name}_or_nan": "float8" for name in _NULLABLE},
    )
    columns = {name: read[key] for name, key in zip(_COLUMNS, names, strict=True)}
    return ScopeScores(columns=columns, community_id=community_user().pk)


def rule_tables(
    scores: ScopeScores,
    *,
    scope: str,
    rules: list[Rule] | None = None,
    min_questions: int | None = None,
    resamples: int | None = None,
) -> dict[Rule, LeaderboardTable]:
    """The tables of the given rules (all by default) for one scope's scores, sharing the
    bootstrap replicates."""
    rules = list(Rule) if rules is None else rules
    tables = leaderboard_tables(
        question=scores.columns["question_id"],
        user=scores.columns["user_id"],
        rules={
            rule.value: RuleInput(
                value=scores.columns[RULE_COLUMNS[rule][0]],
                coverage=scores.columns[RULE_COLUMNS[rule][1]],
                kind=COVERAGE if rule.uses_coverage else MEAN,
                lower_is_better=rule.lower_is_better,
            )
            for rule in rules
        },
        min_questions=(
            settings.FORESEER_LEADERBOARD_MIN_QUESTIONS if min_questions is None else min_questions
        ),
        exclude_from_ranking=[scores.community_id],
        floor=settings.FORESEER_COVERAGE_FLOOR,
        resamples=settings.FORESEER_BOOTSTRAP_RESAMPLES if resamples is None else resamples,
        # The same scope always draws the same replicates: rebuilds are identical.
        seed=zlib.crc32(scope.encode()),
    )
    return {Rule(rule): table for rule, table in tables.items()}


def _entry_columns(
    scope: str, rule: Rule, table: LeaderboardTable, community_id: int
) -> dict[str, object]:
    def nullable_int(values: np.ndarray) -> np.ndarray:
        # 0 means "none" in the core's integer columns; NULL in the table.
        return np.where(values > 0, values, np.nan)

    return {
        "scope": scope,
        "rule": rule.value,
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
