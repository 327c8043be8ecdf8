"""The columns of a table of scores (one row per forecaster on a question, or per question
for one forecaster): the rules as the registry declares them, with the numbers that weight
them. Pages and CSVs list these instead of naming rules."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from common.templatetags.foreseer import percent
from scoring import registry

TEXT, COUNT, SHARE, RULE = "text", "count", "share", "rule"


@dataclass(frozen=True)
class ScoreColumn:
    key: str
    """The row's key (a rule's key for a rule)."""
    heading: str
    first: str
    """The direction a first click sorts in: "asc" or "desc" (best first for a rule)."""
    kind: str
    rule: registry.Rule | None = None

    @property
    def numeric(self) -> bool:
        return self.kind != TEXT

    def cell(self, row: Mapping[str, Any]) -> str:
        """The row's value as the table writes it."""
        value = row.get(self.key)
        if self.rule is not None:
            return self.rule.format(value)
        if self.kind == SHARE:
            return percent(value)
        if value is None:
            return "—"
        return str(value)


def rule_column(rule: registry.Rule) -> ScoreColumn:
    return ScoreColumn(
        key=rule.key,
        heading=f"{rule.short_label} ({rule.direction})",
        first="asc" if rule.lower_is_better else "desc",
        kind=RULE,
        rule=rule,
    )


PARTICIPATION = ScoreColumn("participation", "Participation", "desc", SHARE)
ACTIVE_DAYS = ScoreColumn("active_days", "Active days", "desc", COUNT)
COVERAGE = ScoreColumn("coverage", "Coverage", "desc", SHARE)
FORECASTS = ScoreColumn("forecasts", "Forecasts", "desc", COUNT)


def score_columns(*, counts: bool = True) -> list[ScoreColumn]:
    """Every rule, each group followed by what weights it: the daily rules, participation
    (and, with `counts`, the active days), then the continuous rules and coverage. With
    `counts` the forecasts made come first."""
    columns = [FORECASTS] if counts else []
    for weight, weight_columns in (
        (registry.PARTICIPATION, [PARTICIPATION, ACTIVE_DAYS] if counts else [PARTICIPATION]),
        (registry.WINDOW_COVERAGE, [COVERAGE]),
    ):
        columns.extend(rule_column(rule) for rule in registry.rules() if rule.weight == weight)
        columns.extend(weight_columns)
    return columns
