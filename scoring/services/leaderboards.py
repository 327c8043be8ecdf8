"""Leaderboards: Score rows of a scope -> `scoring.core.leaderboard` -> LeaderboardEntry
rows, replaced in one transaction (SCORING.md §8)."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import transaction

from config.db import insert_rows
from questions.models import Question
from scoring.core.leaderboard import COVERAGE, MEAN, LeaderboardTable, leaderboard_table
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

ENTRY_FIELDS = (
    "scope",
    "rule",
    "user_id",
    "is_community",
    "rank",
    "value",
    "total",
    "questions",
    "coverage",
    "ci_low",
    "ci_high",
    "rank_low",
    "rank_high",
)


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
    rows = list(scores.order_by("question_id", "user_id").values_list(*_COLUMNS))
    table = np.array(rows, dtype=np.float64).reshape(len(rows), len(_COLUMNS))
    columns = {name: table[:, i] for i, name in enumerate(_COLUMNS)}
    for name in ("question_id", "user_id"):
        columns[name] = columns[name].astype(np.int64)
    return ScopeScores(columns=columns, community_id=community_user().pk)


def rule_table(
    scores: ScopeScores,
    *,
    scope: str,
    rule: Rule,
    min_questions: int | None = None,
    resamples: int | None = None,
) -> LeaderboardTable:
    value_column, coverage_column = RULE_COLUMNS[rule]
    return leaderboard_table(
        question=scores.columns["question_id"],
        user=scores.columns["user_id"],
        value=scores.columns[value_column],
        coverage=scores.columns[coverage_column],
        kind=COVERAGE if rule.uses_coverage else MEAN,
        lower_is_better=rule.lower_is_better,
        min_questions=(
            settings.FORESEER_LEADERBOARD_MIN_QUESTIONS if min_questions is None else min_questions
        ),
        exclude_from_ranking=[scores.community_id],
        floor=settings.FORESEER_COVERAGE_FLOOR,
        resamples=settings.FORESEER_BOOTSTRAP_RESAMPLES if resamples is None else resamples,
        # The same scope and rule always draw the same replicates: rebuilds are identical.
        seed=zlib.crc32(f"{scope}|{rule.value}".encode()),
    )


def _entry_rows(scope: str, rule: Rule, table: LeaderboardTable, community_id: int) -> Iterator:
    def number(value: float) -> float | None:
        return None if np.isnan(value) else float(value)

    for i in range(len(table)):
        yield (
            scope,
            rule.value,
            int(table.user[i]),
            int(table.user[i]) == community_id,
            int(table.rank[i]) or None,
            float(table.value[i]),
            number(table.total[i]),
            int(table.questions[i]),
            float(table.coverage[i]),
            number(table.ci_low[i]),
            number(table.ci_high[i]),
            int(table.rank_low[i]) or None,
            int(table.rank_high[i]) or None,
        )


def leaderboard_build(*, scope: Scope) -> int:
    """Rebuild every rule's leaderboard of `scope`; returns the entries written."""
    scores = scope_scores(scope=scope)
    key = str(scope)
    with transaction.atomic():
        LeaderboardEntry.objects.filter(scope=key).delete()
        written = 0
        for rule in Rule:
            table = rule_table(scores, scope=key, rule=rule)
            written += insert_rows(
                LeaderboardEntry, ENTRY_FIELDS, _entry_rows(key, rule, table, scores.community_id)
            )
    return written


def scope_question_count(scope: Scope) -> int:
    return scope.questions(Question.objects.resolved()).count()
