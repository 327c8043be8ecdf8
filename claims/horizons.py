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
# "by 2030", "by the end of 2027", "by mid-2027", "before 2030", "by early 2028",
# "through 2028", "for most of 2027", "in early 2028"
_BY_YEAR = re.compile(
    r"\b(?P<prep>by|before|until|till|through|throughout|in|during|"
    r"for\s+(?:most|much|all|the\s+rest)\s+of)\s+(?:the\s+)?"
    r"(?:(?:(?P<nth>first|second|third|fourth)\s+(?P<piece>half|quarter)|"
    r"(?P<part>end|middle|start|beginning|close))\s+of\s+(?:the\s+)?)?"
    rf"(?:(?P<season>mid|late|early)[-\s]?)?{_YEAR}\b",
    re.IGNORECASE,
)
_NTH = {"first": 1, "second": 2, "third": 3, "fourth": 4}
# "before the 2028 election", "by the 2027 summit": an event in that year, not "before
# 2028"; read as ending with the year, as "by 2030" is.
_EVENT_YEAR = re.compile(
    rf"\b(?P<prep>by|before|until|ahead\s+of)\s+the\s+{_YEAR}"
    r"(?:\s+(?!and\b|or\b|to\b|as\b)[\w\-]+)?\b",
    re.IGNORECASE,
)
# "between 2026 and 2029", "from 2027 to 2030": the later year's end.
_BETWEEN_YEARS = re.compile(
    r"\b(?:between|from)\s+(?:19|20)\d{2}\s+(?:and|to)\s+(?P<year>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)
# "by March 2027", "by June 30, 2027", "by the end of March 2027", "on November 3"
# (a day without a year is its next one)
_BY_DATE = re.compile(
    r"\b(?P<prep>by|before|until|on)\s+(?:the\s+)?(?:(?P<part>end)\s+of\s+)?"
    rf"(?P<when>{_MONTH}\s+(?:(?:\d{{1,2}},?\s+)?(?:19|20)\d{{2}}|\d{{1,2}}\b(?!,?\s+\d)))",
    re.IGNORECASE,
)
# "next year", "in next month's budget": the calendar year or month after publication
# (while "the next year" and "within the next year" are twelve months).
_NEXT_CALENDAR = re.compile(
    r"(?<!the\s)\b(?:(?:in|during)\s+)?next\s+(?P<unit>year|month)\b", re.IGNORECASE
)
# "by next year", "by the end of this year", "by the end of the decade", and "this year"
# alone (not "earlier this year" or "so far this year", which look back).
_BY_RELATIVE = re.compile(
    r"\b(?:(?:by|before)\s+(?:the\s+)?(?:(?P<part>end|turn)\s+of\s+)?(?:the\s+)?"
    r"(?P<which>next|this|the)|(?<!earlier\s)(?<!far\s)(?P<this>this))\s+"
    r"(?P<unit>year|month|decade)\b(?!['’])",
    re.IGNORECASE,
)
# "next spring", "by the end of next winter", "this autumn", "in the spring of 2027".
# Seasons are the northern meteorological ones (spring is March to May, winter December
# to February); "next" is the first one that starts after publication.
_SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_SEASON = re.compile(
    r"\b(?:(?P<which>next|this)\s+(?P<season>spring|summer|autumn|fall|winter)|"
    r"(?:the\s+)?(?P<named>spring|summer|autumn|fall|winter)\s+(?:of\s+)?"
    r"(?P<year>(?:19|20)\d{2})|"
    # "before the summer", "by the winter": the next one not yet over.
    r"(?P<prep>by|before|until|over)\s+the\s+(?P<bare>spring|summer|autumn|fall|winter)"
    r"(?!\s+(?:of|months|break|recess)\b))\b",
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
    # Counted from the time of writing ("within a year", "the next decade"), so a
    # sentence that reports an earlier forecast cannot date it from publication.
    relative: bool = False
    # Dates a claim but does not make one: "this year" is as often the past ("sales
    # rose this year") as the future.
    weak: bool = False


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


def _year_end(match: re.Match[str], published: date) -> date | None:
    year = int(match.group("year"))
    part = (match.group("part") or "").lower()
    season = (match.group("season") or "").lower()
    prep = match.group("prep").lower()
    if prep in ("in", "during") and year <= published.year:
        # "in 2026" in an article of 2026 may be past or future; a later year is future.
        return None
    if match.group("piece"):
        # "in the second half of 2027" ends with June or December, a quarter with its
        # third month.
        months = 6 if match.group("piece").lower() == "half" else 3
        return _month_end(year, months * _NTH[match.group("nth").lower()])
    if prep == "before" and not part and not season:
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


def _same_day(day: date, year: int) -> date:
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


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
    has_day = re.search(r"(?<!\d)\d{1,2}(?!\d)", when) is not None
    if re.search(r"(?:19|20)\d{2}", when) is None:
        # "on November 3": this year's, or for "by"/"before" the next one if it has
        # passed; "on" a passed day is the past.
        this_year = _same_day(parsed.date(), published.year)
        if this_year < published and match.group("prep").lower() == "on":
            return None
        parsed = datetime.combine(
            this_year if this_year >= published else _same_day(this_year, published.year + 1),
            time(),
        )
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


def _event_end(match: re.Match[str], published: date) -> date:
    return date(int(match.group("year")), 12, 31)


def _between_end(match: re.Match[str], published: date) -> date:
    return date(int(match.group("year")), 12, 31)


def _season_months(year: int, first_month: int) -> tuple[date, date]:
    start = date(year, first_month, 1)
    last = date_add(start, months=2)
    return start, _month_end(last.year, last.month)


def _season_end(match: re.Match[str], published: date) -> date:
    name = (match.group("season") or match.group("named") or match.group("bare")).lower()
    first_month = _SEASONS[name]
    year = int(match.group("year") or published.year)
    start, end = _season_months(year, first_month)
    if match.group("which") and match.group("which").lower() == "next" and start <= published:
        start, end = _season_months(year + 1, first_month)
    if match.group("bare"):
        if end < published:
            start, end = _season_months(year + 1, first_month)
        if match.group("prep").lower() == "before":
            return date.fromordinal(start.toordinal() - 1)
    return end


def _by_relative_end(match: re.Match[str], published: date) -> date:
    which = (match.group("which") or match.group("this")).lower()
    unit = match.group("unit").lower()
    if unit == "year":
        return date(published.year + (1 if which == "next" else 0), 12, 31)
    if unit == "decade":
        start = published.year - published.year % 10 + (10 if which == "next" else 0)
        if (match.group("part") or "").lower() == "turn":
            # "by the turn of the decade" is read as its first year, like "by 2030".
            return date(start + 10, 12, 31)
        return date(start + 9, 12, 31)
    moved = date_add(published, months=1) if which == "next" else published
    return _month_end(moved.year, moved.month)


# (pattern, reader, counted from the time of writing)
_GRAMMAR = (
    (_BY_DATE, _date_end, False),
    (_EVENT_YEAR, _event_end, False),
    (_BETWEEN_YEARS, _between_end, False),
    (_SEASON, _season_end, False),
    (_BY_YEAR, _year_end, False),
    (_BY_RELATIVE, _by_relative_end, False),
    (_NEXT_CALENDAR, _calendar_end, False),
    (_NEXT, _relative_end, True),
    (_WITHIN, _relative_end, True),
    (_FROM_NOW, _relative_end, True),
)


def horizons_find(text: str, *, published: date) -> list[Horizon]:
    """Every future horizon in `text`, in order, none overlapping (the earlier rule in
    the grammar wins a tie: "by March 2027" is a date, not a year)."""
    found: list[Horizon] = []
    taken: list[tuple[int, int]] = []
    for pattern, reader, relative in _GRAMMAR:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            date_end = reader(match, published)
            if date_end is None or date_end < published:
                continue
            taken.append((start, end))
            weak = bool(match.groupdict().get("this"))
            found.append(Horizon(match.group(0), start, end, published, date_end, relative, weak))
    return sorted(found, key=lambda h: h.start)
