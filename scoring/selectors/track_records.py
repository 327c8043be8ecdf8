"""Track records of what articles said: an article's, an author's (every claim in the
articles they wrote), a quoted speaker's (every claim attributed to them) and an outlet's
(every claim in its articles). Each lists the tracked claims with their questions and
outcomes, and compares the article's scores with the crowd's on the same resolved
questions; a leaderboard puts speakers, outlets and authors beside the crowd and the best
forecasters; term calibration counts how often claims using each likelihood expression
came true (docs/track-records.md).

Where the numbers come from. A claim linked *directly* to a question is scored as its
article's forecaster (`claims.ArticleForecaster`, the system user `article:<slug>`): a
Score row for (that user, the question). The crowd is the community forecast's Score row on
the same question. A speaker with two claims of one article on one question has one score
there, counted once. Proxy and successor links only refer to a claim: they are listed,
with their outcome, but carry no score and do not count in term calibration.

Pure reads, a fixed number of queries per call whatever the number of claims."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from django.conf import settings
from django.db.models import Avg, Count, F, OuterRef, Q, QuerySet, Subquery

from accounts.models import User
from claims.models import ArticleForecaster, Claim, ClaimLink
from common import likelihood
from questions.models import Article, ArticleAuthor, Outlet, Person, Question
from scoring import registry
from scoring.core.track_records import (
    Comparison,
    Mean,
    Proportion,
    bootstrap_mean,
    jeffreys,
    paired_bootstrap,
    verdict,
)
from scoring.models import Score
from scoring.selectors.scores import community_user_id

SubjectKind = Literal["article", "author", "speaker", "outlet"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("article", "author", "speaker", "outlet")
BOARD_KINDS = ("speakers", "outlets", "authors")
"""What the leaderboard ranks: quoted speakers, outlets, or byline authors."""
_BOARD_KIND: dict[str, SubjectKind] = {
    "speakers": "speaker",
    "outlets": "outlet",
    "authors": "author",
}

SCORED = (Question.Resolution.YES, Question.Resolution.NO)
MAX_PAGE_SIZE = 200


def compared_rules() -> tuple[registry.Rule, ...]:
    """The rules a track record compares with the crowd: the Daily Brier and the Accuracy
    score (Good Judgment Open's pair; both means over questions, so a source with few
    claims is not penalized by a coverage floor)."""
    return (registry.DAILY_BRIER, registry.ACCURACY)


DEFAULT_RULE = registry.DEFAULT
"""The rule the leaderboard ranks by unless asked for another (one of the compared rules)."""


def compared_rule(key: str) -> registry.Rule:
    """One of `compared_rules()` by its key; UnknownRule otherwise."""
    for rule in compared_rules():
        if rule.key == key:
            return rule
    raise registry.UnknownRule(key)


def min_claims() -> int:
    return int(settings.FORESEER_TRACK_RECORD_MIN_CLAIMS)


def best_forecasters_shown() -> int:
    return int(settings.FORESEER_TRACK_RECORD_BEST_FORECASTERS)


def _resamples() -> int:
    return int(settings.FORESEER_LIVE_BOOTSTRAP_RESAMPLES)


def table_label(table: str) -> str:
    """A claim's `table` in words: the likelihood table's name, "The stated figure" for a
    number, the key itself for a table the data file no longer lists."""
    return likelihood.table_name(table) if table else ""


# --- What is tracked ---------------------------------------------------------------------


def _tracked_links() -> QuerySet[ClaimLink]:
    """Links of accepted claims to published questions: what a track record can show."""
    return ClaimLink.objects.filter(
        claim__status=Claim.Status.ACCEPTED, question__published_at__isnull=False
    )


def _subject_filter(kind: SubjectKind, subject: Article | Person | Outlet) -> Q:
    if kind == "article":
        return Q(claim__article=subject)
    if kind == "author":
        return Q(claim__article__bylines__person=subject)
    if kind == "speaker":
        return Q(claim__speaker=subject)
    return Q(claim__article__outlet=subject)


@dataclass(frozen=True)
class TrackedClaim:
    """One claim and one question that tracks it."""

    claim_id: int
    passage: str
    expression: str
    low: float | None
    high: float | None
    table: str
    horizon_text: str
    horizon_end: date | None
    article_slug: str
    article_title: str
    outlet_slug: str | None
    outlet_name: str | None
    speaker_slug: str | None
    speaker_name: str | None
    question_slug: str
    question_title: str
    link: str
    direction: str
    resolution: str
    scores: dict[str, float | None]
    """The article's score on the question under each compared rule (direct links only;
    empty otherwise)."""
    crowd: dict[str, float | None]
    """The crowd's score on the question under each compared rule (when scored)."""

    @property
    def came_true(self) -> bool | None:
        """Whether what the claim said happened: the question resolved on the side the
        claim speaks for. None until resolved yes or no."""
        if self.resolution not in SCORED:
            return None
        return self.resolution == self.direction

    @property
    def is_scored(self) -> bool:
        return self.link == ClaimLink.Kind.DIRECT and any(
            value is not None for value in self.scores.values()
        )

    @property
    def range_display(self) -> str:
        if self.low is None or self.high is None:
            return ""
        low, high = round(self.low * 100), round(self.high * 100)
        return f"{low}%" if low == high else f"{low}–{high}%"

    @property
    def table_label(self) -> str:
        return table_label(self.table)

    @property
    def implied_yes(self) -> float | None:
        """The probability of the question's Yes the claim is scored as: the midpoint of
        its range, or one minus it when the claim speaks for No."""
        if self.low is None or self.high is None:
            return None
        middle = (self.low + self.high) / 2
        return middle if self.direction == ClaimLink.Direction.YES else 1 - middle

    def score(self, rule: registry.Rule) -> float | None:
        return self.scores.get(rule.key)

    @property
    def by_rule(self) -> list[tuple[registry.Rule, float | None, float | None]]:
        """(rule, the article's score, the crowd's) for each compared rule, for a table."""
        return [
            (rule, self.scores.get(rule.key), self.crowd.get(rule.key)) for rule in compared_rules()
        ]

    def crowd_score(self, rule: registry.Rule) -> float | None:
        return self.crowd.get(rule.key)


@dataclass(frozen=True)
class RuleComparison:
    """A source beside the crowd under one rule, on the same resolved questions."""

    rule: registry.Rule
    comparison: Comparison
    min_claims: int

    @property
    def enough(self) -> bool:
        return self.comparison.n >= self.min_claims

    @property
    def verdict(self) -> str | None:
        """ "better", "worse" or "unclear" than the crowd; None below the minimum-claims
        line, where the sample is too small for one."""
        if not self.enough:
            return None
        return verdict(self.comparison.difference, lower_is_better=self.rule.lower_is_better)

    @property
    def verdict_words(self) -> str:
        return {
            "better": "better than the crowd",
            "worse": "worse than the crowd",
            "unclear": "not distinguishable from the crowd",
        }.get(self.verdict or "", "")


@dataclass(frozen=True)
class Subject:
    kind: SubjectKind
    slug: str
    name: str
    detail: str
    """An affiliation, an outlet and date, or a URL: a line under the name."""


@dataclass(frozen=True)
class TrackRecord:
    subject: Subject
    claims: list[TrackedClaim]
    """One page of tracked claims, newest article first."""
    links: int
    """Claim-question links in all (the length of the whole list)."""
    tracked_claims: int
    """Claims with at least one question tracking them."""
    outcomes: Proportion
    """Directly tracked claims whose question resolved yes or no: how many came true."""
    comparisons: list[RuleComparison]
    min_claims: int
    offset: int
    limit: int

    @property
    def scored(self) -> int:
        """Scored claims: the most any compared rule counts."""
        return max((c.comparison.n for c in self.comparisons), default=0)

    @property
    def enough(self) -> bool:
        return any(comparison.enough for comparison in self.comparisons)

    def comparison(self, rule: registry.Rule) -> RuleComparison:
        return next(c for c in self.comparisons if c.rule == rule)


def _score_columns() -> list[str]:
    return [rule.column for rule in compared_rules()]


def _scores_of(
    pairs: Iterable[tuple[int, int]], community: int | None
) -> tuple[dict[tuple[int, int], dict[str, float | None]], dict[int, dict[str, float | None]]]:
    """The compared rules' values of each (user, question) pair, and the crowd's on each
    question: one query."""
    wanted = set(pairs)
    if not wanted:
        return {}, {}
    users = {user for user, _ in wanted} | ({community} if community else set())
    questions = {question for _, question in wanted}
    rows = Score.objects.filter(user_id__in=users, question_id__in=questions).values(
        "user_id", "question_id", *_score_columns()
    )
    mine: dict[tuple[int, int], dict[str, float | None]] = {}
    crowd: dict[int, dict[str, float | None]] = {}
    for row in rows:
        values = {rule.key: row[rule.column] for rule in compared_rules()}
        if row["user_id"] == community:
            crowd[row["question_id"]] = values
        if (row["user_id"], row["question_id"]) in wanted:
            mine[(row["user_id"], row["question_id"])] = values
    return mine, crowd


def _forecaster_users(article_ids: Iterable[int]) -> dict[int, int]:
    """Each article's scored forecaster (a system user), by article id: one query."""
    return dict(
        ArticleForecaster.objects.filter(article_id__in=set(article_ids)).values_list(
            "article_id", "user_id"
        )
    )


@dataclass(frozen=True)
class _ScoredRow:
    """An article's score on a question it tracks directly, beside the crowd's."""

    article_id: int
    question_id: int
    mine: dict[str, float | None]
    crowd: dict[str, float | None]


def _scored_rows(links: QuerySet[ClaimLink]) -> list[_ScoredRow]:
    """The distinct (article, question) scores behind `links`' direct, resolved ones: two
    claims of one article on one question share one score. Three queries."""
    pairs = set(
        links.filter(kind=ClaimLink.Kind.DIRECT, question__resolution__in=SCORED).values_list(
            "claim__article_id", "question_id"
        )
    )
    users = _forecaster_users(article for article, _ in pairs)
    mine, crowd = _scores_of(
        ((users[a], q) for a, q in pairs if a in users), community=community_user_id()
    )
    return [
        _ScoredRow(a, q, mine[(users[a], q)], crowd.get(q, {}))
        for a, q in sorted(pairs)
        if a in users and (users[a], q) in mine
    ]


def _series(
    rows: Iterable[_ScoredRow], rule: registry.Rule
) -> tuple[list[float], list[float], list[int]]:
    """The rows scored under `rule` for both the source and the crowd: the source's
    values, the crowd's, and each row's question (the bootstrap's unit)."""
    mine: list[float] = []
    crowd: list[float] = []
    questions: list[int] = []
    for row in rows:
        value, theirs = row.mine.get(rule.key), row.crowd.get(rule.key)
        if value is not None and theirs is not None:
            mine.append(value)
            crowd.append(theirs)
            questions.append(row.question_id)
    return mine, crowd, questions


def _compare(rows: list[_ScoredRow], *, resamples: int) -> list[RuleComparison]:
    line = min_claims()
    result = []
    for rule in compared_rules():
        mine, crowd, questions = _series(rows, rule)
        comparison = paired_bootstrap(mine, crowd, clusters=questions, resamples=resamples)
        result.append(RuleComparison(rule=rule, comparison=comparison, min_claims=line))
    return result


def _claim_rows(links: list[ClaimLink]) -> list[TrackedClaim]:
    """The page's links as rows, their scores read in two queries."""
    users = _forecaster_users(link.claim.article_id for link in links)
    direct = [
        (users[link.claim.article_id], link.question_id)
        for link in links
        if link.kind == ClaimLink.Kind.DIRECT and link.claim.article_id in users
    ]
    mine, crowd = _scores_of(direct, community=community_user_id()) if direct else ({}, {})
    rows = []
    for link in links:
        claim, article, question = link.claim, link.claim.article, link.question
        user = users.get(article.pk)
        scores = (
            mine.get((user, question.pk), {})
            if link.kind == ClaimLink.Kind.DIRECT and user is not None
            else {}
        )
        rows.append(
            TrackedClaim(
                claim_id=claim.pk,
                passage=claim.passage,
                expression=claim.expression,
                low=claim.low,
                high=claim.high,
                table=claim.table,
                horizon_text=claim.horizon_text,
                horizon_end=claim.horizon_end,
                article_slug=article.slug,
                article_title=article.title,
                outlet_slug=article.outlet.slug if article.outlet else None,
                outlet_name=article.outlet.name if article.outlet else None,
                speaker_slug=claim.speaker.slug if claim.speaker else None,
                speaker_name=claim.speaker.name if claim.speaker else None,
                question_slug=question.slug,
                question_title=question.title,
                link=link.kind,
                direction=link.direction,
                resolution=question.resolution,
                scores=scores,
                crowd=crowd.get(question.pk, {}),
            )
        )
    return rows


def _subject(kind: SubjectKind, subject: Article | Person | Outlet) -> Subject:
    if isinstance(subject, Article):
        outlet = f"{subject.outlet.name} · " if subject.outlet else ""
        detail = f"{outlet}{subject.publication_date_display}"
        return Subject(kind, subject.slug, subject.title, detail)
    if isinstance(subject, Person):
        return Subject(kind, subject.slug, subject.name, subject.affiliation)
    return Subject(kind, subject.slug, subject.name, subject.url)


def _ordered_links(links: QuerySet[ClaimLink]) -> QuerySet[ClaimLink]:
    return links.select_related("claim__article__outlet", "claim__speaker", "question").order_by(
        "-claim__article__publication_date", "claim__article_id", "claim__start", "id"
    )


def track_record(
    *,
    kind: SubjectKind,
    subject: Article | Person | Outlet,
    offset: int = 0,
    limit: int = 25,
    resamples: int | None = None,
) -> TrackRecord:
    """The track record of an article, an author, a speaker or an outlet: a page of its
    tracked claims, its outcomes, and its Daily Brier and Accuracy beside the crowd's on
    the same resolved questions. Bounded: one page of claims, about ten queries."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    links = _tracked_links().filter(_subject_filter(kind, subject))
    counts = links.aggregate(
        links=Count("id"),
        claims=Count("claim_id", distinct=True),
        resolved=Count("id", filter=Q(kind=ClaimLink.Kind.DIRECT, question__resolution__in=SCORED)),
        true=Count(
            "id",
            filter=Q(
                kind=ClaimLink.Kind.DIRECT,
                question__resolution__in=SCORED,
                direction=F("question__resolution"),
            ),
        ),
    )
    page = list(_ordered_links(links)[offset : offset + limit])
    rows = _scored_rows(links)
    return TrackRecord(
        subject=_subject(kind, subject),
        claims=_claim_rows(page),
        links=counts["links"],
        tracked_claims=counts["claims"],
        outcomes=jeffreys(counts["true"], counts["resolved"]),
        comparisons=_compare(rows, resamples=_resamples() if resamples is None else resamples),
        min_claims=min_claims(),
        offset=offset,
        limit=limit,
    )


# An export holds at most this many claim links (a subject's claims are reviewed one by
# one by staff, so a record stays far below it; the JSON pages through any number).
EXPORT_LIMIT = 10_000


def track_record_rows(
    *, kind: SubjectKind, subject: Article | Person | Outlet, limit: int | None = None
) -> list[TrackedClaim]:
    """The subject's tracked claims for an export, in the record's order: the first
    `limit` (EXPORT_LIMIT by default)."""
    links = _tracked_links().filter(_subject_filter(kind, subject))
    return _claim_rows(list(_ordered_links(links)[: limit or EXPORT_LIMIT]))


def people_roles(*, person: Person) -> dict[str, bool]:
    """Whether the person wrote any article and whether any accepted claim is theirs."""
    return {
        "author": ArticleAuthor.objects.filter(person=person).exists(),
        "speaker": Claim.objects.filter(speaker=person, status=Claim.Status.ACCEPTED).exists(),
    }


# --- The leaderboard -----------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    kind: SubjectKind
    slug: str
    name: str
    detail: str
    rule: registry.Rule
    comparison: Comparison
    min_claims: int

    @property
    def enough(self) -> bool:
        return self.comparison.n >= self.min_claims

    @property
    def verdict(self) -> str | None:
        if not self.enough:
            return None
        return verdict(self.comparison.difference, lower_is_better=self.rule.lower_is_better)


@dataclass(frozen=True)
class ForecasterRow:
    username: str
    n: int
    mean: float
    crowd: float
    difference: float


@dataclass(frozen=True)
class Leaderboard:
    kind: str
    rule: registry.Rule
    rows: list[BoardRow]
    """One page: those at or above the minimum-claims line first, best difference with
    the crowd first; then the rest, most scored claims first."""
    total: int
    ranked: int
    crowd: Mean
    """The crowd's mean over every question a claim is scored on."""
    questions: int
    forecasters: list[ForecasterRow]
    min_claims: int
    offset: int
    limit: int


@dataclass
class _Group:
    rows: dict[tuple[int, int], _ScoredRow] = field(default_factory=dict)


def _board_groups(kind: SubjectKind) -> tuple[dict[int, _Group], list[_ScoredRow]]:
    """Every directly scored (article, question) pair, and which speakers, outlets or
    authors each belongs to. Four queries."""
    links = _tracked_links().filter(kind=ClaimLink.Kind.DIRECT, question__resolution__in=SCORED)
    keys = list(
        links.values_list(
            "claim__article_id", "question_id", "claim__speaker_id", "claim__article__outlet_id"
        ).distinct()
    )
    rows = {(row.article_id, row.question_id): row for row in _scored_rows(links)}
    owners: dict[int, set[int]] = defaultdict(set)
    if kind == "author":
        for article, person in ArticleAuthor.objects.filter(
            article_id__in={article for article, *_ in keys}
        ).values_list("article_id", "person_id"):
            owners[article].add(person)
    groups: dict[int, _Group] = defaultdict(_Group)
    for article, question, speaker, outlet in keys:
        row = rows.get((article, question))
        if row is None:
            continue
        if kind == "speaker":
            members = {speaker} if speaker else set()
        elif kind == "outlet":
            members = {outlet} if outlet else set()
        else:
            members = owners.get(article, set())
        for member in members:
            groups[member].rows[(article, question)] = row
    return groups, list(rows.values())


def _named(kind: SubjectKind, ids: list[int]) -> dict[int, tuple[str, str, str]]:
    if kind == "outlet":
        return {o.pk: (o.slug, o.name, o.url) for o in Outlet.objects.filter(pk__in=ids)}
    return {p.pk: (p.slug, p.name, p.affiliation) for p in Person.objects.filter(pk__in=ids)}


def _mean_difference(comparison: Comparison, rule: registry.Rule) -> float:
    value = comparison.difference.value or 0.0
    return value if rule.lower_is_better else -value


def _best_forecasters(
    question_ids: set[int], rule: registry.Rule, community: int | None, shown: int
) -> list[ForecasterRow]:
    """The `shown` real forecasters whose mean difference with the crowd under `rule`,
    over the questions claims are scored on, is best; each needs as many of those
    questions as a source needs claims. One query."""
    if not question_ids or community is None or shown <= 0:
        return []
    crowd = Subquery(
        Score.objects.filter(question=OuterRef("question_id"), user_id=community).values(
            rule.column
        )[:1]
    )
    column = rule.column
    scores = (
        Score.objects.filter(question_id__in=question_ids, **{f"{column}__isnull": False})
        .exclude(user__origin=User.Origin.SYSTEM)
        .filter(user__article_forecaster__isnull=True)
        .annotate(crowd_value=crowd)
        .filter(crowd_value__isnull=False)
        .values("user__username")
        .annotate(
            n=Count("id"),
            mean=Avg(column),
            crowd=Avg("crowd_value"),
            difference=Avg(F(column) - F("crowd_value")),
        )
        .filter(n__gte=min_claims())
        .order_by("difference" if rule.lower_is_better else "-difference", "user__username")
    )
    return [
        ForecasterRow(
            username=row["user__username"],
            n=row["n"],
            mean=row["mean"],
            crowd=row["crowd"],
            difference=row["difference"],
        )
        for row in scores[:shown]
    ]


def leaderboard(
    *,
    kind: str,
    rule: registry.Rule,
    offset: int = 0,
    limit: int = 25,
    resamples: int | None = None,
) -> Leaderboard:
    """Speakers, outlets or authors by their mean difference with the crowd under `rule`
    on the questions their claims are scored on; those below the minimum-claims line
    follow, unranked. Beside them: the crowd's mean over all those questions, and the best
    real forecasters on the same questions. Intervals are computed for the page's rows
    only; about eight queries."""
    subject_kind = _BOARD_KIND[kind]
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    draws = _resamples() if resamples is None else resamples
    line = min_claims()
    groups, every_row = _board_groups(subject_kind)

    # Point estimates for the ordering (one draw: the means do not depend on it), the
    # intervals for the page only.
    series = {member: _series(group.rows.values(), rule) for member, group in groups.items()}
    estimates = {
        member: paired_bootstrap(mine, crowd, clusters=clusters, resamples=1)
        for member, (mine, crowd, clusters) in series.items()
    }
    order = sorted(
        (m for m in estimates if estimates[m].n),
        key=lambda m: (
            estimates[m].n < line,
            _mean_difference(estimates[m], rule) if estimates[m].n >= line else -estimates[m].n,
            m,
        ),
    )
    page_ids = order[offset : offset + limit]
    names = _named(subject_kind, page_ids)
    rows = []
    for member in page_ids:
        mine, crowd, clusters = series[member]
        slug, name, detail = names[member]
        rows.append(
            BoardRow(
                kind=subject_kind,
                slug=slug,
                name=name,
                detail=detail,
                rule=rule,
                comparison=paired_bootstrap(mine, crowd, clusters=clusters, resamples=draws),
                min_claims=line,
            )
        )
    per_question = {
        row.question_id: row.crowd[rule.key]
        for row in every_row
        if row.crowd.get(rule.key) is not None
    }
    return Leaderboard(
        kind=kind,
        rule=rule,
        rows=rows,
        total=len(order),
        ranked=sum(estimates[m].n >= line for m in order),
        crowd=bootstrap_mean(list(per_question.values()), resamples=draws),  # type: ignore[arg-type]
        questions=len(per_question),
        forecasters=_best_forecasters(
            set(per_question), rule, community_user_id(), best_forecasters_shown()
        ),
        min_claims=line,
        offset=offset,
        limit=limit,
    )


# --- Term calibration ------------------------------------------------------------------------


@dataclass(frozen=True)
class TermRow:
    """How often claims using one likelihood expression (from one table) came true."""

    expression: str
    table: str
    outcome: Proportion
    low: float | None
    high: float | None
    ranges_vary: bool
    """Claims using it gave it different ranges (one edited by hand): low is the lowest,
    high the highest."""

    @property
    def table_label(self) -> str:
        return table_label(self.table)

    @property
    def range_display(self) -> str:
        if self.low is None or self.high is None:
            return ""
        low, high = round(self.low * 100), round(self.high * 100)
        return f"{low}%" if low == high else f"{low}–{high}%"

    @property
    def within_range(self) -> bool | None:
        """Whether the table's range meets the interval of the rate that came true."""
        if self.low is None or self.high is None or self.outcome.low is None:
            return None
        assert self.outcome.high is not None
        return self.outcome.low <= self.high and self.low <= self.outcome.high


@dataclass(frozen=True)
class TermCalibration:
    rows: list[TermRow]
    total: int
    outlet: Outlet | None
    offset: int
    limit: int


@dataclass
class _Term:
    n: int = 0
    k: int = 0
    ranges: set[tuple[float | None, float | None]] = field(default_factory=set)

    def row(self, expression: str, table: str) -> TermRow:
        lows = [low for low, _ in self.ranges if low is not None]
        highs = [high for _, high in self.ranges if high is not None]
        return TermRow(
            expression=expression,
            table=table,
            outcome=jeffreys(self.k, self.n),
            low=min(lows) if lows else None,
            high=max(highs) if highs else None,
            ranges_vary=len(self.ranges) > 1,
        )


def term_calibration(
    *, outlet: Outlet | None = None, offset: int = 0, limit: int = 50
) -> TermCalibration:
    """For each likelihood expression (as the tables compare wordings) and table: of the
    claims using it whose directly linked question resolved yes or no, how many came true
    (the question resolved on the side the claim speaks for), with a 95 % Jeffreys
    interval, beside the range its table gives. Optionally only an outlet's articles.
    Most used first; one query."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    links = (
        _tracked_links()
        .filter(kind=ClaimLink.Kind.DIRECT, question__resolution__in=SCORED)
        .exclude(claim__expression="")
    )
    if outlet is not None:
        links = links.filter(claim__article__outlet=outlet)
    # Grouped by the wording as written and its range in the database, then by the
    # wording as the likelihood tables compare it (common.likelihood.normalise: lower
    # case, one space, straight quotes) here: one query, a row per distinct wording,
    # table and range, a handful per expression.
    grouped = (
        links.values("claim__expression", "claim__table", "claim__low", "claim__high")
        .annotate(n=Count("id"), k=Count("id", filter=Q(direction=F("question__resolution"))))
        .order_by()
    )
    merged: dict[tuple[str, str], _Term] = defaultdict(_Term)
    for row in grouped:
        term = merged[(likelihood.normalise(row["claim__expression"]), row["claim__table"])]
        term.n += row["n"]
        term.k += row["k"]
        term.ranges.add((row["claim__low"], row["claim__high"]))
    ordered = sorted(merged.items(), key=lambda item: (-item[1].n, item[0]))
    rows = [term.row(expression, table) for (expression, table), term in ordered]
    total = len(rows)
    rows = rows[offset : offset + limit]
    return TermCalibration(rows=rows, total=total, outlet=outlet, offset=offset, limit=limit)


def outlets_with_claims(*, limit: int = 200) -> list[Outlet]:
    """Outlets whose articles have tracked claims, for a filter's menu (bounded)."""
    return list(
        Outlet.objects.filter(
            articles__claims__status=Claim.Status.ACCEPTED,
            articles__claims__links__isnull=False,
        )
        .distinct()
        .order_by("name")[:limit]
    )
