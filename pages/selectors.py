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
from scoring.headlines import record_headline
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
class BesideCrowd:
    """A forecaster's mean Daily Brier over their scored questions and the crowd's mean
    daily median Brier over the same ones."""

    brier: float
    crowd: float
    questions: int


def _beside_crowd(scores: list[Any]) -> BesideCrowd | None:
    pairs = []
    for row in scores:
        scoring = getattr(row.question, "scoring", None)
        if row.daily_brier is not None and scoring is not None and scoring.crowd_mean is not None:
            pairs.append((row.daily_brier, scoring.crowd_mean))
    if not pairs:
        return None
    return BesideCrowd(
        brier=sum(mine for mine, _ in pairs) / len(pairs),
        crowd=sum(crowd for _, crowd in pairs) / len(pairs),
        questions=len(pairs),
    )


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
    beside_crowd: BesideCrowd | None = None
    """The forecaster's mean Daily Brier and the crowd's on the same questions."""

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

    @property
    def headline_sentence(self) -> str:
        """The record's opening sentence: the default rule's figure, then the Daily Brier
        beside the crowd's on the same questions."""
        crowd = self.beside_crowd
        return record_headline(
            standing=self.standing(registry.DEFAULT),
            brier=crowd.brier if crowd else None,
            crowd_brier=crowd.crowd if crowd else None,
            questions=crowd.questions if crowd else 0,
        )


def record_for(*, user: User, tag: str, now: datetime) -> Record:
    # The question's scoring carries the crowd's mean Brier (a join, not a query).
    score_rows = scores_for_user(user=user).select_related("question__scoring")
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
        beside_crowd=_beside_crowd(scores),
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
