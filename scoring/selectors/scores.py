"""Reads of score rows, and of the system users the community forecast and articles' claims
are scored as."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import User
from accounts.usernames import COMMUNITY_USERNAME as COMMUNITY_USERNAME  # declared there
from claims.models import ClaimLink
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


@dataclass(frozen=True)
class ClaimForecaster:
    """Who an article forecaster's row on a question stands for: the article whose direct
    claim it is, and the claim's speaker (None: the byline)."""

    article_slug: str
    article_title: str
    speaker: str | None
    byline: str

    @property
    def label(self) -> str:
        """ "The Fractured Pillar (article) — Dr. Emily Carter": how pages name the row."""
        who = self.speaker or self.byline
        return f"{self.article_title} (article)" + (f" — {who}" if who else "")


def claim_forecasters(*, question: Question) -> dict[int, ClaimForecaster]:
    """The article forecasters scored on the question, by user id: one query."""
    links = (
        ClaimLink.objects.filter(question=question, kind=ClaimLink.Kind.DIRECT)
        .filter(claim__article__forecaster__isnull=False)
        .select_related("claim__article__forecaster", "claim__speaker")
        .prefetch_related("claim__article__authors")
        .order_by("claim__start", "claim_id")
    )
    found: dict[int, ClaimForecaster] = {}
    for link in links:
        article = link.claim.article
        found.setdefault(
            article.forecaster.user_id,
            ClaimForecaster(
                article_slug=article.slug,
                article_title=article.title,
                speaker=link.claim.speaker.name if link.claim.speaker else None,
                byline=", ".join(person.name for person in article.authors.all()),
            ),
        )
    return found


def _row(score: Score, claims: dict[int, ClaimForecaster] | None = None) -> dict[str, Any]:
    claim = (claims or {}).get(score.user_id)
    return {
        "user": score.user.username,
        "is_community": score.user.username == COMMUNITY_USERNAME
        and score.user.origin == User.Origin.SYSTEM,
        "forecasts": score.forecasts,
        "participation": score.participation,
        "active_days": score.active_days,
        "coverage": score.coverage,
        **{rule.key: score.value(rule) for rule in registry.rules()},
        # An article's direct claim, scored beside the crowd and never ranked in it.
        "is_claim": claim is not None,
        "article": claim.article_slug if claim else None,
        "speaker": claim.speaker if claim else None,
        "display_name": claim.label if claim else score.user.username,
    }


def _best_peer_first(scores: QuerySet[Score]) -> QuerySet[Score]:
    return scores.select_related("user").order_by(f"-{registry.PEER.column}", "user__username")


def scores_for_question(*, question: Question) -> list[dict[str, Any]]:
    """One entry per scored forecaster (and the community forecast, and each article
    whose direct claim is scored, `is_claim`), best peer score first: every rule (by its
    key), participation and coverage. Every row: for the API, its CSV and the emails; a
    page reads `scores_page_for_question`. Rankings take the rows that are neither
    `is_community` nor `is_claim`."""
    claims = claim_forecasters(question=question)
    return [
        _row(score, claims) for score in _best_peer_first(Score.objects.filter(question=question))
    ]


@dataclass(frozen=True)
class ScoresPage:
    """The head of a question's scores for a page, with the viewer's row wherever it
    stands: a page shows the same few rows whatever the number of forecasters."""

    rows: list[dict[str, Any]]
    """The best `limit` forecasters by peer score."""
    ranked: int
    """Forecasters scored (the community forecast is not one)."""
    community: dict[str, Any] | None
    claims: list[dict[str, Any]]
    """The rows of articles' direct claims, scored but not ranked."""
    mine: dict[str, Any] | None
    my_rank: int | None
    """The viewer's place by peer score (competition ranking), when they have a score."""


def scores_page_for_question(
    *,
    question: Question,
    username: str | None,
    limit: int = 50,
    claims: dict[int, ClaimForecaster] | None = None,
) -> ScoresPage:
    """Four small queries, whatever the number of forecasters: the head of the board,
    the community forecast's, the claims' and the viewer's rows, the counts, and the
    claims' articles (none when the caller has them: `claims`)."""
    system = User.Origin.SYSTEM
    scores = Score.objects.filter(question=question)
    # System users (the community forecast, articles' claims) are scored, never ranked.
    people = scores.exclude(user__origin=system)
    rows = [_row(score) for score in _best_peer_first(people)[:limit]]
    if claims is None:
        claims = claim_forecasters(question=question)
    community, mine, claim_rows = None, None, []
    for score in _best_peer_first(
        scores.filter(Q(user__origin=system) | Q(user__username=username or ""))
    ):
        row = _row(score, claims)
        if row["is_community"]:
            community = row
        elif row["is_claim"]:
            claim_rows.append(row)
        elif score.user.origin != system:
            mine = row
    better = Q(**{f"{registry.PEER.column}__gt": mine[registry.PEER.key]}) if mine else Q()
    counts = people.aggregate(ranked=Count("pk"), better=Count("pk", filter=better))
    return ScoresPage(
        rows=rows,
        ranked=counts["ranked"],
        community=community,
        claims=claim_rows,
        mine=mine,
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
