"""Horizons: "within six months", "by the end of 2027", "over the next decade", turned
into dates from the article's publication date.

A small grammar of our own (regular expressions over a sentence), because the phrases
that bound a forecast are few and their reading is a convention we want written down
(docs/claims.md): dateparser reads calendar dates well but has no notion of "the
coming years". dateparser still reads the calendar dates the grammar finds after "by"
("by March 2027", "by June 30, 2027").

A phrase about the past ("over the past six months", "since 2020", "in 1953") is no
horizon, and nor is a date already behind the publication date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from typing import Any

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "eighteen": 18,
    "twenty": 20,
    "thirty": 30,
    "fifty": 50,
    # Vague counts, a written convention: "a couple of" is two, "a few" (and a plural
    # with no count, "the coming years") three, "several" five.
    "couple of": 2,
    "a couple of": 2,
    "few": 3,
    "a few": 3,
    "several": 5,
}
_VAGUE_PLURAL = 3

_QTY = (
    r"(?P<qty>\d{1,3}|a\s+couple\s+of|couple\s+of|a\s+few|few|several|"
    + "|".join(w for w in _NUMBER_WORDS if " " not in w and w not in ("few", "several"))
    + r")"
)
_UNIT = r"(?P<unit>days?|weeks?|months?|quarters?|years?|decades?)"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)

# "the next decade", "the coming months", "the next few years", "Next 6 Months"
_NEXT = re.compile(
    r"\b(?:(?:within|in|over|during|for|throughout)\s+)?(?:the\s+)?(?:next|coming|upcoming)\s+"
    rf"(?:{_QTY}\s+)?{_UNIT}\b",
    re.IGNORECASE,
)
# "within three years", "in ten years", "within a year", "in 18 months' time"
_WITHIN = re.compile(
    rf"(?<!time\s)\b(?:within|in)\s+{_QTY}\s+{_UNIT}(?:['’]?\s+time)?\b(?!\s+(?:ago|before|earlier))",
    re.IGNORECASE,
)
# "three years from now"
_FROM_NOW = re.compile(rf"\b{_QTY}\s+{_UNIT}\s+from\s+now\b", re.IGNORECASE)
# "by 2030", "by the end of 2027", "by mid-2027", "before 2030", "by early 2028"
_BY_YEAR = re.compile(
    r"\b(?P<prep>by|before|until|till)\s+(?:the\s+)?"
    r"(?:(?P<part>end|middle|start|beginning|close)\s+of\s+(?:the\s+)?)?"
    rf"(?:(?P<season>mid|late|early)[-\s]?)?{_YEAR}\b",
    re.IGNORECASE,
)
# "by March 2027", "by June 30, 2027", "by the end of March 2027"
_BY_DATE = re.compile(
    r"\b(?P<prep>by|before|until)\s+(?:the\s+)?(?:(?P<part>end)\s+of\s+)?"
    rf"(?P<when>{_MONTH}\s+(?:\d{{1,2}},?\s+)?(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)
# "next year", "in next month's budget": the calendar year or month after publication
# (while "the next year" and "within the next year" are twelve months).
_NEXT_CALENDAR = re.compile(
    r"(?<!the\s)\b(?:(?:in|during)\s+)?next\s+(?P<unit>year|month)\b", re.IGNORECASE
)
# "by next year", "by the end of this year", "by the end of the decade"
_BY_RELATIVE = re.compile(
    r"\b(?:by|before)\s+(?:the\s+)?(?:(?P<part>end)\s+of\s+)?(?:the\s+)?"
    r"(?P<which>next|this|the)\s+(?P<unit>year|month|decade)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Horizon:
    """A horizon found in a text: the phrase as written at text[start:end], and the
    dates it spans (from the publication date to `date_end`)."""

    text: str
    start: int
    end: int
    date_start: date
    date_end: date


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def date_add(base: date, *, years: int = 0, months: int = 0, days: int = 0) -> date:
    """`base` moved on by whole calendar units; the 31st becomes the month's last day."""
    total = base.month - 1 + months + 12 * years
    year, month = base.year + total // 12, total % 12 + 1
    day = min(base.day, calendar.monthrange(year, month)[1])
    return date.fromordinal(date(year, month, day).toordinal() + days)


def _quantity(raw: str | None) -> int:
    if raw is None:
        return _VAGUE_PLURAL
    key = " ".join(raw.lower().split())
    return int(key) if key.isdigit() else _NUMBER_WORDS[key]


def _span_end(published: date, count: int, unit: str) -> date:
    unit = unit.lower().rstrip("s")
    if unit == "day":
        return date_add(published, days=count)
    if unit == "week":
        return date_add(published, days=7 * count)
    if unit == "month":
        return date_add(published, months=count)
    if unit == "quarter":
        return date_add(published, months=3 * count)
    if unit == "decade":
        return date_add(published, years=10 * count)
    return date_add(published, years=count)


def _relative_end(match: re.Match[str], published: date) -> date:
    unit = match.group("unit")
    qty = match.group("qty")
    if qty is None and not unit.lower().endswith("s"):
        # "the next decade", "the coming year": one of them.
        qty = "one"
    return _span_end(published, _quantity(qty), unit)


def _year_end(match: re.Match[str], published: date) -> date:
    year = int(match.group("year"))
    part = (match.group("part") or "").lower()
    season = (match.group("season") or "").lower()
    if match.group("prep").lower() == "before" and not part and not season:
        # "before 2030" ends with 2029; "before the end of 2030" with 2030.
        return date(year - 1, 12, 31)
    if part in ("start", "beginning"):
        return date(year, 1, 1)
    if part == "middle" or season == "mid":
        return date(year, 6, 30)
    if season == "early":
        return date(year, 3, 31)
    return date(year, 12, 31)


@cache
def _dateparser() -> Any:
    # Imported on first use: it loads its language data, a second or so.
    import dateparser

    return dateparser


def _date_end(match: re.Match[str], published: date) -> date | None:
    when = " ".join(match.group("when").split())
    settings = {
        "RELATIVE_BASE": datetime.combine(published, time()),
        "PREFER_DAY_OF_MONTH": "last",
        "PREFER_DATES_FROM": "future",
    }
    parsed = _dateparser().parse(when, languages=["en"], settings=settings)
    if parsed is None:
        return None
    has_day = re.search(r"\d{1,2},?\s+(?:19|20)\d{2}", when) is not None
    if match.group("prep").lower() == "before" and not match.group("part"):
        # "before June 30, 2027" ends on the 29th; "before March 2027" with February.
        first = parsed.date() if has_day else date(parsed.year, parsed.month, 1)
        return date.fromordinal(first.toordinal() - 1)
    return parsed.date() if has_day else _month_end(parsed.year, parsed.month)


def _calendar_end(match: re.Match[str], published: date) -> date:
    if match.group("unit").lower() == "year":
        return date(published.year + 1, 12, 31)
    moved = date_add(published, months=1)
    return _month_end(moved.year, moved.month)


def _by_relative_end(match: re.Match[str], published: date) -> date:
    which = match.group("which").lower()
    unit = match.group("unit").lower()
    if unit == "year":
        return date(published.year + (1 if which == "next" else 0), 12, 31)
    if unit == "decade":
        start = published.year - published.year % 10
        return date(start + (19 if which == "next" else 9), 12, 31)
    moved = date_add(published, months=1) if which == "next" else published
    return _month_end(moved.year, moved.month)


_GRAMMAR = (
    (_BY_DATE, _date_end),
    (_BY_YEAR, _year_end),
    (_BY_RELATIVE, _by_relative_end),
    (_NEXT_CALENDAR, _calendar_end),
    (_NEXT, _relative_end),
    (_WITHIN, _relative_end),
    (_FROM_NOW, _relative_end),
)


def horizons_find(text: str, *, published: date) -> list[Horizon]:
    """Every future horizon in `text`, in order, none overlapping (the earlier rule in
    the grammar wins a tie: "by March 2027" is a date, not a year)."""
    found: list[Horizon] = []
    taken: list[tuple[int, int]] = []
    for pattern, reader in _GRAMMAR:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            date_end = reader(match, published)
            if date_end is None or date_end < published:
                continue
            taken.append((start, end))
            found.append(Horizon(match.group(0), start, end, published, date_end))
    return sorted(found, key=lambda h: h.start)
