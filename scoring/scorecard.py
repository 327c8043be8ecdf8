"""The "Your scores" card of a resolved question: each of a forecaster's scores with
the rule in plain words and what their number means, set against the crowd and the
community forecast. Pure text from the rows `scoring.selectors.scores_for_question`
returns; no queries."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Two scores this close are the same for the reader: the card shows three decimals.
_SAME = 5e-4


@dataclass(frozen=True)
class ScoreLine:
    key: str
    name: str
    scale: str
    value: str
    meaning: str
    rule: str


def _fmt(value: float, places: int = 3, *, sign: bool = False) -> str:
    text = f"{value:+.{places}f}" if sign else f"{value:.{places}f}"
    return text.replace("-", "−")


def _pct(value: float) -> str:
    text = f"{value * 100:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _compare(mine: float, other: float, *, lower_is_better: bool) -> str:
    if abs(mine - other) < _SAME:
        return "the same as"
    better = mine < other if lower_is_better else mine > other
    return "better than" if better else "worse than"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _community_clause(community: Mapping[str, Any] | None, key: str, **fmt: Any) -> str:
    if community is None or community.get(key) is None:
        return ""
    return f" The community forecast, scored like a forecaster, got {_fmt(community[key], **fmt)}."


def _daily_brier(
    mine: Mapping[str, Any], community: Mapping[str, Any] | None, crowd: float | None
) -> ScoreLine:
    value = mine["daily_brier"]
    rule = (
        "Each full UTC day you had a forecast, the one standing at the end of the day is "
        "scored 2 × (your probability of yes − the outcome)², the outcome counting 1 for "
        "yes and 0 for no; your Daily Brier is the mean over those days. 0 is perfect, a "
        "50% forecast scores 0.5, and certainty on the wrong answer scores 2."
    )
    if value is None:
        meaning = (
            "You had no forecast standing at the end of a full scored day, so this rule "
            "has nothing to score."
        )
        return ScoreLine("daily_brier", "Daily Brier", "0 best, 2 worst", "—", meaning, rule)
    if crowd is not None:
        meaning = (
            f"Your Daily Brier of {_fmt(value)} is "
            f"{_compare(value, crowd, lower_is_better=True)} the crowd's {_fmt(crowd)} "
            "(the median forecaster's Brier, averaged over the scored days)."
        )
    else:
        meaning = f"Your Daily Brier is {_fmt(value)}."
    if abs(value - 0.5) < _SAME:
        meaning += " That is what saying 50% every day scores."
    else:
        verdict = "better" if value < 0.5 else "worse"
        meaning += f" Saying 50% every day scores 0.500: you did {verdict} than a coin toss."
    meaning += _community_clause(community, "daily_brier")
    return ScoreLine("daily_brier", "Daily Brier", "0 best, 2 worst", _fmt(value), meaning, rule)


def _accuracy(mine: Mapping[str, Any], active: int, scored_days: int | None) -> ScoreLine:
    value = mine["accuracy"]
    rule = (
        "Your Daily Brier minus the crowd's, times your participation (the share of scored "
        "days you were active). Negative means you beat the crowd; forecasting on more days "
        "makes it count for more, in either direction."
    )
    if value is None:
        meaning = "Without a Daily Brier there is no Accuracy score."
        return ScoreLine("accuracy", "Accuracy", "negative beats the crowd", "—", meaning, rule)
    days = f"{active} of {scored_days}" if scored_days else f"{active}"
    plural = "s" if (scored_days or active) != 1 else ""
    if abs(value) < _SAME:
        verdict = "you matched the crowd"
    elif value < 0:
        verdict = "you beat the crowd"
    else:
        verdict = "the crowd beat you"
    meaning = (
        f"Your Accuracy score of {_fmt(value, sign=True)} means {verdict}, counted over the "
        f"{days} scored day{plural} on which you had a forecast standing."
    )
    return ScoreLine(
        "accuracy",
        "Accuracy",
        "negative beats the crowd",
        _fmt(value, sign=True),
        meaning,
        rule,
    )


def _peer(
    mine: Mapping[str, Any], community: Mapping[str, Any] | None, rank: int, ranked: int
) -> ScoreLine:
    value = mine["peer"]
    rule = (
        "At every moment, 100 × (ln of the probability you gave the actual outcome − the "
        "mean of the other forecasters' ln), weighted by how long it held as a share of the "
        "scheduled window. Peer scores on a question add up to 0 over its forecasters."
    )
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
        f"Your peer score of {_fmt(value, 1, sign=True)} means {verdict}, on average over the "
        f"time your forecasts stood. It ranks {_ordinal(rank)} of {ranked} forecaster"
        f"{'s' if ranked != 1 else ''} on this question."
    )
    meaning += _community_clause(community, "peer", places=1, sign=True)
    return ScoreLine(
        "peer", "Peer", "positive beats the others", _fmt(value, 1, sign=True), meaning, rule
    )


def _baseline(mine: Mapping[str, Any], community: Mapping[str, Any] | None) -> ScoreLine:
    value = mine["baseline"]
    rule = (
        "100 × log2(2 × the probability you gave the actual outcome), weighted by how long "
        "each forecast stood: 0 for a 50% forecast, up to +100 for certainty on the right "
        "answer over the whole window, below 0 when you leaned the wrong way."
    )
    if abs(value) < 0.05:
        verdict = "no better or worse than a 50% guess"
    elif value > 0:
        verdict = "better than a 50% guess"
    else:
        verdict = "worse than a 50% guess: you leaned the wrong way"
    meaning = f"Your baseline score of {_fmt(value, 1, sign=True)} is {verdict}."
    meaning += _community_clause(community, "baseline", places=1, sign=True)
    return ScoreLine(
        "baseline", "Baseline", "positive beats 50%", _fmt(value, 1, sign=True), meaning, rule
    )


def _log(mine: Mapping[str, Any], community: Mapping[str, Any] | None) -> ScoreLine:
    value = mine["log"]
    coin = math.log(0.5) * mine["coverage"]
    rule = (
        "The natural log of the probability you gave the actual outcome, weighted the same "
        "way: 0 is best, and a 50% forecast standing the whole window scores −0.693. It "
        "punishes confident mistakes hard."
    )
    meaning = (
        f"Your log score of {_fmt(value)} is "
        f"{_compare(value, coin, lower_is_better=False)} the {_fmt(coin)} a 50% forecast "
        "would have scored over the same time."
    )
    meaning += _community_clause(community, "log")
    return ScoreLine("log", "Log", "0 best", _fmt(value), meaning, rule)


def _participation(mine: Mapping[str, Any], active: int, scored_days: int | None) -> ScoreLine:
    value = mine["participation"]
    rule = (
        "The share of the question's scored days (full UTC days from the open to the close) "
        "at the end of which you had a forecast standing. It scales your Accuracy score."
    )
    if value is None:
        meaning = "The question had no full scored day before it closed."
        return ScoreLine("participation", "Participation", "share of days", "—", meaning, rule)
    days = f"{active} of the {scored_days}" if scored_days else f"{active}"
    meaning = f"You had a forecast standing on {days} scored days ({_pct(value)})."
    return ScoreLine("participation", "Participation", "share of days", _pct(value), meaning, rule)


def _coverage(mine: Mapping[str, Any]) -> ScoreLine:
    value = mine["coverage"]
    rule = (
        "The share of the scheduled window (open to scheduled close) your forecasts stood. "
        "Peer, baseline and log scores are weighted by it, so an early forecast counts for "
        "more; if the outcome became known early, the window stops there for everyone."
    )
    meaning = f"Your forecasts stood for {_pct(value)} of the scheduled window."
    return ScoreLine("coverage", "Coverage", "share of the window", _pct(value), meaning, rule)


def score_card(
    *,
    scores: Sequence[Mapping[str, Any]],
    username: str,
    crowd_mean: float | None,
    scored_days: int | None,
) -> list[ScoreLine]:
    """The card's lines for `username`, or none when they have no score on the question.
    `scores` are the question's rows, best peer first; `crowd_mean` is the crowd's mean
    daily median Brier (M) and `scored_days` the question's scored days, when known."""
    forecasters = [row for row in scores if not row["is_community"]]
    mine = next((row for row in forecasters if row["user"] == username), None)
    if mine is None:
        return []
    community = next((row for row in scores if row["is_community"]), None)
    rank = 1 + sum(1 for row in forecasters if row["peer"] > mine["peer"])
    active = mine.get("active_days") or 0
    if not scored_days and mine["participation"]:
        scored_days = round(active / mine["participation"])
    return [
        _daily_brier(mine, community, crowd_mean),
        _accuracy(mine, active, scored_days),
        _peer(mine, community, rank, len(forecasters)),
        _baseline(mine, community),
        _log(mine, community),
        _participation(mine, active, scored_days),
        _coverage(mine),
    ]
