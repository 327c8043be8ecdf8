"""The one adapter between the database and `scoring.core` for scores: query -> arrays ->
core -> bulk writes. Scores are derived data: every run rebuilds a chunk of questions'
rows from their forecasts and replaces them in one transaction, so running it twice
leaves identical rows. Leaderboards and calibration live in `scoring.tables`."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime

import numpy as np
from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from claims.models import Claim, ClaimLink
from claims.provenance import question_side_probability
from claims.services.forecasters import article_forecasters_ensure
from common import after_commit
from common.db import insert_arrays, read_arrays
from forecasts.models import Forecast, Withdrawal
from questions.models import Question, ResolutionEvent
from scoring import registry
from scoring.core import aggregate
from scoring.core.arrays import time_rank
from scoring.core.batch import QuestionWindows, ResolvedForecasts
from scoring.core.rules import PairScores, score_batch
from scoring.models import MaterializedScope, QuestionScoring, Score
from scoring.scopes import scopes_of_question
from scoring.selectors.scores import COMMUNITY_USERNAME

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoringOutcome:
    questions: int
    forecasts_scored: int
    users_scored: int
    rows_written: int


def community_user(*, using: str = DEFAULT_DB_ALIAS) -> User:
    """The system user the community forecast is scored as. It cannot log in and makes no
    forecasts. A data migration creates it; scoring (a write) creates it again where the
    rows were emptied since, as a test database is. Reads use
    `scoring.selectors.community_user_id`, which never writes."""
    user, _ = User.objects.using(using).get_or_create(
        username=COMMUNITY_USERNAME,
        defaults={"origin": User.Origin.SYSTEM, "is_active": False, "password": "!"},
    )
    return user


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass(frozen=True)
class ForecastArrays:
    """Forecasts of a set of questions, in no particular order."""

    question_id: np.ndarray
    user: np.ndarray
    created_at: np.ndarray
    order: np.ndarray
    """Rank by exact time, then id: the tie-break for forecasts within one second."""
    p_yes: np.ndarray
    withdrawn: np.ndarray
    """True for a withdrawal row (its `p_yes` a placeholder, 0.5): the end of its
    forecaster's standing forecast, until their next forecast."""

    def __len__(self) -> int:
        return int(self.user.size)


def forecast_arrays(*, question_ids: Sequence[int]) -> ForecastArrays:
    """Every forecast and withdrawal on the given questions as arrays, in two queries.

    The core works in whole seconds; the tie-break `order` is each row's rank by its
    exact time (microseconds), then id (a forecast before a withdrawal of the same
    microsecond), so two rows within one second keep their real order. NumPy ranks them:
    an ORDER BY would make the database sort every row."""
    ids = list(question_ids)
    columns = read_arrays(
        Forecast.objects.filter(question_id__in=ids).order_by(),
        "question_id",
        "user_id",
        "created_at",
        "id",
        "probability",
    )
    gone = read_arrays(
        Withdrawal.objects.filter(question_id__in=ids).order_by(),
        "question_id",
        "user_id",
        "created_at",
        "id",
    )
    n_gone = gone["id"].size
    created = np.concatenate([columns["created_at"], gone["created_at"]]).astype(np.int64)
    tie_break = np.concatenate([2 * columns["id"], 2 * gone["id"] + 1]).astype(np.int64)
    return ForecastArrays(
        question_id=np.concatenate([columns["question_id"], gone["question_id"]]).astype(np.int64),
        user=np.concatenate([columns["user_id"], gone["user_id"]]).astype(np.int64),
        created_at=np.floor_divide(created, 1_000_000),
        order=time_rank(created, tie_break),
        p_yes=np.concatenate([columns["probability"], np.full(n_gone, 0.5)]).astype(np.float64),
        withdrawn=np.concatenate(
            [np.zeros(columns["id"].size, dtype=np.bool_), np.ones(n_gone, dtype=np.bool_)]
        ),
    )


def _community_rows(forecasts: ForecastArrays, keep: np.ndarray, community_id: int) -> np.ndarray:
    """Forecasts recorded under the community forecast's system user. No service writes
    them (its name is reserved, and it cannot log in), but an old database may hold some.
    They stay out of the crowd: a forecaster in the crowd and the pseudo-forecaster at
    once would make `score_batch` refuse the whole chunk, and every rescore with it."""
    rows = keep & (forecasts.user == community_id)
    if rows.any():
        logger.warning(
            "Left %d forecasts by the community forecast's system user (id %d) out of "
            "scoring on questions %s: that user is scored only as the community forecast.",
            int(rows.sum()),
            community_id,
            sorted(set(forecasts.question_id[rows].tolist())),
        )
    return rows


def _scored_columns(
    questions: list[Question], forecasts: ForecastArrays, community_id: int
) -> tuple[dict[str, np.ndarray], dict[int, tuple[int, int, int, float | None]]]:
    """Score rows for binary questions resolved yes or no, and per question (forecasts,
    users, scored days, crowd mean)."""
    position = {question.pk: i for i, question in enumerate(questions)}
    windows = QuestionWindows.from_arrays(
        open_time=[_epoch(q.open_time) for q in questions],
        scheduled_close=[_epoch(q.scheduled_close_time) for q in questions],
        actual_close=[_epoch(q.actual_close_time) for q in questions],
    )
    outcome = np.array([1 if q.resolution == Question.Resolution.YES else 0 for q in questions])
    keep = np.isin(forecasts.question_id, list(position))
    keep &= ~_community_rows(forecasts, keep, community_id)
    qpos = np.array([position[q] for q in forecasts.question_id[keep].tolist()], dtype=np.int64)
    user, created, order, p_yes, withdrawn = (
        forecasts.user[keep],
        forecasts.created_at[keep],
        forecasts.order[keep],
        forecasts.p_yes[keep],
        forecasts.withdrawn[keep],
    )

    # The community median, scored like a forecaster who never joins the crowd: a forecast
    # at every change of the median (SCORING.md §5), standing until the next one.
    history = aggregate.community_history(
        question=qpos,
        user=user,
        created_at=created,
        order=order,
        p_yes=p_yes,
        start=windows.open_time,
        end=windows.actual_close,
        methods=[aggregate.MEDIAN],
        withdrawn=withdrawn,
    )
    n_points = len(history)
    # Where every forecaster had withdrawn there is no community forecast either.
    community_gone = history.forecasters == 0
    first_pseudo_order = int(order.max()) + 1 if order.size else 0
    batch = ResolvedForecasts.binary(
        question=np.concatenate([qpos, history.question]),
        user=np.concatenate([user, np.full(n_points, community_id, dtype=np.int64)]),
        created_at=np.concatenate([created, history.time]),
        order=np.concatenate([order, first_pseudo_order + np.arange(n_points)]),
        p_yes=np.concatenate(
            [p_yes, np.where(community_gone, 0.5, history.values[aggregate.MEDIAN])]
        ),
        outcome=outcome,
        in_crowd=np.concatenate([np.ones(qpos.size, bool), np.zeros(n_points, bool)]),
        withdrawn=np.concatenate([withdrawn, community_gone]),
    )
    result = score_batch(batch, windows)
    pairs = result.pairs
    columns = _pair_columns(questions, pairs)
    claims = _claim_forecasts(questions, windows)
    if claims is not None:
        crowd_rows = (qpos, user, created, order, p_yes, withdrawn)
        extra = _pair_columns(questions, _claim_pairs(claims, crowd_rows, outcome, windows))
        columns = {name: np.concatenate([columns[name], extra[name]]) for name in columns}
    crowd = pairs.in_crowd
    forecast_counts = np.bincount(
        pairs.question[crowd], weights=pairs.forecasts[crowd], minlength=len(questions)
    )
    user_counts = np.bincount(pairs.question[crowd], minlength=len(questions))
    summary = {
        q.pk: (
            int(forecast_counts[i]),
            int(user_counts[i]),
            int(result.scored_days[i]),
            None if np.isnan(result.crowd_mean[i]) else float(result.crowd_mean[i]),
        )
        for i, q in enumerate(questions)
    }
    return columns, summary


def _pair_columns(questions: list[Question], pairs: PairScores) -> dict[str, np.ndarray]:
    columns = {
        "question_id": np.array([q.pk for q in questions], dtype=np.int64)[pairs.question],
        "user_id": pairs.user,
        "forecasts": pairs.forecasts,
        "active_days": pairs.active_days,
        "participation": pairs.participation,
        "coverage": pairs.coverage,
    }
    for rule in registry.rules():
        columns.setdefault(rule.column, getattr(pairs, rule.core_field))
    return columns


@dataclass(frozen=True)
class ClaimForecasts:
    """The constant forecasts of articles' direct claims, one per (question, article):
    the question's position, the article forecaster's user id, from when it stands and
    its probability of Yes."""

    question: np.ndarray
    user: np.ndarray
    created_at: np.ndarray
    p_yes: np.ndarray


def _claim_forecasts(questions: list[Question], windows: QuestionWindows) -> ClaimForecasts | None:
    """Every accepted claim with a range that a question links to directly stands as its
    article's forecast on that question: the range's midpoint, toward Yes or No by the
    link's direction, from the later of the article's publication (its first second, UTC)
    and the question's open until the close. One forecast per article and question: if
    an article has two direct claims on one question, the earlier in its text."""
    position = {question.pk: i for i, question in enumerate(questions)}
    links = (
        ClaimLink.objects.filter(
            question_id__in=list(position),
            kind=ClaimLink.Kind.DIRECT,
            claim__status=Claim.Status.ACCEPTED,
            claim__low__isnull=False,
            claim__high__isnull=False,
        )
        .order_by("question_id", "claim__article_id", "claim__start", "claim_id")
        .values_list(
            "question_id",
            "direction",
            "claim__low",
            "claim__high",
            "claim__article_id",
            "claim__article__publication_date",
        )
    )
    chosen: dict[tuple[int, int], tuple[str, float, float, int]] = {}
    for question_id, direction, low, high, article_id, day in links:
        if low is None or high is None:  # filtered out above; for the type checker
            continue
        start = _epoch(datetime(day.year, day.month, day.day, tzinfo=UTC))
        chosen.setdefault((question_id, article_id), (direction, low, high, start))
    if not chosen:
        return None
    forecasters = article_forecasters_ensure(article_ids={article for _, article in chosen})
    qpos = np.array([position[question_id] for question_id, _ in chosen], dtype=np.int64)
    starts = np.array([value[3] for value in chosen.values()], dtype=np.int64)
    return ClaimForecasts(
        question=qpos,
        user=np.array([forecasters[article] for _, article in chosen], dtype=np.int64),
        created_at=np.maximum(starts, windows.open_time[qpos]),
        p_yes=np.array(
            [question_side_probability(low, high, d) for d, low, high, _ in chosen.values()],
            dtype=np.float64,
        ),
    )


def _claim_pairs(
    claims: ClaimForecasts,
    crowd: tuple[np.ndarray, ...],
    outcome: np.ndarray,
    windows: QuestionWindows,
) -> PairScores:
    """The claims' scores, from a batch of their own: the crowd's forecasts on the same
    questions with the claims beside them, never in the crowd. Scored apart from the
    crowd's batch, so that no forecaster's score moves by a rounding when a claim is
    linked (a pseudo-forecaster's moments cut the peer rule's pieces of time)."""
    qpos, user, created, order, p_yes, withdrawn = crowd
    # An article's user never forecasts (it cannot log in); should a row of one arrive
    # all the same, it stays out rather than be both crowd and claim.
    keep = np.isin(qpos, claims.question) & ~np.isin(user, claims.user)
    n = claims.question.size
    first_pseudo_order = int(order.max()) + 1 if order.size else 0
    batch = ResolvedForecasts.binary(
        question=np.concatenate([qpos[keep], claims.question]),
        user=np.concatenate([user[keep], claims.user]),
        created_at=np.concatenate([created[keep], claims.created_at]),
        order=np.concatenate([order[keep], first_pseudo_order + np.arange(n)]),
        p_yes=np.concatenate([p_yes[keep], claims.p_yes]),
        outcome=outcome,
        in_crowd=np.concatenate([np.ones(int(keep.sum()), bool), np.zeros(n, bool)]),
        withdrawn=np.concatenate([withdrawn[keep], np.zeros(n, bool)]),
    )
    pairs = score_batch(batch, windows).pairs
    mine = ~pairs.in_crowd
    return PairScores(
        **{f.name: getattr(pairs, f.name)[mine] for f in fields(PairScores)},
    )


def questions_score(*, question_ids: Sequence[int]) -> ScoringOutcome:
    """Rebuild every score of the given questions from their forecasts and resolutions,
    in one transaction; mark the leaderboard and calibration scopes they touch (before
    and after) as needing a rebuild."""
    community_id = community_user().pk
    with transaction.atomic():
        # Serialise scorers of the same questions (in id order, so two chunks never
        # deadlock): a correction arriving while a previous run is writing waits for it,
        # then overwrites it.
        questions = list(
            Question.objects.select_for_update(of=("self",))
            .filter(pk__in=list(question_ids))
            .select_related("article")
            .prefetch_related("tags", "projects")
            .order_by("pk")
        )
        ids = [q.pk for q in questions]
        latest_event = {}
        for event in ResolutionEvent.objects.filter(question_id__in=ids).order_by(
            "question_id", "created_at", "id"
        ):
            latest_event[event.question_id] = event.pk
        previous_scopes = dict(
            QuestionScoring.objects.filter(question_id__in=ids).values_list("question_id", "scopes")
        )
        scorable = [q for q in questions if q.is_scorable and q.type == Question.Type.BINARY]
        # Every question's forecasts, so each records how many it had (`forecasts_seen`);
        # the scoring keeps those of the scorable questions.
        forecasts = forecast_arrays(question_ids=ids)
        seen = Counter(forecasts.question_id[~forecasts.withdrawn].tolist())
        columns, summary = (
            _scored_columns(scorable, forecasts, community_id) if scorable else ({}, {})
        )

        Score.objects.filter(question_id__in=ids).delete()
        written = insert_arrays(Score, columns) if columns else 0

        groups = _groups_of_forecasters(ids)
        now = timezone.now()
        QuestionScoring.objects.filter(question_id__in=ids).delete()
        scopes: set[str] = set()
        records = []
        for question in questions:
            forecasts_scored, users_scored, days, crowd_mean = summary.get(
                question.pk, (0, 0, 0, None)
            )
            current = scopes_of_question(question, groups=groups.get(question.pk, []))
            scopes.update(current, previous_scopes.get(question.pk, []))
            records.append(
                QuestionScoring(
                    question=question,
                    resolution_event_id=latest_event.get(question.pk),
                    scored_at=now,
                    forecasts_scored=forecasts_scored,
                    forecasts_seen=seen[question.pk],
                    users_scored=users_scored,
                    scored_days=days,
                    crowd_mean=crowd_mean,
                    scopes=current,
                )
            )
        QuestionScoring.objects.bulk_create(records)
        scopes_mark_dirty(scopes=scopes, now=now)
    return ScoringOutcome(
        questions=len(questions),
        forecasts_scored=sum(s[0] for s in summary.values()),
        users_scored=sum(s[1] for s in summary.values()),
        rows_written=written,
    )


def question_score(*, question_id: int) -> ScoringOutcome:
    """Rebuild every score of one question; raises Question.DoesNotExist if it is gone."""
    outcome = questions_score(question_ids=[question_id])
    if outcome.questions == 0:
        raise Question.DoesNotExist(f"No question with id {question_id}.")
    return outcome


def _groups_of_forecasters(question_ids: Sequence[int]) -> dict[int, list[str]]:
    """For each question, the user groups with a member who forecast on it."""
    by_question: dict[int, list[str]] = {}
    rows = (
        Group.objects.filter(user__forecasts__question_id__in=list(question_ids))
        .values_list("user__forecasts__question_id", "name")
        .distinct()
    )
    for question_id, name in rows:
        by_question.setdefault(question_id, []).append(name)
    return by_question


def scopes_mark_dirty(
    *, scopes: set[str] | list[str], now: datetime | None = None, announce: bool = True
) -> bool:
    """Mark scopes as needing a rebuild; True if any was clean (so a rebuild is asked
    for once the transaction commits), False if every one was already waiting for the
    rebuild in flight. `announce=False` asks for nothing: the caller rebuilds them."""
    now = now or timezone.now()
    scopes = sorted(set(scopes))
    existing = set(
        MaterializedScope.objects.filter(scope__in=scopes).values_list("scope", flat=True)
    )
    MaterializedScope.objects.bulk_create(
        [
            MaterializedScope(scope=s, dirty=True, requested_at=now)
            for s in scopes
            if s not in existing
        ],
        ignore_conflicts=True,
    )
    flipped = MaterializedScope.objects.filter(scope__in=scopes, dirty=False).update(
        dirty=True, requested_at=now
    )
    if flipped > 0 or len(existing) < len(scopes):
        if announce:
            after_commit.scopes_dirty()
        return True
    return False


def questions_needing_scores() -> list[int]:
    """Resolved questions whose scores are missing, older than their latest resolution
    event, or built from fewer forecasts than the question has now (history imported
    since): what the sweep rescores after a lost task."""
    latest_event = (
        ResolutionEvent.objects.filter(question=OuterRef("pk"))
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    forecasts_now = (
        Forecast.objects.filter(question=OuterRef("pk"))
        .order_by()
        .values("question")
        .annotate(count=Count("pk"))
        .values("count")
    )
    # A claim linked, relinked or edited since the scores were built: a new link is newer
    # than the scores, and a link that changes kind or side touches its claim
    # (`claims.services.provenance`).
    claims_since = ClaimLink.objects.filter(question=OuterRef("pk")).filter(
        Q(created_at__gt=OuterRef("scoring__scored_at"))
        | Q(claim__updated_at__gt=OuterRef("scoring__scored_at"))
    )
    return list(
        Question.objects.resolved()
        .annotate(
            latest_event_id=Subquery(latest_event),
            forecasts_now=Coalesce(Subquery(forecasts_now), 0),
        )
        .filter(
            Q(scoring__isnull=True)
            | Q(scoring__resolution_event__isnull=True)
            | ~Q(scoring__resolution_event_id=F("latest_event_id"))
            | Q(scoring__forecasts_seen__lt=F("forecasts_now"))
            | Q(
                Exists(claims_since),
                resolution__in=[Question.Resolution.YES, Question.Resolution.NO],
            )
        )
        .values_list("pk", flat=True)
        .order_by("pk")
    )
