"""Reads for forecasts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Floor, Least
from django.utils import timezone

from accounts.models import User
from accounts.roles import is_analyst
from common.db import count_subquery
from forecasts.models import CommunityPoint, CommunityState, Forecast, Withdrawal
from questions.models import Question
from questions.selectors import questions_open_first, questions_search


def withdrawn_since(*, before: datetime | None = None) -> QuerySet[Withdrawal]:
    """Withdrawals of the outer forecast's user on its question made after it (and before
    `before` when given): a forecast with one stands no more."""
    later = Withdrawal.objects.filter(
        question=OuterRef("question"),
        user=OuterRef("user"),
        created_at__gte=OuterRef("created_at"),
    )
    if before is not None:
        later = later.filter(created_at__lt=before)
    return later


def standing_forecasts(*, question: Question, before: datetime | None = None) -> QuerySet[Forecast]:
    """Each user's latest forecast on `question`, counting only forecasts made
    strictly before `before` when given (a forecast made at the close does not
    stand: SCORING.md §1), unless they withdrew it (before `before`)."""
    forecasts = Forecast.objects.filter(question=question)
    if before is not None:
        forecasts = forecasts.filter(created_at__lt=before)
    newer = Forecast.objects.filter(question=question, user=OuterRef("user")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    if before is not None:
        newer = newer.filter(created_at__lt=before)
    return forecasts.filter(~Exists(newer)).filter(~Exists(withdrawn_since(before=before)))


def standing_forecast_of(
    *, user: Any, question: Question, at: datetime | None = None
) -> Forecast | None:
    """The user's standing forecast on `question`: their latest, unless they withdrew it
    since (None then, as before their first forecast). With `at`, the one they held at
    that moment: forecasts and withdrawals made up to and including `at` count."""
    # Times are kept to the microsecond: strictly before the next one is up to `at`.
    before = None if at is None else at + timedelta(microseconds=1)
    return standing_forecasts(question=question, before=before).filter(user=user).first()


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a forecaster's history on a question: a forecast (perhaps a reaffirm)
    or a withdrawal (`probability` None)."""

    kind: str
    """"forecast", "reaffirmed" or "withdrawn"."""
    created_at: datetime
    probability: float | None
    rationale: str
    origin_label: str

    @property
    def withdrawn(self) -> bool:
        return self.kind == "withdrawn"

    @property
    def reaffirmed(self) -> bool:
        return self.kind == "reaffirmed"


def forecast_history_from(forecasts: Sequence[Forecast]) -> list[HistoryEntry]:
    """A forecaster's history on one question from their forecasts as `forecasts_of_user`
    gives them (newest first, with `withdrawn_at`): each forecast, marked when it was a
    reaffirm, and a "withdrawn" entry where they withdrew it. No query: every withdrawal
    ends a standing forecast, so the forecasts' `withdrawn_at` hold them all."""
    entries: list[HistoryEntry] = []
    for forecast in forecasts:
        withdrawn_at = getattr(forecast, "withdrawn_at", None)
        if withdrawn_at is not None:
            entries.append(
                HistoryEntry(
                    kind="withdrawn",
                    created_at=withdrawn_at,
                    probability=None,
                    rationale="",
                    origin_label="",
                )
            )
        entries.append(
            HistoryEntry(
                kind="reaffirmed" if forecast.reaffirmed else "forecast",
                created_at=forecast.created_at,
                probability=forecast.probability,
                rationale=forecast.rationale,
                origin_label=forecast.get_origin_display(),
            )
        )
    return entries


@dataclass(frozen=True)
class CommunityForecast:
    median: float | None
    forecasters: int
    hidden: bool = False
    """True when the question keeps the community forecast from this viewer until they
    forecast: `median` is then withheld."""
    updating: bool = False
    """True while forecasts have arrived that the stored value does not count yet (the
    update task is on its way)."""

    def hidden_from_viewer(self) -> CommunityForecast:
        return CommunityForecast(
            median=None, forecasters=self.forecasters, hidden=True, updating=self.updating
        )


def community_forecast(*, question: Question, before: datetime | None = None) -> CommunityForecast:
    """The median of each forecaster's standing probability (SCORING.md §5: the
    mean of the two middle values for an even count)."""
    values = list(
        standing_forecasts(question=question, before=before).values_list("probability", flat=True)
    )
    return CommunityForecast(median=median(values) if values else None, forecasters=len(values))


# SCORING.md §1: a forecast made at or after the actual close (the earlier of
# the scheduled close and `known_at`) does not stand.
_BEFORE_CLOSE = Q(created_at__lt=F("question__scheduled_close_time")) & (
    Q(question__known_at__isnull=True) | Q(created_at__lt=F("question__known_at"))
)


def _standing_before_close(forecasts: QuerySet[Forecast]) -> QuerySet[Forecast]:
    """Of `forecasts`, each forecaster's latest made before their question's actual close,
    unless they withdrew it before the close: the forecasts the community median counts."""
    newer = (
        Forecast.objects.filter(question=OuterRef("question"), user=OuterRef("user"))
        .filter(_BEFORE_CLOSE)
        .filter(
            Q(created_at__gt=OuterRef("created_at"))
            | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
        )
    )
    return (
        forecasts.filter(_BEFORE_CLOSE)
        .filter(~Exists(newer))
        .filter(~Exists(withdrawn_since().filter(_BEFORE_CLOSE)))
    )


def community_forecasts(*, questions: Sequence[Question]) -> dict[int, CommunityForecast]:
    """The community median and forecaster count of each question, by id, as the update
    task stored them with the question's history (`CommunityState.median`): one small
    query for a page of questions, whatever their number of forecasts, and the same value
    the chart's last point shows. A question whose history was never built (forecasts
    written by a path that asked for no update: the community sweep builds it within a
    sweep period) is computed from its forecasts instead."""
    ids = [question.pk for question in questions]
    stored = {
        question_id: CommunityForecast(median=value, forecasters=count, updating=pending)
        for question_id, value, count, pending in CommunityState.objects.filter(
            question_id__in=ids, updated_at__isnull=False
        ).values_list("question_id", "median", "forecasters", "pending")
    }
    never_built = [question_id for question_id in ids if question_id not in stored]
    return {**_community_forecasts_live(ids=never_built), **stored}


def community_now(*, question: Question) -> CommunityForecast:
    """One question's community forecast as `community_forecasts` gives it, read from the
    state `select_related("community_state")` brought along: no query once the history
    is built."""
    try:
        state = question.community_state
    except ObjectDoesNotExist:
        state = None
    if state is not None and state.updated_at is not None:
        return CommunityForecast(
            median=state.median, forecasters=state.forecasters, updating=state.pending
        )
    return _community_forecasts_live(ids=[question.pk])[question.pk]


def _community_forecasts_live(*, ids: list[int]) -> dict[int, CommunityForecast]:
    """`community_forecasts` computed from the forecasts (standing before each question's
    actual close): for questions whose history was never built."""
    result = {question_id: CommunityForecast(median=None, forecasters=0) for question_id in ids}
    if not ids:
        return result
    standing = (
        _standing_before_close(Forecast.objects.filter(question_id__in=ids))
        .order_by()
        .values_list("question_id", "probability")
    )
    by_question: dict[int, list[float]] = defaultdict(list)
    for question_id, probability in standing:
        by_question[question_id].append(probability)
    for question_id, values in by_question.items():
        result[question_id] = CommunityForecast(median=median(values), forecasters=len(values))
    return result


def latest_forecasts_on_unresolved(*, user: User, tag: str = "") -> list[Forecast]:
    """The user's newest forecast on each question not yet resolved (optionally only the
    questions tagged `tag`), soonest close first, in one query; `withdrawn_at` is set
    on those the user has withdrawn."""
    newer = Forecast.objects.filter(user=user, question=OuterRef("question")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    latest = Forecast.objects.filter(user=user, question__resolution="").filter(~Exists(newer))
    if tag:
        latest = latest.filter(
            Exists(
                Question.tags.through.objects.filter(question=OuterRef("question"), tag__slug=tag)
            )
        )
    return list(
        with_withdrawn_at(latest)
        .select_related("question")
        .order_by("question__scheduled_close_time", "question_id")
    )


def forecasts_of_user(*, user: User, question: Question | None = None) -> QuerySet[Forecast]:
    """The user's forecasts, newest first, each with `withdrawn_at`: when the user withdrew
    it (None while it stood until their next forecast, or stands still)."""
    forecasts = Forecast.objects.filter(user=user).select_related("question")
    if question is not None:
        forecasts = forecasts.filter(question=question)
    return with_withdrawn_at(forecasts).order_by("-created_at", "-id")


def with_withdrawn_at(forecasts: QuerySet[Forecast]) -> QuerySet[Forecast]:
    """Annotate each forecast with `withdrawn_at`: its forecaster's first withdrawal on the
    question after it and before their next forecast there, or None."""
    # A forecast of the same user and question between the outer forecast and the
    # withdrawal: the withdrawal then ended that one, not the outer one.
    between = Forecast.objects.filter(
        question=OuterRef("question"),
        user=OuterRef("user"),
        created_at__gt=OuterRef(OuterRef("created_at")),
        created_at__lte=OuterRef("created_at"),
    )
    withdrawal = (
        Withdrawal.objects.filter(
            question=OuterRef("question"),
            user=OuterRef("user"),
            created_at__gte=OuterRef("created_at"),
        )
        .filter(~Exists(between))
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    return forecasts.annotate(withdrawn_at=Subquery(withdrawal))


def community_visible(*, question: Question, user: Any, has_forecast: bool, now: datetime) -> bool:
    """Whether `user` may see the question's community forecast. A question may hide it
    until the user has forecast (anti-anchoring); once forecasting is over (closed or
    resolved) everyone sees it, and analysts and staff always do."""
    if not question.hide_community_until_forecast or has_forecast:
        return True
    if question.status_at(now) in (Question.Status.CLOSED, Question.Status.RESOLVED):
        return True
    return is_analyst(user)


def questions_forecast_by(*, user: Any, questions: Sequence[Question]) -> set[int]:
    """Which of `questions` the user has forecast on (one query; none when anonymous)."""
    if not user.is_authenticated or not questions:
        return set()
    return set(
        Forecast.objects.filter(user=user, question__in=[q.pk for q in questions])
        .values_list("question_id", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class CommunityHistoryPoint:
    x: datetime
    y: float | None
    """None from a moment every forecaster had withdrawn: no community forecast then."""
    forecasters: int


def community_history_for(
    *,
    question: Question,
    method: str,
    since: datetime | None = None,
    until: datetime | None = None,
    max_points: int | None = None,
) -> list[CommunityHistoryPoint]:
    """The stored history of one method, oldest first; each value holds until the next
    point. `max_points` thins it by keeping the last point of each equal slice of time (a
    step line drawn through them shows the value standing at each slice's end)."""
    points = CommunityPoint.objects.filter(question=question)
    if since is not None:
        # The point holding at `since` starts before it.
        holding = points.filter(at__lte=since).order_by("-at").values_list("at", flat=True)[:1]
        points = points.filter(at__gte=Subquery(holding)) if holding.exists() else points
    if until is not None:
        points = points.filter(at__lt=until)
    rows = [
        # insert_arrays writes NaN as NULL, so a stored value is a number or None.
        CommunityHistoryPoint(x=at, y=None if n == 0 else value, forecasters=n)
        for at, value, n in points.order_by("at").values_list("at", method, "forecasters")
    ]
    if max_points is None or len(rows) <= max_points:
        return rows
    # The first point, then the last point of each of max_points - 1 equal slices of the
    # time after it (the last point of all closes the last slice).
    first, last = rows[0].x.timestamp(), rows[-1].x.timestamp()
    slices = max_points - 1
    width = (last - first) / slices
    kept: dict[int, CommunityHistoryPoint] = {}
    for row in rows[1:]:
        kept[min(slices - 1, int((row.x.timestamp() - first) // width)) if width else 0] = row
    return [rows[0], *kept.values()]


# Points at most in the question page's chart of the community median.
CHART_POINTS = 300


def community_chart_rows(*, question: Question) -> list[list[Any]]:
    """The median's history thinned to CHART_POINTS, as CommunityState.chart keeps it."""
    return [
        [point.x.isoformat(), point.y, point.forecasters]
        for point in community_history_for(
            question=question, method="median", max_points=CHART_POINTS
        )
    ]


def community_chart_for(*, question: Question) -> list[CommunityHistoryPoint]:
    """The median's history thinned for a chart: as the update task stored it beside the
    history (select_related("community_state") makes this free), or thinned from the
    points when nothing is stored yet."""
    try:
        stored = question.community_state.chart
    except ObjectDoesNotExist:
        stored = None
    if stored is None:
        return community_history_for(question=question, method="median", max_points=CHART_POINTS)
    return [
        CommunityHistoryPoint(x=datetime.fromisoformat(at), y=value, forecasters=n)
        for at, value, n in stored
    ]


def community_forecasts_for_viewer(
    *, questions: Sequence[Question], user: Any, now: datetime
) -> dict[int, CommunityForecast]:
    """`community_forecasts` with each question's hide-until-you-forecast rule applied for
    `user`: two more queries at most, however many questions."""
    community = community_forecasts(questions=questions)
    hiding = [q for q in questions if q.hide_community_until_forecast]
    if hiding:
        mine = questions_forecast_by(user=user, questions=hiding)
        for question in hiding:
            if not community_visible(
                question=question, user=user, has_forecast=question.pk in mine, now=now
            ):
                community[question.pk] = community[question.pk].hidden_from_viewer()
    return community


# --- The question list: filters and sorts ---------------------------------------------

STATUS_ALL = "all"
SORT_DEFAULT = ""
SORT_NEWEST = "newest"
SORT_FORECASTERS = "forecasters"
SORT_RECENT = "recent"
CLOSING_SOON = timedelta(days=7)


@dataclass(frozen=True)
class QuestionListFilters:
    """What the question list is narrowed and ordered by. `q` is searched as
    `questions_search` does; `status` is a `Question.Status` or STATUS_ALL; `tag` and
    `article` are slugs, empty for any; `unforecast` applies only to a signed-in user."""

    q: str = ""
    status: str = STATUS_ALL
    tag: str = ""
    article: str = ""
    sort: str = SORT_DEFAULT
    closing_soon: bool = False
    unforecast: bool = False


def _standing_forecasts_of_outer_question() -> QuerySet[Forecast]:
    """Forecasts on the outer query's question made before its actual close, the ones
    its community forecast counts (SCORING.md §1)."""
    return Forecast.objects.filter(
        question=OuterRef("pk"),
        created_at__lt=OuterRef("scheduled_close_time"),
    ).filter(
        created_at__lt=Coalesce(OuterRef("known_at"), OuterRef("scheduled_close_time")),
    )


def _list_sorted(questions: QuerySet[Question], *, sort: str, now: datetime) -> QuerySet[Question]:
    if sort == SORT_NEWEST:
        return questions.order_by("-published_at", "-id")
    if sort == SORT_FORECASTERS:
        # People, not forecasts: someone who forecast ten times counts once.
        forecasters = count_subquery(_standing_forecasts_of_outer_question(), "user", distinct=True)
        return questions.annotate(forecaster_count=forecasters).order_by(
            "-forecaster_count", "scheduled_close_time", "id"
        )
    if sort == SORT_RECENT:
        latest = (
            Forecast.objects.filter(question=OuterRef("pk"))
            .order_by("-created_at", "-id")
            .values("created_at")[:1]
        )
        return questions.annotate(last_forecast_at=Subquery(latest)).order_by(
            F("last_forecast_at").desc(nulls_last=True), "scheduled_close_time", "id"
        )
    return questions_open_first(questions=questions, now=now)


def questions_for_list(
    *, filters: QuestionListFilters, user: Any, now: datetime
) -> QuerySet[Question]:
    """The published questions the list shows for `filters`, in their order, with the
    article and tags each row shows fetched alongside (two queries for a page)."""
    questions = (
        Question.objects.published().select_related("article__outlet").prefetch_related("tags")
    )
    questions = questions_search(questions=questions, text=filters.q)
    if filters.status != STATUS_ALL:
        questions = questions.with_status(filters.status, now)
    if filters.tag:
        questions = questions.filter(tags__slug=filters.tag)
    if filters.article:
        questions = questions.filter(article__slug=filters.article)
    if filters.closing_soon:
        questions = questions.open(now).filter(scheduled_close_time__lte=now + CLOSING_SOON)
    if filters.unforecast and user.is_authenticated:
        questions = questions.filter(
            ~Exists(Forecast.objects.filter(question=OuterRef("pk"), user=user))
        )
    return _list_sorted(questions, sort=filters.sort, now=now)


# --- The staff pages: what waits for resolution, and what a resolution will score --------

SCORED_OUTCOMES = (Question.Resolution.YES, Question.Resolution.NO)


def _forecasts_before_close() -> QuerySet[Forecast]:
    # Unresolved questions close at their scheduled close: a forecast made at
    # that instant or later is not scored (SCORING.md §1).
    return Forecast.objects.filter(
        question=OuterRef("pk"), created_at__lt=OuterRef("scheduled_close_time")
    )


def resolution_queue(*, now: datetime | None = None) -> QuerySet[Question]:
    """Published questions past their scheduled close and not resolved, the
    longest waiting first, with `forecast_count` and `forecaster_count` (made
    before the close) in the same query."""
    now = now or timezone.now()
    return (
        Question.objects.published()
        .closed(now)
        .select_related("article__outlet")
        .annotate(
            forecast_count=count_subquery(_forecasts_before_close(), "id"),
            forecaster_count=count_subquery(_forecasts_before_close(), "user", distinct=True),
        )
        .order_by("scheduled_close_time", "id")
    )


@dataclass(frozen=True)
class ResolutionPreview:
    """What confirming a resolution will do, for the confirmation step."""

    outcome: str
    outcome_label: str
    known_at: datetime
    cutoff: datetime
    closes_early: bool
    forecasts: int
    forecasters: int
    previous_outcome: str
    previous_outcome_label: str
    previous_known_at: datetime | None

    @property
    def scores(self) -> bool:
        return self.outcome in SCORED_OUTCOMES

    @property
    def is_correction(self) -> bool:
        return bool(self.previous_outcome)

    @property
    def previously_scored(self) -> bool:
        return self.previous_outcome in SCORED_OUTCOMES

    @property
    def outcome_changes(self) -> bool:
        return self.outcome != self.previous_outcome

    @property
    def known_at_changes(self) -> bool:
        return self.known_at != self.previous_known_at


def resolution_preview(
    *, question: Question, outcome: str, known_at: datetime
) -> ResolutionPreview:
    """The forecasts a resolution would score: those made before the earlier
    of the scheduled close and `known_at`, counted in one query."""
    cutoff = min(known_at, question.scheduled_close_time)
    counts = Forecast.objects.filter(question=question, created_at__lt=cutoff).aggregate(
        forecasts=Count("id"), forecasters=Count("user", distinct=True)
    )
    return ResolutionPreview(
        outcome=outcome,
        outcome_label=Question.Resolution(outcome).label,
        known_at=known_at,
        cutoff=cutoff,
        closes_early=known_at < question.scheduled_close_time,
        forecasts=counts["forecasts"],
        forecasters=counts["forecasters"],
        previous_outcome=question.resolution,
        previous_outcome_label=question.get_resolution_display() if question.resolution else "",
        previous_known_at=question.known_at,
    )


def forecast_counts_before_close(*, question: Question) -> dict[str, int]:
    """Forecasts and forecasters before the scheduled close, in one query."""
    return Forecast.objects.filter(
        question=question, created_at__lt=question.scheduled_close_time
    ).aggregate(forecasts=Count("id"), forecasters=Count("user", distinct=True))


# --- The spread of standing forecasts --------------------------------------------------

SPREAD_BINS = 10
# Added before flooring so a probability stored as 0.3 (0.29999…) lands in its own bin.
_BIN_EPSILON = 1e-9


@dataclass(frozen=True)
class ForecastSpread:
    """How many forecasters stand in each bin of probability: bin `i` holds probabilities
    from `edges[i]` up to (not including) `edges[i + 1]`; the last bin includes 1."""

    edges: list[float]
    counts: list[int]

    @property
    def forecasters(self) -> int:
        return sum(self.counts)

    @property
    def bins(self) -> list[tuple[float, float, int]]:
        return [(self.edges[i], self.edges[i + 1], count) for i, count in enumerate(self.counts)]


def forecast_spread(*, question: Question, bins: int = SPREAD_BINS) -> ForecastSpread:
    """Each forecaster's standing forecast (as the community median counts them: before the
    actual close) bucketed in `bins` equal bins of probability, counted by the database in
    one query whatever the number of forecasts."""
    rows = (
        _standing_before_close(Forecast.objects.filter(question=question))
        .annotate(
            bin=Least(
                Cast(Floor(F("probability") * bins + _BIN_EPSILON), IntegerField()),
                Value(bins - 1),
            )
        )
        .order_by()
        .values("bin")
        .annotate(n=Count("id"))
        .values_list("bin", "n")
    )
    counts = [0] * bins
    for index, n in rows:
        counts[max(0, min(bins - 1, int(index)))] += n
    return ForecastSpread(edges=[round(i / bins, 4) for i in range(bins + 1)], counts=counts)
