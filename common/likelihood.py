"""The likelihood tables: which range of probability a wording implies, and which
source says so.

The tables are data (`common/data/likelihood_tables.yaml`), read and checked once per
process. Questions store a table's key with an implied range, claims store the key of
the table that gave their range (or `NUMBER` for a stated figure), and the claim
extractor matches every wording listed here. Adding a table is adding a block to the
file: the question form's choices, the validator, the staff page and the extractor
read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "likelihood_tables.yaml"

# The pseudo-table of a stated figure ("a 60 % chance", "one in three"): the range is
# the number itself. Not a table in the file, so not offered for questions' provenance.
NUMBER = "number"
NUMBER_NAME = "The stated figure"

_KEY_MAX_LENGTH = 16  # Question.implied_probability_table's max_length.


class LikelihoodTableError(ValueError):
    """The data file breaks a rule; the message names the table and entry."""


@dataclass(frozen=True)
class Entry:
    expression: str
    alternatives: tuple[str, ...]
    low: float
    high: float

    @property
    def wordings(self) -> tuple[str, ...]:
        return (self.expression, *self.alternatives)


@dataclass(frozen=True)
class Table:
    key: str
    name: str
    source: str
    url: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Match:
    """One table's reading of a wording."""

    table: str
    expression: str  # the table's own entry the wording belongs to
    low: float
    high: float


def normalise(expression: str) -> str:
    """The form wordings are compared in: lower case, one space, curly quotes straight."""
    text = expression.replace("\u2019", "'").replace("\u2018", "'").lower()
    return " ".join(text.split())


def _probability(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LikelihoodTableError(f"{where}: expected a number between 0 and 1, got {value!r}.")
    if not 0.0 <= float(value) <= 1.0:
        raise LikelihoodTableError(f"{where}: {value} is not between 0 and 1.")
    return float(value)


def _entry(raw: Any, where: str) -> Entry:
    if not isinstance(raw, dict) or not str(raw.get("expression") or "").strip():
        raise LikelihoodTableError(f"{where}: an entry needs an expression.")
    alternatives = raw.get("alternatives") or []
    if not isinstance(alternatives, list) or not all(isinstance(a, str) for a in alternatives):
        raise LikelihoodTableError(f"{where}: alternatives must be a list of wordings.")
    low = _probability(raw.get("low"), f"{where} low")
    high = _probability(raw.get("high"), f"{where} high")
    if low > high:
        raise LikelihoodTableError(f"{where}: low {low} is above high {high}.")
    return Entry(
        expression=str(raw["expression"]).strip(),
        alternatives=tuple(a.strip() for a in alternatives),
        low=low,
        high=high,
    )


def _table(raw: Any, index: int) -> Table:
    if not isinstance(raw, dict):
        raise LikelihoodTableError(f"table {index + 1}: expected a mapping.")
    key = str(raw.get("key") or "")
    where = f"table {key or index + 1}"
    if not key or not key.replace("_", "").isalnum() or key != key.lower():
        raise LikelihoodTableError(f"{where}: key must be lower-case letters, digits and _.")
    if len(key) > _KEY_MAX_LENGTH or key == NUMBER:
        raise LikelihoodTableError(f"{where}: key is too long or reserved.")
    for field in ("name", "source"):
        if not str(raw.get(field) or "").strip():
            raise LikelihoodTableError(f"{where}: {field} is required.")
    entries = raw.get("entries")
    if not isinstance(entries, list) or not entries:
        raise LikelihoodTableError(f"{where}: entries must be a non-empty list.")
    parsed = tuple(_entry(e, f"{where} entry {i + 1}") for i, e in enumerate(entries))
    seen: set[str] = set()
    for entry in parsed:
        for wording in map(normalise, entry.wordings):
            if wording in seen:
                raise LikelihoodTableError(f"{where}: {wording!r} is listed twice.")
            seen.add(wording)
    return Table(
        key=key,
        name=str(raw["name"]).strip(),
        source=" ".join(str(raw["source"]).split()),
        url=str(raw.get("url") or "").strip(),
        entries=parsed,
    )


def tables_parse(document: Any) -> tuple[Table, ...]:
    """Check a loaded document and return its tables; raise LikelihoodTableError."""
    if not isinstance(document, dict) or not isinstance(document.get("tables"), list):
        raise LikelihoodTableError("The file needs a `tables` list.")
    parsed = tuple(_table(raw, i) for i, raw in enumerate(document["tables"]))
    keys = [t.key for t in parsed]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise LikelihoodTableError(f"Table keys listed twice: {', '.join(duplicates)}.")
    return parsed


@cache
def tables() -> tuple[Table, ...]:
    """Every table, in the file's order (the order `lookup` prefers)."""
    with DATA_FILE.open(encoding="utf-8") as handle:
        return tables_parse(yaml.safe_load(handle))


def caches_clear() -> None:
    """Forget the file as read (tests that swap `DATA_FILE`)."""
    tables.cache_clear()
    _index.cache_clear()


def table(key: str) -> Table:
    """The table with this key; KeyError if there is none."""
    for candidate in tables():
        if candidate.key == key:
            return candidate
    raise KeyError(key)


def table_keys() -> tuple[str, ...]:
    return tuple(t.key for t in tables())


def table_choices() -> list[tuple[str, str]]:
    """(key, name) for model and form choices: the file's tables, not `NUMBER`."""
    return [(t.key, t.name) for t in tables()]


def question_table_choices() -> list[tuple[str, str]]:
    """(key, name) for a question's implied-probability table: the file's tables and
    `NUMBER`, for a range read from a stated figure ("a 60 % chance")."""
    return [*table_choices(), (NUMBER, NUMBER_NAME)]


def question_table_keys() -> tuple[str, ...]:
    return (*table_keys(), NUMBER)


def table_name(key: str) -> str:
    if key == NUMBER:
        return NUMBER_NAME
    try:
        return table(key).name
    except KeyError:
        return key


@cache
def _index() -> dict[str, tuple[Match, ...]]:
    index: dict[str, list[Match]] = {}
    for source in tables():
        for entry in source.entries:
            match = Match(source.key, entry.expression, entry.low, entry.high)
            for wording in entry.wordings:
                index.setdefault(normalise(wording), []).append(match)
    return {wording: tuple(matches) for wording, matches in index.items()}


def lookup(expression: str) -> tuple[Match, ...]:
    """Every table's reading of the wording, first table first; empty if none lists it."""
    return _index().get(normalise(expression), ())


def phrases() -> tuple[str, ...]:
    """Every wording any table lists, normalised, longest first (so that "very
    unlikely" is preferred to "unlikely" where both match)."""
    return tuple(sorted(_index(), key=lambda w: (-len(w.split()), -len(w), w)))
