"""Reads that put several apps together for a page: a forecaster's record and their
public profile."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Subquery

from accounts.models import User
from common.text import control_character, in_words
from forecasts.models import Forecast
from forecasts.selectors import (
    CommunityForecast,
    community_forecasts,
    latest_forecasts_on_unresolved,
)
from questions.models import Question
from scoring import registry
from scoring.headlines import record_headline
from scoring.models import CalibrationReport, Score
from scoring.scopes import Scope
from scoring.selectors import (
    BoardStanding,
    RuleStanding,
    board_standings,
    calibration_for_user,
    community_user_id,
    questions_forecast_unscored,
    rule_standings,
    scores_for_user,
)


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
        return in_words(
            s.rule.short_label for s in self.standings if not s.rule.divides_by_coverage
        )

    @property
    def coverage_rules(self) -> str:
        """The rules whose figure is a total over coverage, named in a sentence."""
        rules = [s.rule for s in self.standings]
        return in_words(rule.short_label for rule in rules if rule.divides_by_coverage)

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


# How many rows a profile lists; the counts above them cover everything.
PROFILE_QUESTIONS = 20
PROFILE_SCORES = 50


def profile_user(username: str) -> User | None:
    """The forecaster a profile is for; None for no such name and for the system's own
    accounts (the community forecast, the articles' forecasters). A name holding a control
    character (NUL, which PostgreSQL refuses in any text) names no one."""
    if control_character(username):
        return None
    return User.objects.exclude(origin=User.Origin.SYSTEM).filter(username=username).first()


@dataclass(frozen=True)
class ProfileQuestion:
    question: Question
    last_forecast_at: datetime
    probability: float | None
    """The forecaster's latest probability, on resolved questions only: a forecast on a
    question still open is not shown (the question may hide its forecasts)."""


@dataclass(frozen=True)
class ProfileScore:
    question: Question
    score: float | None
    crowd: float | None
    """The community forecast's score under the same rule."""


@dataclass(frozen=True)
class Profile:
    user: User
    record_shown: bool
    """The bio, questions, scores and standings; False: the name only."""
    record_private: bool
    """Shown although private: the viewer is the forecaster or staff."""
    calibration_shown: bool
    calibration_private: bool
    calibration_public: bool
    rule: registry.Rule
    display_name: str = ""
    """The forecaster's display name; empty on a closed account, except for staff."""
    closed: bool = False
    """The account was deactivated: what its owner wrote (display name, bio) is shown to
    staff only; the record, a matter of fact already on the leaderboards, stays."""
    bio: str | None = None
    questions_count: int | None = None
    questions: list[ProfileQuestion] | None = None
    scores_count: int | None = None
    scores: list[ProfileScore] | None = None
    standings: list[BoardStanding] | None = None
    calibration: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """The name the profile goes by: the display name shown, else the username."""
        return self.display_name or self.user.username


def _sees_private(viewer: Any, user: User) -> bool:
    return bool(getattr(viewer, "is_staff", False) or getattr(viewer, "pk", None) == user.pk)


def profile_for(*, user: User, viewer: Any) -> Profile:
    """What `viewer` may see of `user`'s profile: the name always; the bio, questions,
    scores and standings when the profile is public; the calibration when that is public
    too. The forecaster and staff see everything."""
    private_ok = _sees_private(viewer, user)
    closed = not user.is_active
    own_words_shown = not closed or bool(getattr(viewer, "is_staff", False))
    record_shown = user.profile_public or private_ok
    calibration_public = user.profile_public and user.calibration_public
    calibration_shown = calibration_public or private_ok
    rule = registry.DEFAULT
    profile = Profile(
        user=user,
        record_shown=record_shown,
        record_private=record_shown and not user.profile_public,
        calibration_shown=calibration_shown,
        calibration_private=calibration_shown and not calibration_public,
        calibration_public=calibration_public,
        rule=rule,
        display_name=user.display_name if own_words_shown else "",
        closed=closed,
    )
    if not record_shown:
        return profile
    theirs = Forecast.objects.filter(user=user, question=OuterRef("pk"))
    forecast_on = Question.objects.published().filter(Exists(theirs))
    latest = theirs.order_by("-created_at", "-id")
    questions = forecast_on.annotate(
        last_forecast_at=Subquery(latest.values("created_at")[:1]),
        last_probability=Subquery(latest.values("probability")[:1]),
    ).order_by("-last_forecast_at", "-id")[:PROFILE_QUESTIONS]
    score_rows = scores_for_user(user=user).filter(question__published_at__isnull=False)
    scores = list(score_rows[:PROFILE_SCORES])
    community = community_user_id()
    crowd = {
        row.question_id: row
        for row in Score.objects.filter(
            user_id=community or 0, question_id__in=[row.question_id for row in scores]
        )
    }
    return replace(
        profile,
        bio=user.bio if own_words_shown else None,
        questions_count=forecast_on.count(),
        questions=[
            ProfileQuestion(
                question=question,
                last_forecast_at=question.last_forecast_at,
                probability=question.last_probability if question.resolution else None,
            )
            for question in questions
        ],
        scores_count=score_rows.count(),
        scores=[
            ProfileScore(
                question=row.question,
                score=row.value(rule),
                crowd=crowd[row.question_id].value(rule) if row.question_id in crowd else None,
            )
            for row in scores
        ],
        standings=board_standings(user=user),
        calibration=(
            {
                **record_calibration(user=user, tag=""),
                "scope": f"user:{user.username}",
                "within": None,
            }
            if calibration_shown
            else None
        ),
    )
