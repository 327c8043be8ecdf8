"""Reads of leaderboards: the materialized boards a page at a time, and the tables computed
from score rows on request (a date window, one forecaster's standing) by the leaderboards'
own code (`scoring.core.leaderboard`, SCORING.md §8)."""

from __future__ import annotations

import itertools
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Value, Window
from django.db.models.functions import Coalesce, Lower, Rank

from accounts.models import User
from claims.models import ArticleForecaster
from common.db import read_arrays
from scoring import registry
from scoring.core.leaderboard import (
    COVERAGE,
    MEAN,
    LeaderboardTable,
    RuleInput,
    leaderboard_tables,
)
from scoring.models import LeaderboardEntry, MaterializedScope, Score
from scoring.scopes import ALL, Scope
from scoring.selectors.scores import community_user_id


def _score_columns() -> tuple[list[str], set[str]]:
    """The Score columns the leaderboards read (every rule's value and weight, by the
    registry) and those of them that may be null."""
    columns: dict[str, bool] = {}
    for rule in registry.rules():
        columns[rule.column] = columns.get(rule.column, False) or rule.nullable
        # Participation is null on a question without a full scored day.
        columns[rule.weight] = columns.get(rule.weight, False) or rule.nullable
    return sorted(columns), {name for name, nullable in columns.items() if nullable}


@dataclass(frozen=True)
class ScopeScores:
    """A scope's Score rows as arrays: question_id, user_id and the columns the rules read
    (a null is NaN)."""

    columns: dict[str, np.ndarray]
    community_id: int

    def __len__(self) -> int:
        return int(self.columns["question_id"].size)


def scope_scores(
    *,
    scope: Scope,
    resolved_after: datetime | None = None,
    resolved_before: datetime | None = None,
) -> ScopeScores:
    """Every score row of the scope's questions (optionally those whose outcome became
    known in [resolved_after, resolved_before)), as arrays, in one query."""
    # Articles' claims are scored like forecasters but ranked with them nowhere: they
    # have their own track records.
    scores = Score.objects.exclude(user_id__in=ArticleForecaster.objects.values("user_id"))
    if scope.kind != "all":
        scores = scores.filter(question__in=scope.questions().values("pk"))
    if resolved_after is not None:
        scores = scores.filter(question__known_at__gte=resolved_after)
    if resolved_before is not None:
        scores = scores.filter(question__known_at__lt=resolved_before)
    # Daily rules are null without an active day: NaN here, skipped by the leaderboard.
    wanted, nullable_columns = _score_columns()
    all_columns = ["question_id", "user_id", *wanted]
    nullable = {name: Coalesce(F(name), Value(float("nan"))) for name in nullable_columns}
    scores = scores.annotate(**{f"{name}_or_nan": value for name, value in nullable.items()})
    names = [f"{name}_or_nan" if name in nullable_columns else name for name in all_columns]
    read = read_arrays(
        scores.order_by(),  # the core does not need the rows in order
        *names,
        kinds={f"{name}_or_nan": "float8" for name in nullable_columns},
    )
    columns = {name: read[key] for name, key in zip(all_columns, names, strict=True)}
    return ScopeScores(columns=columns, community_id=community_user_id() or -1)


def rule_tables(
    scores: ScopeScores,
    *,
    scope: str,
    rules: list[registry.Rule] | None = None,
    min_questions: int | None = None,
    resamples: int | None = None,
) -> dict[registry.Rule, LeaderboardTable]:
    """The tables of the given rules (all by default) for one scope's scores, sharing the
    bootstrap replicates."""
    rules = list(registry.rules()) if rules is None else rules
    tables = leaderboard_tables(
        question=scores.columns["question_id"],
        user=scores.columns["user_id"],
        rules={
            rule.key: RuleInput(
                value=scores.columns[rule.column],
                coverage=scores.columns[rule.weight],
                kind=COVERAGE if rule.divides_by_coverage else MEAN,
                lower_is_better=rule.lower_is_better,
            )
            for rule in rules
        },
        min_questions=(
            settings.FORESEER_LEADERBOARD_MIN_QUESTIONS if min_questions is None else min_questions
        ),
        exclude_from_ranking=[scores.community_id],
        floor=settings.FORESEER_COVERAGE_FLOOR,
        resamples=settings.FORESEER_BOOTSTRAP_RESAMPLES if resamples is None else resamples,
        # The same scope always draws the same replicates: rebuilds are identical.
        seed=zlib.crc32(scope.encode()),
    )
    return {registry.get(key): table for key, table in tables.items()}


def per_question_mean(
    rule: registry.Rule, *, value: float | None, total: float | None, questions: int
) -> float | None:
    """The plain mean of a rule's per-question values. For the mean rules it is the board's
    own figure; for the coverage rules it is the plain sum over the questions scored, which
    the board divides by max(FORESEER_COVERAGE_FLOOR, total coverage) instead: shown beside
    that figure so a newcomer with a few questions sees what they typically scored (a log
    total of -0.8 over 3 questions reads -0.027 on the board, -0.27 per question)."""
    if not rule.divides_by_coverage:
        return value
    if total is None or questions <= 0:
        return None
    return total / questions


@dataclass(frozen=True)
class LeaderboardRow:
    rank: int | None
    username: str
    is_community: bool
    value: float
    total: float | None
    questions: int
    coverage: float
    ci_low: float | None
    ci_high: float | None
    rank_low: int | None
    rank_high: int | None
    per_question_mean: float | None = None
    """The plain mean over the questions scored (see `per_question_mean`)."""


@dataclass(frozen=True)
class LeaderboardPage:
    scope: str
    rule: registry.Rule
    min_questions: int
    rows: list[LeaderboardRow]
    """This page: ranked users by rank, then those below the line."""
    ranked: int
    total: int
    community: LeaderboardRow | None
    built_at: datetime | None
    live: bool
    """Computed on request (a date window) rather than read from the materialized table."""
    rank_intervals: bool
    notes: list[str] = field(default_factory=list)


def _row(
    entry: LeaderboardEntry,
    *,
    rule: registry.Rule,
    rank: int | None,
    intervals: bool,
    names: dict[int, str],
) -> LeaderboardRow:
    return LeaderboardRow(
        rank=rank,
        username=names.get(entry.user_id, ""),
        is_community=entry.is_community,
        value=entry.value,
        total=entry.total,
        questions=entry.questions,
        coverage=entry.coverage,
        ci_low=entry.ci_low,
        ci_high=entry.ci_high,
        rank_low=entry.rank_low if intervals else None,
        rank_high=entry.rank_high if intervals else None,
        per_question_mean=per_question_mean(
            rule, value=entry.value, total=entry.total, questions=entry.questions
        ),
    )


def leaderboard_for(
    *,
    scope: Scope,
    rule: registry.Rule,
    min_questions: int | None = None,
    offset: int = 0,
    limit: int = 50,
    resolved_after: datetime | None = None,
    resolved_before: datetime | None = None,
) -> LeaderboardPage:
    """A page of the leaderboard: ranked users (rank 1 first), then those with fewer than
    `min_questions` below the line; the community forecast apart."""
    default_min = settings.FORESEER_LEADERBOARD_MIN_QUESTIONS
    min_questions = default_min if min_questions is None else min_questions
    if resolved_after is not None or resolved_before is not None:
        return _live_leaderboard(
            scope=scope,
            rule=rule,
            min_questions=min_questions,
            offset=offset,
            limit=limit,
            resolved_after=resolved_after,
            resolved_before=resolved_before,
        )
    key = str(scope)
    # Ties are listed by user id, not name: ordering by name would join every entry of the
    # board to its user; the page's names are read afterwards, in one small query.
    entries = LeaderboardEntry.objects.filter(scope=key, rule=rule.key)
    people = entries.filter(is_community=False)
    best_first = F("value").asc() if rule.lower_is_better else F("value").desc()
    stored_ranks = min_questions == default_min
    above_line = _line(stored_ranks=stored_ranks, min_questions=min_questions)
    if stored_ranks:
        ranked_rows = people.filter(above_line).order_by("rank", "user_id")
    else:
        # Another line than the one materialized: the users above it in value order; their
        # ranks follow from the page's positions (see _ranks_from_positions).
        ranked_rows = people.filter(above_line).order_by(best_first, "user_id")
    counts = people.aggregate(ranked=Count("pk", filter=above_line), everyone=Count("pk"))
    ranked = counts["ranked"]
    page = _page(
        ranked_rows,
        people.exclude(above_line).order_by(best_first, "user_id"),
        ranked=ranked,
        offset=offset,
        limit=limit,
        ranks=lambda above: (
            [entry.rank for entry in above]
            if stored_ranks
            else _ranks_from_positions(above, offset, ranked_rows, rule)
        ),
    )
    community_entry = entries.filter(is_community=True).first()
    names = _names(page, also=[community_entry.user_id] if community_entry else [])
    rows = [
        _row(entry, rule=rule, rank=rank, intervals=stored_ranks and rank is not None, names=names)
        for entry, rank in page
    ]
    built = MaterializedScope.objects.filter(scope=key).values_list("built_at", flat=True).first()
    return LeaderboardPage(
        scope=key,
        rule=rule,
        min_questions=min_questions,
        rows=rows,
        ranked=ranked,
        total=counts["everyone"],
        community=(
            _row(community_entry, rule=rule, rank=None, intervals=False, names=names)
            if community_entry
            else None
        ),
        built_at=built,
        live=False,
        rank_intervals=stored_ranks,
    )


def leaderboard_row_of(
    *, scope: Scope, rule: registry.Rule, user: User, min_questions: int | None = None
) -> LeaderboardRow | None:
    """One forecaster's row of the materialized board, wherever it falls in the pages:
    their rank at the line (None below it, ranks as `leaderboard_for` gives them), or None
    when they are not on the board. One query, two at another line than the stored one."""
    default_min = settings.FORESEER_LEADERBOARD_MIN_QUESTIONS
    min_questions = default_min if min_questions is None else min_questions
    stored_ranks = min_questions == default_min
    people = LeaderboardEntry.objects.filter(scope=str(scope), rule=rule.key, is_community=False)
    entry = people.filter(user=user).first()
    if entry is None:
        return None
    rank: int | None
    if stored_ranks:
        rank = entry.rank
    elif entry.questions >= min_questions:
        above = people.filter(_line(stored_ranks=False, min_questions=min_questions))
        (rank,) = _ranks_from_positions([entry], 0, above, rule)
    else:
        rank = None
    return _row(
        entry,
        rule=rule,
        rank=rank,
        intervals=stored_ranks and rank is not None,
        names={user.pk: user.username},
    )


def _line(*, stored_ranks: bool, min_questions: int) -> Q:
    """Who is above the minimum-participation line: the materialized ranks at the default
    line, the number of questions at any other."""
    return Q(rank__isnull=False) if stored_ranks else Q(questions__gte=min_questions)


def _page(
    above: QuerySet[LeaderboardEntry],
    below: QuerySet[LeaderboardEntry],
    *,
    ranked: int,
    offset: int,
    limit: int,
    ranks: Callable[[list[LeaderboardEntry]], Sequence[int | None]],
) -> list[tuple[LeaderboardEntry, int | None]]:
    """One page of a board read in the given orders: the ranked users (`ranked` of them,
    each with the rank `ranks` gives it), then those below the line, unranked."""
    page: list[tuple[LeaderboardEntry, int | None]] = []
    if offset < ranked:
        entries = list(above[offset : offset + limit])
        page.extend(zip(entries, ranks(entries), strict=True))
    if len(page) < limit:
        start = max(0, offset - ranked)
        page.extend((entry, None) for entry in below[start : start + limit - len(page)])
    return page


def _names(page: list[tuple[LeaderboardEntry, int | None]], also: list[int]) -> dict[int, str]:
    """The page's usernames in one query (boards are ordered by user id, never by name,
    so reading them costs no join)."""
    ids = [entry.user_id for entry, _ in page] + also
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "username"))


def _ranks_from_positions(
    page: list[LeaderboardEntry], offset: int, ranked_rows: QuerySet, rule: registry.Rule
) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of a page of entries in value order, as SQL's RANK()
    would give them, without ranking the whole board: the first entry's rank is one more
    than the number of entries strictly better, and each next entry takes its position's
    rank unless it ties with the one before."""
    if not page:
        return []
    better = Q(value__lt=page[0].value) if rule.lower_is_better else Q(value__gt=page[0].value)
    ranks = [ranked_rows.filter(better).count() + 1]
    for position, (previous, entry) in enumerate(itertools.pairwise(page), start=offset + 1):
        ranks.append(ranks[-1] if entry.value == previous.value else position + 1)
    return ranks


def _live_leaderboard(
    *,
    scope: Scope,
    rule: registry.Rule,
    min_questions: int,
    offset: int,
    limit: int,
    resolved_after: datetime | None,
    resolved_before: datetime | None,
) -> LeaderboardPage:
    scores = scope_scores(
        scope=scope, resolved_after=resolved_after, resolved_before=resolved_before
    )
    after = resolved_after.isoformat() if resolved_after else ""
    before = resolved_before.isoformat() if resolved_before else ""
    window = f"{after}..{before}"
    table = rule_tables(
        scores,
        scope=f"{scope}|{window}",
        rules=[rule],
        min_questions=min_questions,
        resamples=settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES,
    )[rule]
    names = dict(User.objects.filter(pk__in=table.user.tolist()).values_list("pk", "username"))

    def number(value: float) -> float | None:
        return None if value != value else float(value)  # NaN -> None

    all_rows = [
        LeaderboardRow(
            rank=int(table.rank[i]) or None,
            username=names.get(int(table.user[i]), ""),
            is_community=int(table.user[i]) == scores.community_id,
            value=float(table.value[i]),
            total=number(table.total[i]),
            questions=int(table.questions[i]),
            coverage=float(table.coverage[i]),
            ci_low=number(table.ci_low[i]),
            ci_high=number(table.ci_high[i]),
            rank_low=int(table.rank_low[i]) or None,
            rank_high=int(table.rank_high[i]) or None,
            per_question_mean=per_question_mean(
                rule,
                value=float(table.value[i]),
                total=number(table.total[i]),
                questions=int(table.questions[i]),
            ),
        )
        for i in range(len(table))
    ]
    community = next((row for row in all_rows if row.is_community), None)
    people = [row for row in all_rows if not row.is_community]
    return LeaderboardPage(
        scope=str(scope),
        rule=rule,
        min_questions=min_questions,
        rows=people[offset : offset + limit],
        ranked=sum(1 for row in people if row.rank is not None),
        total=len(people),
        community=community,
        built_at=None,
        live=True,
        rank_intervals=True,
        notes=[
            f"Computed on request with {settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES} "
            "bootstrap replicates."
        ],
    )


LEADERBOARD_SORTS = ("rank", "name", "questions")


def leaderboard_sorted_for(
    *,
    scope: Scope,
    rule: registry.Rule,
    sort: str = "rank",
    descending: bool = False,
    min_questions: int | None = None,
    offset: int = 0,
    limit: int = 50,
    resolved_after: datetime | None = None,
    resolved_before: datetime | None = None,
) -> LeaderboardPage:
    """`leaderboard_for` in another order: by rank (best first; worst first with
    `descending`), by name, or by the number of questions scored. Ranked users still come
    first and those below the line after them, each part in the chosen order, so the line
    stays where it is whatever the order."""
    if sort not in LEADERBOARD_SORTS:
        raise ValueError(f"sort must be one of {', '.join(LEADERBOARD_SORTS)}, got {sort!r}")
    if sort == "rank" and not descending:
        return leaderboard_for(
            scope=scope,
            rule=rule,
            min_questions=min_questions,
            offset=offset,
            limit=limit,
            resolved_after=resolved_after,
            resolved_before=resolved_before,
        )
    if resolved_after is not None or resolved_before is not None:
        # A window is computed on request with every row in memory: sort them here.
        board = leaderboard_for(
            scope=scope,
            rule=rule,
            min_questions=min_questions,
            offset=0,
            limit=10**9,
            resolved_after=resolved_after,
            resolved_before=resolved_before,
        )
        rows = _rows_sorted(board.rows, rule=rule, sort=sort, descending=descending)
        return replace(board, rows=rows[offset : offset + limit])
    return _materialized_sorted(
        scope=scope,
        rule=rule,
        sort=sort,
        descending=descending,
        min_questions=min_questions,
        offset=offset,
        limit=limit,
    )


def _rows_sorted(
    rows: list[LeaderboardRow], *, rule: registry.Rule, sort: str, descending: bool
) -> list[LeaderboardRow]:
    """A whole board's rows in the chosen order: the ranked ones, then those below the
    line; ties by name."""
    better = 1.0 if rule.lower_is_better else -1.0
    keys: dict[str, Callable[[LeaderboardRow], tuple[Any, ...]]] = {
        "rank": lambda row: (better * row.value, row.username),
        "name": lambda row: (row.username.lower(), row.username),
        "questions": lambda row: (row.questions, -better * row.value, row.username),
    }
    ranked = sorted(
        (row for row in rows if row.rank is not None), key=keys[sort], reverse=descending
    )
    below = sorted((row for row in rows if row.rank is None), key=keys[sort], reverse=descending)
    return ranked + below


def _materialized_sorted(
    *,
    scope: Scope,
    rule: registry.Rule,
    sort: str,
    descending: bool,
    min_questions: int | None,
    offset: int,
    limit: int,
) -> LeaderboardPage:
    """A page of the materialized board read in the chosen order by the database."""
    # The board's counts, community row and build time, without its rows.
    board = leaderboard_for(scope=scope, rule=rule, min_questions=min_questions, limit=0)
    stored_ranks = board.min_questions == settings.FORESEER_LEADERBOARD_MIN_QUESTIONS
    people = LeaderboardEntry.objects.filter(scope=str(scope), rule=rule.key, is_community=False)
    above_line = _line(stored_ranks=stored_ranks, min_questions=board.min_questions)
    above = people.filter(above_line)
    below_line = people.exclude(above_line)
    if not stored_ranks:
        # Another line than the materialized one: ranks among the users above it, as SQL's
        # RANK() gives them (ties share a rank), in whatever order the page is read.
        best_first = F("value").asc() if rule.lower_is_better else F("value").desc()
        above = above.annotate(position=Window(expression=Rank(), order_by=best_first))
    ordering = _entry_ordering(
        rule=rule, sort=sort, descending=descending, stored_ranks=stored_ranks
    )
    page = _page(
        above.order_by(*ordering),
        below_line.order_by(*ordering),
        ranked=board.ranked,
        offset=offset,
        limit=limit,
        # `position` is the RANK() annotation added above when the ranks are not stored.
        ranks=lambda entries: [
            entry.rank if stored_ranks else entry.position  # type: ignore[attr-defined]
            for entry in entries
        ],
    )
    names = _names(page, also=[])
    rows = [
        _row(entry, rule=rule, rank=rank, intervals=stored_ranks and rank is not None, names=names)
        for entry, rank in page
    ]
    return replace(board, rows=rows)


def _entry_ordering(
    *, rule: registry.Rule, sort: str, descending: bool, stored_ranks: bool
) -> list[Any]:
    """The ORDER BY of a board's entries in the chosen order, ties by user id."""
    if sort == "rank" and stored_ranks:
        # Only worst first comes here (best first is leaderboard_for's own order), and at
        # the materialized line the stored ranks already say it.
        return [F("rank").desc(), F("user_id").desc()]
    best_first = F("value").asc() if rule.lower_is_better else F("value").desc()
    worst_first = F("value").desc() if rule.lower_is_better else F("value").asc()
    if sort == "rank":
        return [worst_first, F("user_id").desc()] if descending else [best_first, "user_id"]
    if sort == "name":
        name = Lower("user__username")
        return [name.desc(), F("user_id").desc()] if descending else [name.asc(), "user_id"]
    questions = F("questions").desc() if descending else F("questions").asc()
    return [questions, best_first, "user_id"]


@dataclass(frozen=True)
class RuleStanding:
    """One forecaster's value on one rule over a set of questions, computed as the
    leaderboards compute it."""

    rule: registry.Rule
    value: float | None
    """Mean over questions (accuracy, daily Brier) or total / max(floor, coverage)."""
    total: float | None
    """Plain sum over questions (peer, baseline, log)."""
    questions: int
    coverage: float | None
    """Total coverage (peer, baseline, log) or mean participation."""
    ci_low: float | None
    ci_high: float | None

    @property
    def per_question_mean(self) -> float | None:
        """The plain mean over the questions (see `per_question_mean`)."""
        return per_question_mean(
            self.rule, value=self.value, total=self.total, questions=self.questions
        )


def rule_standings(*, scores: list[Score], key: str) -> list[RuleStanding]:
    """Every rule's value over one forecaster's score rows, by the leaderboards' own code
    (mean, or total / max(FORESEER_COVERAGE_FLOOR, total coverage)), with a 95 % bootstrap
    interval over the questions (FORESEER_LIVE_BOOTSTRAP_RESAMPLES replicates, seeded by
    `key` so a page reads the same twice). No queries: the rows are given."""

    def column(name: str) -> np.ndarray:
        return np.array(
            [float("nan") if getattr(s, name) is None else getattr(s, name) for s in scores],
            dtype=np.float64,
        )

    ids = {"question_id": np.array([s.question_id for s in scores], dtype=np.int64)}
    ids["user_id"] = np.zeros(len(scores), dtype=np.int64)
    values = {name: column(name) for name in _score_columns()[0]}
    tables = rule_tables(
        # No community row among one forecaster's scores: nobody to leave unranked.
        ScopeScores(columns={**ids, **values}, community_id=-1),
        scope=key,
        min_questions=0,
        resamples=settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES,
    )

    def number(value: float) -> float | None:
        return None if value != value else float(value)  # NaN -> None

    standings = []
    for rule in registry.rules():
        table = tables[rule]
        if len(table) == 0:
            standings.append(RuleStanding(rule, None, None, 0, None, None, None))
            continue
        standings.append(
            RuleStanding(
                rule=rule,
                value=number(table.value[0]),
                total=number(table.total[0]),
                questions=int(table.questions[0]),
                coverage=number(table.coverage[0]),
                ci_low=number(table.ci_low[0]),
                ci_high=number(table.ci_high[0]),
            )
        )
    return standings


@dataclass(frozen=True)
class BoardStanding:
    """Where one forecaster stands on the site-wide board of one rule, as materialized."""

    rule: registry.Rule
    rank: int | None
    """None below the minimum-participation line."""
    ranked: int
    """How many forecasters the board ranks."""
    value: float
    questions: int


def board_standings(*, user: User) -> list[BoardStanding]:
    """The forecaster's place on the site-wide leaderboard of each rule they are on, the
    default rule first, then the registry's order (two queries)."""
    key = str(Scope(ALL))
    mine = {
        entry.rule: entry
        for entry in LeaderboardEntry.objects.filter(scope=key, user=user, is_community=False)
    }
    if not mine:
        return []
    ranked = dict(
        LeaderboardEntry.objects.filter(scope=key, is_community=False, rank__isnull=False)
        .values("rule")
        .annotate(count=Count("pk"))
        .values_list("rule", "count")
    )
    return [
        BoardStanding(
            rule=rule,
            rank=mine[rule.key].rank,
            ranked=ranked.get(rule.key, 0),
            value=mine[rule.key].value,
            questions=mine[rule.key].questions,
        )
        for rule in sorted(registry.rules(), key=lambda rule: rule != registry.DEFAULT)
        if rule.key in mine
    ]
