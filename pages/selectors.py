"""Reads that put several apps together for a page: a forecaster's record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts.models import User
from forecasts.selectors import (
    CommunityForecast,
    community_forecasts,
    latest_forecasts_on_unresolved,
)
from questions.models import Question
from scoring import registry
from scoring.models import CalibrationReport
from scoring.scopes import Scope
from scoring.selectors import (
    RuleStanding,
    calibration_for_user,
    questions_forecast_unscored,
    rule_standings,
    scores_for_user,
)


def _in_words(names: Iterable[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    listed = list(names)
    return " and ".join([", ".join(listed[:-1]), listed[-1]] if len(listed) > 1 else listed)


@dataclass(frozen=True)
class PendingForecast:
    forecast: Any
    question: Question
    status: str
    community: CommunityForecast


@dataclass(frozen=True)
class Record:
    """What My record shows for one forecaster, optionally only on one tag's questions."""

    resolved: list[dict[str, Any]]
    """One row per scored question: the question, its counts and every rule by key."""
    standings: list[RuleStanding]
    """Each rule as the leaderboards compute it over these questions."""
    unscored: list[Question]
    pending: list[PendingForecast]
    """The newest forecast on each unresolved question, with its community forecast."""

    def standing(self, rule: registry.Rule) -> RuleStanding:
        return next(standing for standing in self.standings if standing.rule == rule)

    @property
    def headline(self) -> list[RuleStanding]:
        """The figures the record opens with: Good Judgment Open's two and Metaculus's."""
        return [self.standing(rule) for rule in (registry.ACCURACY, registry.DAILY_BRIER)] + [
            self.standing(registry.PEER)
        ]

    @property
    def mean_rules(self) -> str:
        """The rules whose figure is a mean over questions, named in a sentence."""
        return _in_words(
            s.rule.short_label for s in self.standings if not s.rule.divides_by_coverage
        )

    @property
    def coverage_rules(self) -> str:
        """The rules whose figure is a total over coverage, named in a sentence."""
        rules = [s.rule for s in self.standings]
        return _in_words(rule.short_label for rule in rules if rule.divides_by_coverage)

    def pending_with_status(self, status: str) -> list[PendingForecast]:
        return [row for row in self.pending if row.status == status]


def record_for(*, user: User, tag: str, now: datetime) -> Record:
    score_rows = scores_for_user(user=user)
    if tag:
        score_rows = score_rows.filter(question__tags__slug=tag)
    scores = list(score_rows)
    resolved = [
        {
            "question": row.question,
            "forecasts": row.forecasts,
            "participation": row.participation,
            "active_days": row.active_days,
            "coverage": row.coverage,
            **{rule.key: row.value(rule) for rule in registry.rules()},
        }
        for row in scores
    ]
    latest = latest_forecasts_on_unresolved(user=user, tag=tag)
    community = community_forecasts(questions=[forecast.question for forecast in latest])
    return Record(
        resolved=resolved,
        standings=rule_standings(scores=scores, key=f"record:{user.pk}:{tag}"),
        unscored=questions_forecast_unscored(user=user, tag=tag),
        pending=[
            PendingForecast(
                forecast=forecast,
                question=forecast.question,
                status=forecast.question.status_at(now),
                community=community[forecast.question_id],
            )
            for forecast in latest
        ],
    )


def record_calibration(*, user: User, tag: str) -> dict[str, Any]:
    """The forecaster's own calibration, as the analysts' explorer computes it."""
    return calibration_for_user(
        user=user,
        weighting=CalibrationReport.Weighting.TIME,
        closed_only=True,
        within=Scope("tag", tag) if tag else None,
    )
