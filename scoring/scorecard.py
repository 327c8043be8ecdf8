"""The "Your scores" card of a resolved question: each of a forecaster's scores with
the rule in plain words (from `scoring.registry`) and what their number means, set
against the crowd and the community forecast. Pure text from the rows
`scoring.selectors.scores_for_question` returns; no queries. A rule without a reading of
its own here gets a plain one: its value, which way is better, and the community's."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scoring import registry
from scoring.registry import ACCURACY, BASELINE, DAILY_BRIER, LOG, PEER

# Two scores this close are the same for the reader: the card shows three decimals.
_SAME = 5e-4

Row = Mapping[str, Any]


@dataclass(frozen=True)
class ScoreLine:
    """One line of a score card (the question page's "Your scores", the resolution
    email): a rule, or what weights the rules."""

    key: str
    name: str
    scale: str
    value: str
    meaning: str
    """What this forecaster's number means, in a sentence or two."""
    rule: str
    """What the rule computes, in plain words."""
    community: str = ""
    """The community forecast's value under the rule, as written; "" for no value."""
    comparison: str = ""
    """"better than", "worse than" or "the same as" the community forecast, or ""."""


@dataclass(frozen=True)
class _Context:
    """What every reading may use besides the forecaster's own row."""

    community: Row | None
    crowd: float | None
    """The crowd's mean daily median Brier (M), when known."""
    active: int
    scored_days: int | None
    rank: int
    ranked: int


def _typeset(text: str) -> str:
    """A real minus sign, as the card prints numbers."""
    return text.replace("-", "−")


def fmt(rule: registry.Rule, value: float | None, *, places: int | None = None) -> str:
    """The value as the tables write it (`Rule.format`), with a real minus sign."""
    return _typeset(rule.format(value, places=places))


def _pct(value: float) -> str:
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _compare(mine: float, other: float, *, lower_is_better: bool) -> str:
    if abs(mine - other) < _SAME:
        return "the same as"
    better = mine < other if lower_is_better else mine > other
    return "better than" if better else "worse than"


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _community_clause(rule: registry.Rule, context: _Context) -> str:
    community = context.community
    if community is None or community.get(rule.key) is None:
        return ""
    return (
        f" The community forecast, scored like a forecaster, got {fmt(rule, community[rule.key])}."
    )


def _line(
    rule: registry.Rule, value: float | None, meaning: str, community: Row | None
) -> ScoreLine:
    other = community.get(rule.key) if community is not None else None
    return ScoreLine(
        key=rule.key,
        name=rule.short_label,
        scale=rule.direction,
        value=fmt(rule, value),
        meaning=meaning,
        rule=rule.explanation,
        community="" if other is None else fmt(rule, other),
        comparison=rule.compare(value, other),
    )


# --- Readings: what a forecaster's number means under each rule ---------------------------


def _daily_brier(mine: Row, context: _Context) -> str:
    value = mine[DAILY_BRIER.key]
    if value is None:
        return (
            "You had no forecast standing at the end of a full scored day, so this rule "
            "has nothing to score."
        )
    if context.crowd is not None:
        meaning = (
            f"Your {DAILY_BRIER.label} of {fmt(DAILY_BRIER, value)} is "
            f"{_compare(value, context.crowd, lower_is_better=True)} the crowd's "
            f"{fmt(DAILY_BRIER, context.crowd)} "
            "(the median forecaster's Brier, averaged over the scored days)."
        )
    else:
        meaning = f"Your {DAILY_BRIER.label} is {fmt(DAILY_BRIER, value)}."
    if abs(value - 0.5) < _SAME:
        meaning += " That is what saying 50% every day scores."
    else:
        verdict = "better" if value < 0.5 else "worse"
        meaning += f" Saying 50% every day scores 0.500: you did {verdict} than a coin toss."
    return meaning + _community_clause(DAILY_BRIER, context)


def _accuracy(mine: Row, context: _Context) -> str:
    value = mine[ACCURACY.key]
    if value is None:
        return f"Without a {DAILY_BRIER.label} there is no {ACCURACY.label}."
    active, scored_days = context.active, context.scored_days
    days = f"{active} of {scored_days}" if scored_days else f"{active}"
    plural = "s" if (scored_days or active) != 1 else ""
    if abs(value) < _SAME:
        verdict = "you matched the crowd"
    elif value < 0:
        verdict = "you beat the crowd"
    else:
        verdict = "the crowd beat you"
    return (
        f"Your {ACCURACY.label} of {fmt(ACCURACY, value)} means {verdict}, counted over the "
        f"{days} scored day{plural} on which you had a forecast standing."
    )


def _peer(mine: Row, context: _Context) -> str:
    value = mine[PEER.key]
    if abs(value) < 0.05:
        verdict = (
            "you gave the outcome about as much probability as the others did, or had no "
            "one to compare with"
        )
    elif value > 0:
        verdict = "you gave the actual outcome more probability than the other forecasters"
    else:
        verdict = "you gave the actual outcome less probability than the other forecasters"
    meaning = (
        f"Your {PEER.label.lower()} of {fmt(PEER, value)} means {verdict}, on average over the "
        f"time your forecasts stood. It ranks {ordinal(context.rank)} of {context.ranked} "
        f"forecaster{'s' if context.ranked != 1 else ''} on this question."
    )
    return meaning + _community_clause(PEER, context)


def _baseline(mine: Row, context: _Context) -> str:
    value = mine[BASELINE.key]
    if abs(value) < 0.05:
        verdict = "no better or worse than a 50% guess"
    elif value > 0:
        verdict = "better than a 50% guess"
    else:
        verdict = "worse than a 50% guess: you leaned the wrong way"
    meaning = f"Your {BASELINE.label.lower()} of {fmt(BASELINE, value)} is {verdict}."
    return meaning + _community_clause(BASELINE, context)


def _log(mine: Row, context: _Context) -> str:
    value = mine[LOG.key]
    coin = math.log(0.5) * mine["coverage"]
    meaning = (
        f"Your {LOG.label.lower()} of {fmt(LOG, value)} is "
        f"{_compare(value, coin, lower_is_better=False)} the {fmt(LOG, coin)} a 50% forecast "
        "would have scored over the same time."
    )
    return meaning + _community_clause(LOG, context)


def _plain(rule: registry.Rule) -> Callable[[Row, _Context], str]:
    def reading(mine: Row, context: _Context) -> str:
        value = mine.get(rule.key)
        if value is None:
            return f"You have no {rule.label} on this question."
        return f"Your {rule.label} is {fmt(rule, value)} ({rule.direction})." + _community_clause(
            rule, context
        )

    return reading


_READINGS: dict[str, Callable[[Row, _Context], str]] = {
    DAILY_BRIER.key: _daily_brier,
    ACCURACY.key: _accuracy,
    PEER.key: _peer,
    BASELINE.key: _baseline,
    LOG.key: _log,
}


# --- What weights the rules -----------------------------------------------------------------


def _participation(mine: Row, context: _Context) -> ScoreLine:
    value = mine["participation"]
    rule = (
        "The share of the question's scored days (full UTC days from the open to the close) "
        f"at the end of which you had a forecast standing. It scales your {ACCURACY.label}."
    )
    if value is None:
        meaning = "The question had no full scored day before it closed."
        return ScoreLine("participation", "Participation", "share of days", "—", meaning, rule)
    active, scored_days = context.active, context.scored_days
    days = f"{active} of the {scored_days}" if scored_days else f"{active}"
    meaning = f"You had a forecast standing on {days} scored days ({_pct(value)})."
    return ScoreLine("participation", "Participation", "share of days", _pct(value), meaning, rule)


def window_before_outcome(
    *, open_time: datetime, scheduled_close: datetime, known_at: datetime | None
) -> float:
    """The share of a question's scheduled window that passed before its outcome was
    known: 1 unless it resolved early (SCORING.md §1). Coverage cannot exceed it."""
    span = (scheduled_close - open_time).total_seconds()
    if known_at is None or known_at >= scheduled_close or span <= 0:
        return 1.0
    return max(0.0, (known_at - open_time).total_seconds() / span)


def _coverage(mine: Row, known_share: float) -> ScoreLine:
    value = mine["coverage"]
    rule = (
        "The share of the scheduled window (open to scheduled close) your forecasts stood. "
        "Peer, baseline and log scores are weighted by it, so an early forecast counts for "
        "more; if the outcome became known early, the window stops there for everyone."
    )
    if known_share < 1.0 and known_share > 0.0:
        # An early resolution caps everyone's coverage at the share of the window that
        # passed: a small figure here is not inactivity, so it is read against that cap.
        before = min(1.0, value / known_share)
        meaning = (
            f"You forecast for {_pct(before)} of the time before the outcome was known (the "
            f"question resolved early, {_pct(known_share)} into its window, so no one's "
            f"coverage could exceed {_pct(known_share)}). Coverage of the scheduled window: "
            f"{_pct(value)}."
        )
        scale = f"share of the window; {_pct(known_share)} was possible"
        return ScoreLine("coverage", "Coverage", scale, _pct(value), meaning, rule)
    meaning = f"Your forecasts stood for {_pct(value)} of the scheduled window."
    return ScoreLine("coverage", "Coverage", "share of the window", _pct(value), meaning, rule)


def score_card(
    *,
    scores: Sequence[Row],
    username: str,
    crowd_mean: float | None,
    scored_days: int | None,
    known_share: float = 1.0,
) -> list[ScoreLine]:
    """The card's lines for `username` from all of a question's rows (best peer first),
    or none when they have no score on the question. `crowd_mean` is the crowd's mean
    daily median Brier (M) and `scored_days` the question's scored days, when known."""
    forecasters = [row for row in scores if not row["is_community"] and not row.get("is_claim")]
    mine = next((row for row in forecasters if row["user"] == username), None)
    if mine is None:
        return []
    return score_card_for(
        mine=mine,
        community=next((row for row in scores if row["is_community"]), None),
        rank=1 + sum(1 for row in forecasters if row[PEER.key] > mine[PEER.key]),
        ranked=len(forecasters),
        crowd_mean=crowd_mean,
        scored_days=scored_days,
        known_share=known_share,
    )


def score_card_for(
    *,
    mine: Row,
    community: Row | None,
    rank: int,
    ranked: int,
    crowd_mean: float | None,
    scored_days: int | None,
    known_share: float = 1.0,
) -> list[ScoreLine]:
    """The card's lines for one forecaster's row, beside the community forecast's row;
    `rank` is their place by peer score among the `ranked` forecasters of the question.
    No rows are read: a page or an email with thousands of forecasters ranks them once.
    `known_share` is `window_before_outcome` of the question (below 1 when it resolved
    early)."""
    active = mine.get("active_days") or 0
    if not scored_days and mine["participation"]:
        scored_days = round(active / mine["participation"])
    context = _Context(
        community=community,
        crowd=crowd_mean,
        active=active,
        scored_days=scored_days,
        rank=rank,
        ranked=ranked,
    )
    lines = [
        _line(
            rule,
            mine.get(rule.key),
            _READINGS.get(rule.key, _plain(rule))(mine, context),
            context.community,
        )
        for rule in registry.rules()
    ]
    return [*lines, _participation(mine, context), _coverage(mine, known_share)]


# --- The headline of a resolved question ---------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """One sentence at the top of a resolved question: the viewer's score under the
    default rule set against the crowd, or, for a viewer without a score, the crowd's."""

    text: str
    comparison: str = ""
    """"better than", "worse than", "the same as" or "" (no score to compare)."""


def _crowd_clause(mine: Row, crowd: float | None) -> str:
    """The viewer's Daily Brier beside the crowd's: what the default rule is built on."""
    value = mine.get(DAILY_BRIER.key)
    if value is None or crowd is None:
        return ""
    return (
        f" Your {DAILY_BRIER.label} {fmt(DAILY_BRIER, value)}: "
        f"{DAILY_BRIER.compare(value, crowd)} the crowd's {fmt(DAILY_BRIER, crowd)}."
    )


def headline(
    *, mine: Row | None, community: Row | None, crowd_mean: float | None, outcome: str
) -> Headline:
    """The resolved question's headline for one viewer. `mine` is their row (None when
    they have no score), `community` the community forecast's row, `crowd_mean` the
    crowd's mean daily median Brier. The rule is the registry's default; a rule measured
    against the crowd (the crowd scores 0 on it) is compared with 0, any other with the
    community forecast."""
    rule = registry.DEFAULT
    if mine is None or mine.get(rule.key) is None:
        if crowd_mean is not None:
            return Headline(
                f"It resolved {outcome}. The crowd's {DAILY_BRIER.label} on this question: "
                f"{fmt(DAILY_BRIER, crowd_mean)} ({DAILY_BRIER.direction})."
            )
        other = community.get(rule.key) if community is not None else None
        if other is None:
            return Headline(f"It resolved {outcome}.")
        return Headline(
            f"It resolved {outcome}. The community forecast's {rule.label}: "
            f"{fmt(rule, other)} ({rule.direction})."
        )
    value = mine[rule.key]
    if rule is ACCURACY:
        comparison = rule.compare(value, 0.0)
        text = f"Your {rule.label} {fmt(rule, value)}: {comparison} the crowd."
        return Headline(text + _crowd_clause(mine, crowd_mean), comparison)
    other = community.get(rule.key) if community is not None else None
    if other is None:
        return Headline(f"Your {rule.label} {fmt(rule, value)} ({rule.direction}).")
    comparison = rule.compare(value, other)
    return Headline(
        f"Your {rule.label} {fmt(rule, value)}: {comparison} the community forecast's "
        f"{fmt(rule, other)}.",
        comparison,
    )
