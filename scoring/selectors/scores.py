"""Reads of score rows, and of the system user the community forecast is scored as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import User
from accounts.usernames import COMMUNITY_USERNAME as COMMUNITY_USERNAME  # declared there
from forecasts.models import Forecast
from questions.models import Question
from scoring import registry
from scoring.models import Score


def community_user_id() -> int | None:
    """The id of the system user the community forecast is scored as (a data migration
    creates it; scoring creates it again if a test database was emptied), or None."""
    return (
        User.objects.filter(username=COMMUNITY_USERNAME, origin=User.Origin.SYSTEM)
        .values_list("pk", flat=True)
        .first()
    )


def _row(score: Score) -> dict[str, Any]:
    return {
        "user": score.user.username,
        "is_community": score.user.origin == User.Origin.SYSTEM,
        "forecasts": score.forecasts,
        "participation": score.participation,
        "active_days": score.active_days,
        "coverage": score.coverage,
        **{rule.key: score.value(rule) for rule in registry.rules()},
    }


def _best_peer_first(scores: QuerySet[Score]) -> QuerySet[Score]:
    return scores.select_related("user").order_by(f"-{registry.PEER.column}", "user__username")


def scores_for_question(*, question: Question) -> list[dict[str, Any]]:
    """One entry per scored forecaster (and the community forecast), best peer score
    first: every rule (by its key), participation and coverage. Every row: for the API,
    its CSV and the emails; a page reads `scores_page_for_question`."""
    return [_row(score) for score in _best_peer_first(Score.objects.filter(question=question))]


@dataclass(frozen=True)
class ScoresPage:
    """The head of a question's scores for a page, with the viewer's row wherever it
    stands: a page shows the same few rows whatever the number of forecasters."""

    rows: list[dict[str, Any]]
    """The best `limit` forecasters by peer score."""
    ranked: int
    """Forecasters scored (the community forecast is not one)."""
    community: dict[str, Any] | None
    mine: dict[str, Any] | None
    my_rank: int | None
    """The viewer's place by peer score (competition ranking), when they have a score."""


def scores_page_for_question(
    *, question: Question, username: str | None, limit: int = 50
) -> ScoresPage:
    """Three small queries, whatever the number of forecasters: the head of the board,
    the community forecast's and the viewer's rows, and the counts."""
    system = User.Origin.SYSTEM
    scores = Score.objects.filter(question=question)
    people = scores.exclude(user__origin=system)
    rows = [_row(score) for score in _best_peer_first(people)[:limit]]
    apart = {
        "community" if score.user.origin == system else "mine": score
        for score in scores.select_related("user").filter(
            Q(user__origin=system) | Q(user__username=username or "")
        )
    }
    mine = apart.get("mine")
    better = Q(**{f"{registry.PEER.column}__gt": mine.value(registry.PEER)}) if mine else Q()
    counts = people.aggregate(ranked=Count("pk"), better=Count("pk", filter=better))
    community = apart.get("community")
    return ScoresPage(
        rows=rows,
        ranked=counts["ranked"],
        community=_row(community) if community is not None else None,
        mine=_row(mine) if mine is not None else None,
        my_rank=1 + counts["better"] if mine is not None else None,
    )


def scores_for_user(*, user: User) -> QuerySet[Score]:
    return (
        Score.objects.filter(user=user)
        .select_related("question")
        .order_by("-question__resolution_set_at", "question_id")
    )


def questions_forecast_unscored(*, user: User, tag: str = "") -> list[Question]:
    """Resolved questions the user forecast on without a score of theirs (annulled or
    ambiguous, scoring not run yet, or every forecast came after the close), the latest
    resolution first; optionally only those tagged `tag`."""
    unscored = (
        Question.objects.resolved()
        .filter(Exists(Forecast.objects.filter(user=user, question=OuterRef("pk"))))
        .exclude(Exists(Score.objects.filter(user=user, question=OuterRef("pk"))))
    )
    if tag:
        unscored = unscored.filter(tags__slug=tag)
    return list(unscored.order_by("-resolution_set_at", "id"))
