"""Template pieces of the analysts' pages and My record: the interval bars of the
leaderboard, sortable table headers, and the calibration, ROC and score-history figures
(a canvas for Chart.js with its data beside it, and the same numbers as a table, so the
figures read without the chart and without colour)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from scoring import registry
from scoring.score_columns import ScoreColumn

register = template.Library()

BAR_WIDTH = 120
BAR_HEIGHT = 16
BAR_MARGIN = 6


# --- Interval bars ---------------------------------------------------------------------


@dataclass(frozen=True)
class Axis:
    """The value range every bar of a table is drawn on."""

    low: float
    high: float

    def x(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return round(BAR_MARGIN + share * (BAR_WIDTH - 2 * BAR_MARGIN), 2)


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


@register.simple_tag
def interval_axis(*groups: Iterable[Any] | Any) -> Axis:
    """One axis for all the rows given (lists of rows, or single rows; None is skipped):
    from the lowest to the highest value or interval end, always including 0, the score
    that separates better from worse than the reference on most rules."""
    numbers = [0.0]
    for group in groups:
        if group is None:
            continue
        rows = group if isinstance(group, list | tuple) else [group]
        for row in rows:
            for name in ("value", "ci_low", "ci_high"):
                number = _finite(getattr(row, name, None))
                if number is not None:
                    numbers.append(number)
    low, high = min(numbers), max(numbers)
    span = high - low or 1.0
    return Axis(low=low - 0.04 * span, high=high + 0.04 * span)


@register.simple_tag
def interval_bar(row: Any, axis: Axis) -> SafeString:
    """The row's value (a diamond) and its 95 % interval (a line with end caps) on the
    shared axis, with 0 as a dashed line. Decorative: the numbers are printed beside it."""
    value = _finite(row.value)
    low, high = _finite(row.ci_low), _finite(row.ci_high)
    mid = BAR_HEIGHT / 2
    parts = [
        format_html(
            '<line class="bar-zero" x1="{0}" x2="{0}" y1="0" y2="{1}"/>',
            axis.x(0.0),
            BAR_HEIGHT,
        )
    ]
    if low is not None and high is not None:
        left, right = axis.x(low), axis.x(high)
        parts.append(
            format_html(
                '<line class="bar-interval" x1="{0}" x2="{1}" y1="{2}" y2="{2}"/>'
                '<line class="bar-interval" x1="{0}" x2="{0}" y1="{3}" y2="{4}"/>'
                '<line class="bar-interval" x1="{1}" x2="{1}" y1="{3}" y2="{4}"/>',
                left,
                right,
                mid,
                mid - 4,
                mid + 4,
            )
        )
    if value is not None:
        x = axis.x(value)
        parts.append(
            format_html('<path class="bar-point" d="M{} {} l4 4 l-4 4 l-4 -4 z"/>', x, mid - 4)
        )
    return format_html(
        '<svg class="interval-bar" width="{}" height="{}" viewBox="0 0 {} {}" '
        'aria-hidden="true" focusable="false">{}</svg>',
        BAR_WIDTH,
        BAR_HEIGHT,
        BAR_WIDTH,
        BAR_HEIGHT,
        SafeString("".join(parts)),
    )


def _tick(value: float) -> str:
    return f"{value:+.2f}" if value else "0"


@register.simple_tag
def interval_scale(axis: Axis) -> SafeString:
    """The axis under the bars' column heading: its two ends and 0 written above a line
    with ticks, 0 dashed as in the bars."""
    left, right, zero = axis.x(axis.low), axis.x(axis.high), axis.x(0.0)
    ticks = [(left, "start", _tick(axis.low)), (right, "end", _tick(axis.high))]
    # 0 is labelled unless it would collide with an end label.
    if min(zero - left, right - zero) > 30:
        ticks.append((zero, "middle", "0"))
    labels = format_html_join(
        "", '<text x="{}" y="9" text-anchor="{}">{}</text>', ((x, a, t) for x, a, t in ticks)
    )
    return format_html(
        '<svg class="interval-scale" width="{0}" height="20" viewBox="0 0 {0} 20" '
        'aria-hidden="true" focusable="false">{1}'
        '<line class="scale-line" x1="{2}" x2="{3}" y1="16" y2="16"/>'
        '<line class="scale-line" x1="{2}" x2="{2}" y1="13" y2="19"/>'
        '<line class="scale-line" x1="{3}" x2="{3}" y1="13" y2="19"/>'
        '<line class="bar-zero" x1="{4}" x2="{4}" y1="12" y2="20"/></svg>',
        BAR_WIDTH,
        labels,
        left,
        right,
        zero,
    )


# --- Tables of scores -------------------------------------------------------------------


@register.simple_tag
def score_cell(column: ScoreColumn, row: Mapping[str, Any]) -> str:
    """One cell of a table of scores, written as its column writes it."""
    return column.cell(row)


@register.simple_tag
def rule_value(rule: registry.Rule, value: float | None) -> str:
    """A value of `rule`, written as the rule writes it."""
    return rule.format(value)


@register.simple_tag
def standing_value(standing: Any) -> str:
    """A rule's value over many questions (a mean, or a total over coverage): three
    decimals whatever the rule writes on one question, as the leaderboards show them."""
    rule: registry.Rule = standing.rule
    return rule.format(standing.value, places=3)


@register.simple_tag
def standing_mean(standing: Any) -> str:
    """The plain mean of a standing's per-question values, written as its value is."""
    rule: registry.Rule = standing.rule
    return rule.format(standing.per_question_mean, places=3)


# --- Sortable headers -------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def sort_header(
    context: template.Context,
    label: str,
    key: str,
    current: str,
    numeric: bool = True,
    first: str = "asc",
) -> SafeString:
    """A column heading that sorts the table by `key`: the first click sorts in the
    `first` direction, the next one reverses it. `current` is the page's sort (a column's key, or
    the key after "-" for descending); the sorted column carries aria-sort and an arrow."""
    request: HttpRequest = context["request"]
    descending_now = current.startswith("-")
    active = current.lstrip("-") == key
    if active:
        target = key if descending_now else f"-{key}"
    else:
        target = f"-{key}" if first == "desc" else key
    query = request.GET.copy()
    query["sort"] = target
    query.pop("page", None)
    query.pop("format", None)
    aria = ""
    arrow = ""
    if active:
        aria = ' aria-sort="descending"' if descending_now else ' aria-sort="ascending"'
        arrow = " ▼" if descending_now else " ▲"
    return format_html(
        '<th scope="col"{}{}><a class="sort-link" href="?{}">{}<span aria-hidden="true">{}'
        "</span></a></th>",
        SafeString(' class="num"') if numeric else "",
        SafeString(aria),
        query.urlencode(),
        label,
        arrow,
    )


# --- Figures ----------------------------------------------------------------------------


def _percent_range(lower: float, upper: float) -> str:
    return f"{round(lower * 100)}–{round(upper * 100)}%"


@register.inclusion_tag("scoring/_reliability.html")
def reliability_figure(report: dict[str, Any], name: str, subject: str = "") -> dict[str, Any]:
    """The reliability diagram of a calibration report (observed frequency against mean
    forecast per bin, Jeffreys whiskers, the count at each point, the diagonal) and the
    bin table beside it, empty bins included."""
    bins = []
    for row in report["bins"]:
        bins.append({**row, "label": _percent_range(row["lower"], row["upper"])})
    points = [
        {
            "x": row["mean_forecast"],
            "y": row["observed"],
            "low": row["ci_low"],
            "high": row["ci_high"],
            "count": row["count"],
            "questions": row["questions"],
            "bin": row["label"],
            "sufficient": row.get("sufficient", True),
        }
        for row in bins
        if row["count"]
    ]
    return {
        "min_bin": report.get("min_bin"),
        "small_bins": any(row.get("sufficient") is False and row["count"] for row in bins),
        "name": name,
        "data_id": f"{name}-data",
        "subject": subject,
        "bins": bins,
        "points": points,
        "level": round(report.get("level", 0.95) * 100),
        "filled": len(points),
    }


@register.inclusion_tag("scoring/_roc.html")
def roc_figure(report: dict[str, Any], name: str) -> dict[str, Any]:
    """The ROC curve (true- against false-positive rate as the threshold falls) with the
    chance diagonal, and its points as a table."""
    curve = report.get("roc_curve") or {"fpr": [], "tpr": [], "threshold": []}
    points = [
        {"x": fpr, "y": tpr, "threshold": threshold}
        for fpr, tpr, threshold in zip(curve["fpr"], curve["tpr"], curve["threshold"], strict=True)
    ]
    return {
        "name": name,
        "data_id": f"{name}-data",
        "points": points,
        "auc": report.get("roc_auc"),
    }


def _epoch_ms(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp() * 1000)


@register.inclusion_tag("scoring/_score_history.html")
def score_history_figure(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """Scores by the date each question's outcome became known: each question's value
    under the headline rule (Accuracy) and the running means of it and of the rule it is
    built from (Daily Brier): the means My record shows."""
    main, second = registry.ACCURACY, registry.DAILY_BRIER
    dated = sorted(
        (row for row in rows if row["question"].known_at is not None),
        key=lambda row: (row["question"].known_at, row["question"].pk),
    )
    points = []
    mains: list[float] = []
    seconds: list[float] = []
    for row in dated:
        if row[main.key] is not None:
            mains.append(row[main.key])
        if row[second.key] is not None:
            seconds.append(row[second.key])
        points.append(
            {
                "x": _epoch_ms(row["question"].known_at),
                "date": row["question"].known_at.astimezone(UTC).strftime("%Y-%m-%d"),
                "question": row["question"].title,
                "value": row[main.key],
                "mean": sum(mains) / len(mains) if mains else None,
                "second_mean": sum(seconds) / len(seconds) if seconds else None,
                "value_text": main.format(row[main.key]),
                "mean_text": main.format(sum(mains) / len(mains) if mains else None),
                "second_mean_text": second.format(sum(seconds) / len(seconds) if seconds else None),
            }
        )
    return {
        "name": name,
        "data_id": f"{name}-data",
        "points": points,
        "main": main,
        "second": second,
    }


@register.filter
def fixed(value: Any, places: int = 4) -> str:
    """A number with a fixed number of decimals, without the "-0.0000" that a tiny
    negative rounding residue would print."""
    number = _finite(value)
    if number is None:
        return "—"
    text = f"{number:.{int(places)}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


@register.filter
def tiny(value: Any) -> str:
    """A number that should be 0 up to rounding (an identity's residue), in scientific
    notation so its size shows: 1.1e-16."""
    number = _finite(value)
    if number is None:
        return "—"
    return "0" if number == 0 else f"{number:.1e}"
