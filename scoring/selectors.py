"""Reads for scores: per question, per user, and the leaderboard."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Avg, Count, QuerySet

from accounts.models import User
from questions.models import Question
from scoring.models import Rule, Score


def scores_for_question(*, question: Question) -> list[dict[str, object]]:
    """One entry per scored user: their value for each rule and participation."""
    by_user: dict[int, dict[str, object]] = {}
    rows = (
        Score.objects.filter(question=question)
        .select_related("user")
        .order_by("user__username", "rule")
    )
    for score in rows:
        entry = by_user.setdefault(
            score.user_id,
            {"user": score.user.username, "participation": score.coverage},
        )
        entry[score.rule] = score.value
    return sorted(by_user.values(), key=lambda entry: entry.get(Rule.ACCURACY, 0.0))


def scores_for_user(*, user: User) -> QuerySet[Score]:
    return (
        Score.objects.filter(user=user)
        .select_related("question")
        .order_by("-question__resolution_set_at", "question_id", "rule")
    )


@dataclass(frozen=True)
class LeaderboardEntry:
    rank: int | None  # None: below the minimum-questions line
    username: str
    mean_accuracy: float
    mean_daily_brier: float | None
    questions: int


@dataclass(frozen=True)
class Leaderboard:
    ranked: list[LeaderboardEntry]
    unranked: list[LeaderboardEntry]
    min_questions: int


def leaderboard_for(*, min_questions: int | None = None) -> Leaderboard:
    """Users by mean Accuracy score over the questions they were scored on
    (lower is better). Those under `min_questions` are listed below the line."""
    if min_questions is None:
        min_questions = settings.FORESEER_LEADERBOARD_MIN_QUESTIONS
    accuracy, counts = {}, {}
    for name, mean, questions in (
        Score.objects.filter(rule=Rule.ACCURACY)
        .values("user__username")
        .annotate(mean=Avg("value"), questions=Count("question"))
        .values_list("user__username", "mean", "questions")
    ):
        accuracy[name], counts[name] = mean, questions
    brier = dict(
        Score.objects.filter(rule=Rule.DAILY_BRIER)
        .values("user__username")
        .annotate(mean=Avg("value"))
        .values_list("user__username", "mean")
    )
    ordered = sorted(accuracy, key=lambda name: (accuracy[name], name))
    ranked, unranked = [], []
    for name in ordered:
        entry = LeaderboardEntry(
            rank=None,
            username=name,
            mean_accuracy=accuracy[name],
            mean_daily_brier=brier.get(name),
            questions=counts[name],
        )
        if counts[name] >= min_questions:
            ranked.append(entry)
        else:
            unranked.append(entry)
    ranked = [
        LeaderboardEntry(i, e.username, e.mean_accuracy, e.mean_daily_brier, e.questions)
        for i, e in enumerate(ranked, start=1)
    ]
    return Leaderboard(ranked=ranked, unranked=unranked, min_questions=min_questions)
