"""The claims a question tracks, as its page shows them beside the crowd: what the article
implied, and once the question is resolved, the claim's scores and the scores the two
ends of its range would have had."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from claims.models import ClaimLink
from claims.provenance import question_side_probability
from common import likelihood
from questions.models import Person, Question
from scoring import registry
from scoring.core.brier import brier_binary
from scoring.selectors.scores import ClaimForecaster


@dataclass(frozen=True)
class RangePoint:
    """A constant forecast at one point of a claim's range, on the question's side, with
    the Daily Brier and Accuracy it scores (a constant forecast's daily Brier is the same
    every day, and its participation is the claim's)."""

    name: str
    p_yes: float
    daily_brier: float | None = None
    accuracy: float | None = None

    @property
    def row(self) -> dict[str, float | None]:
        """As a row of scores, for the columns of `POINT_RULES`."""
        return {
            registry.DAILY_BRIER.key: self.daily_brier,
            registry.ACCURACY.key: self.accuracy,
        }


@dataclass(frozen=True)
class QuestionClaim:
    link: ClaimLink
    forecaster: ClaimForecaster
    speaker: Person | None
    yes_low: float | None
    """The claim's range as the probability of the question's Yes."""
    yes_high: float | None
    points: list[RangePoint] = field(default_factory=list)
    """Low end, midpoint, high end (on the question's side); scored once resolved."""
    row: dict[str, Any] | None = None
    """The claim's scores on the question (a row of `scores_for_question`)."""

    @property
    def scored(self) -> bool:
        """Scored as its article's forecast: a direct link to a claim with a range."""
        return self.link.kind == ClaimLink.Kind.DIRECT and self.yes_low is not None

    @property
    def midpoint(self) -> RangePoint | None:
        return self.points[1] if self.points else None

    @property
    def table_label(self) -> str:
        table = self.link.claim.table
        return likelihood.table_name(table)


def question_claims(*, question: Question) -> list[QuestionClaim]:
    """The claims the question tracks (direct links first), with their articles and
    speakers: one query, and one more for the bylines when there are any."""
    links = (
        ClaimLink.objects.filter(question=question)
        .select_related("claim__article__forecaster", "claim__article__outlet", "claim__speaker")
        .prefetch_related("claim__article__authors")
    )
    found = []
    for link in links:
        claim, article = link.claim, link.claim.article
        yes_low = yes_high = None
        points = []
        if claim.low is not None and claim.high is not None:
            ends = (
                (claim.low, claim.high)
                if link.direction == ClaimLink.Direction.YES
                else (1.0 - claim.high, 1.0 - claim.low)
            )
            yes_low, yes_high = ends
            middle = question_side_probability(claim.low, claim.high, link.direction)
            points = [
                RangePoint("low end", yes_low),
                RangePoint("midpoint", middle),
                RangePoint("high end", yes_high),
            ]
        found.append(
            QuestionClaim(
                link=link,
                forecaster=ClaimForecaster(
                    article_slug=article.slug,
                    article_title=article.title,
                    speaker=claim.speaker.name if claim.speaker else None,
                    byline=", ".join(person.name for person in article.authors.all()),
                ),
                speaker=claim.speaker,
                yes_low=yes_low,
                yes_high=yes_high,
                points=points,
            )
        )
    found.sort(key=lambda c: (c.link.kind != ClaimLink.Kind.DIRECT, c.link.claim.start))
    return found


def claim_forecasters_of(claims: Sequence[QuestionClaim]) -> dict[int, ClaimForecaster]:
    """The scored claims' forecasters by user id, as `scores_page_for_question` takes
    them (the first direct claim of each article)."""
    found: dict[int, ClaimForecaster] = {}
    for claim in claims:
        forecaster = getattr(claim.link.claim.article, "forecaster", None)
        if claim.link.kind == ClaimLink.Kind.DIRECT and forecaster is not None:
            found.setdefault(forecaster.user_id, claim.forecaster)
    return found


def claims_scored(
    claims: Sequence[QuestionClaim],
    *,
    question: Question,
    rows: Sequence[dict[str, Any]],
    crowd_mean: float | None,
) -> list[QuestionClaim]:
    """The claims with their score rows (by article) and, on a question resolved yes or
    no, the Daily Brier and Accuracy of their range's two ends and midpoint: the same
    formulas the rules apply (`scoring.core`), with the claim's participation and the
    crowd's mean daily median Brier M."""
    by_article = {row["article"]: row for row in rows if row.get("is_claim")}
    outcome = {Question.Resolution.YES: 1, Question.Resolution.NO: 0}.get(
        Question.Resolution(question.resolution)
    )
    result = []
    for claim in claims:
        row = by_article.get(claim.forecaster.article_slug) if claim.scored else None
        points = claim.points
        if row is not None and outcome is not None:
            participation = row.get("participation")
            points = [_scored_point(point, outcome, participation, crowd_mean) for point in points]
        result.append(
            QuestionClaim(
                link=claim.link,
                forecaster=claim.forecaster,
                speaker=claim.speaker,
                yes_low=claim.yes_low,
                yes_high=claim.yes_high,
                points=points,
                row=row,
            )
        )
    return result


def _scored_point(
    point: RangePoint, outcome: int, participation: float | None, crowd_mean: float | None
) -> RangePoint:
    daily = brier_binary(point.p_yes, outcome)
    accuracy = None
    if participation is not None and crowd_mean is not None:
        accuracy = (daily - crowd_mean) * participation
    return RangePoint(point.name, point.p_yes, daily_brier=daily, accuracy=accuracy)


# The rules the range's points are shown under (the columns of `RangePoint.row`).
POINT_RULES = (registry.DAILY_BRIER, registry.ACCURACY)
