"""Loading questions (and the articles they come from) from a JSON or YAML file.

The file is either a list of questions or a mapping with `articles` and
`questions`. Everything is validated before anything is written; a bad entry
rejects the whole file, and every problem is reported with its place in the
file. The rules about a question's own fields are `questions.validation`'s, the
ones the authoring page applies, so a problem there reads as it does on the page
(`question 'x': title: This field is required.`). Loading is idempotent by
slug: an existing question keeps its window (moving it would change the scores
of everyone who forecast) and gets its descriptive fields refreshed.

Two conveniences serve questions drawn from articles:
- `successor_of: SLUG` copies every field the entry does not give from an
  earlier question, and `window: {duration: P6M, resolve_after: P1M}` opens
  the question at the start of the UTC day the file is loaded (`close_at:
  "15:00"` closes it at that UTC time of its close day instead of at midnight,
  e.g. when a question's days are Korean ones, which end at 15:00 UTC);
- `stale_windows: hold_back` at the top of a file of seeds, which may be loaded
  long after it was written, leaves uncreated a question whose window is open at
  load with more than half of it behind it (forecasts made then would stand for
  less than half of the scored window); it is created once its window has
  closed, to be resolved. Questions already stored are refreshed as ever;
- `retired: true` keeps a question the file no longer offers: a stored one is
  refreshed (its forecasts and scores stand, and it resolves as written), and
  it is never created anew;
- `{open_date}`, `{close_date}`, `{open_year}` and `{close_year}` in the
  title, criteria and fine print are filled from the question's own window.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import yaml
from dateutil.relativedelta import relativedelta
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify

from common import after_commit
from common.text import control_character, line_of, nested_deeper_than
from questions.models import Article, ArticleAuthor, Outlet, Person, Project, Question, Tag
from questions.people import outlet_for_name, person_for_name
from questions.placeholders import (
    PLACEHOLDERS_ALLOWED,
    TEMPLATED_FIELDS,
    placeholders_render,
    window_placeholders,
)
from questions.validation import REQUIRED, QuestionFields, question_clean

QUESTION_KEYS = {
    "slug",
    "title",
    "type",
    "open_time",
    "scheduled_close_time",
    "scheduled_resolve_time",
    "resolution_criteria",
    "background",
    "fine_print",
    "resolution_source",
    "tags",
    "projects",
    "hide_community_until_forecast",
    "provenance",
    "successor_of",
    "window",
    "retired",
}
ARTICLE_KEYS = {
    "slug",
    "title",
    "outlet",
    "author",
    "authors",
    "publication_date",
    "publication_date_precision",
    "url",
    "text",
    "text_file",
}
DESCRIPTIVE_FIELDS = (
    "title",
    "background",
    "resolution_criteria",
    "fine_print",
    "resolution_source",
)
PROVENANCE_FIELDS = (
    "source_passage",
    "implied_probability_low",
    "implied_probability_high",
    "implied_probability_table",
    "implied_probability_term",
    "provenance_link",
    "provenance_direction",
)
MAX_REPORTED_PROBLEMS = 50
DURATION = re.compile(r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?$")
TIME_OF_DAY = re.compile(r"^(?P<hour>[01]\d|2[0-3]):(?P<minute>[0-5]\d)$")
WINDOW_KEYS = {"duration", "resolve_after", "close_at"}
STALE_WINDOWS = ("create", "hold_back")


class ImportFileError(ValidationError):
    """A file that cannot be imported; the message names the entry and field."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    articles_created: list[str] = field(default_factory=list)
    # Not created: open at load with more than half the window behind (stale_windows).
    held_back: list[str] = field(default_factory=list)
    # Not created: retired from the file, kept only where it is stored.
    retired: list[str] = field(default_factory=list)

    def summary(self) -> str:
        held = f"; {len(self.held_back)} held back (window more than half over)"
        retired = f"; {len(self.retired)} retired (not created)"
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged; {len(self.articles_created)} new articles"
            + (held if self.held_back else "")
            + (retired if self.retired else "")
        )


# Question files nest a few levels (articles, questions, provenance); far deeper is an
# attack on the parser, not a question file.
MAX_DOCUMENT_DEPTH = 32


def load_document(text: str, *, name: str = "") -> Any:
    """Parse JSON or YAML (YAML is a superset, but JSON errors read better). A control
    character (NUL above all: no database column takes it) or nesting deeper than
    MAX_DOCUMENT_DEPTH rejects the file."""
    found = control_character(text)
    if found:
        position = next(i for i, char in enumerate(text) if control_character(char))
        raise ImportFileError(
            f"line {line_of(text, position)}: the file contains the control character "
            f"{found}, which no field may hold."
        )
    try:
        if name.endswith(".json") or text.lstrip().startswith(("[", "{")):
            document = json.loads(text)
        else:
            document = yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ImportFileError(f"Cannot parse the file: {error}") from None
    except RecursionError:
        document = None
    if (document is None and text.strip()) or nested_deeper_than(document, MAX_DOCUMENT_DEPTH):
        raise ImportFileError(
            f"Cannot parse the file: it nests deeper than {MAX_DOCUMENT_DEPTH} levels."
        )
    return document


def _fail(where: str, message: str) -> ImportFileError:
    return ImportFileError(f"{where}: {message}")


def _parse_duration(value: Any, where: str, key: str) -> relativedelta:
    match = DURATION.match(str(value or ""))
    if not match or not any(match.groupdict().values()):
        raise _fail(where, f"{key}: {value!r} is not a duration like P6M, P10Y or P30D.")
    parts = {name: int(number or 0) for name, number in match.groupdict().items()}
    return relativedelta(years=parts["years"], months=parts["months"], days=parts["days"])


def _parse_date(value: Any, where: str, key: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _fail(where, f"{key}: {value!r} is not a date (YYYY-MM-DD).") from None


def _text(entry: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = entry.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _fail(where, f"{key}: must be text.")
    if required and not value.strip():
        raise _fail(where, f"{key}: is required.")
    return value.strip()


def _check_lengths(model: type[Any], record: dict[str, Any], where: str) -> None:
    """Catch over-long text here, with the field named, rather than as a
    database error on PostgreSQL (SQLite would store it silently)."""
    for key, value in record.items():
        try:
            limit = model._meta.get_field(key).max_length
        except FieldDoesNotExist:  # not a model field (tags, provenance, ...)
            continue
        if limit and isinstance(value, str) and len(value) > limit:
            raise _fail(where, f"{key}: longer than {limit} characters.")


def _clean_articles(entries: Any, base_dir: Path) -> dict[str, dict[str, Any]]:
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise ImportFileError("articles: must be a list.")
    articles: dict[str, dict[str, Any]] = {}
    for position, entry in enumerate(entries, start=1):
        where = f"article #{position}"
        if not isinstance(entry, dict):
            raise _fail(where, "must be a mapping.")
        unknown = set(entry) - ARTICLE_KEYS
        if unknown:
            raise _fail(where, f"unknown keys {sorted(unknown)}.")
        slug = _text(entry, "slug", where, required=True)
        where = f"article {slug!r}"
        if slug in articles:
            raise _fail(where, "slug appears twice.")
        text = _text(entry, "text", where)
        if entry.get("text_file"):
            path = base_dir / str(entry["text_file"])
            try:
                text = path.read_text(encoding="utf-8").strip()
            except OSError as error:
                raise _fail(where, f"text_file: cannot read {path} ({error.strerror}).") from None
        if not text:
            raise _fail(where, "text or text_file is required.")
        precision = entry.get("publication_date_precision", Article.DatePrecision.DAY)
        if precision not in Article.DatePrecision.values:
            raise _fail(where, f"publication_date_precision: {precision!r} is not day/month/year.")
        articles[slug] = {
            "slug": slug,
            "title": _text(entry, "title", where, required=True),
            "publication_date": _parse_date(
                entry.get("publication_date"), where, "publication_date"
            ),
            "publication_date_precision": precision,
            "url": _text(entry, "url", where),
            "text": text,
        }
        _check_lengths(Article, articles[slug], where)
        articles[slug][_OUTLET] = _read_outlet(entry.get("outlet"), where)
        articles[slug][_AUTHORS] = _read_authors(entry, where)
    return articles


# The article's outlet and authors travel with its fields under these keys until they
# are written as records of their own.
_OUTLET = "outlet"
_AUTHORS = "authors"
_PERSON_KEYS = {"name", "affiliation", "url"}
_OUTLET_KEYS = {"name", "url", "description"}


def _read_outlet(value: Any, where: str) -> dict[str, str] | None:
    """`outlet: Name` or `outlet: {name, url, description}`."""
    if value in (None, ""):
        return None
    spec = _read_record(value, where, "outlet", _OUTLET_KEYS)
    _check_lengths(Outlet, spec, f"{where}, outlet")
    return spec


def _read_authors(entry: dict[str, Any], where: str) -> list[dict[str, str]]:
    """`author: Name` (one) or `authors: [Name, {name, affiliation, url}, ...]`."""
    if entry.get("author") and entry.get("authors"):
        raise _fail(where, "give author or authors, not both.")
    values = entry.get("authors")
    if values is None:
        values = [entry["author"]] if entry.get("author") else []
    if not isinstance(values, list):
        raise _fail(where, "authors: must be a list.")
    people = [_read_record(value, where, "authors", _PERSON_KEYS) for value in values]
    for person in people:
        _check_lengths(Person, person, f"{where}, author {person['name'][:40]!r}")
    if len({slugify(person["name"]) for person in people}) < len(people):
        raise _fail(where, "authors: a name appears twice.")
    return people


def _read_record(value: Any, where: str, key: str, keys: set[str]) -> dict[str, str]:
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        raise _fail(where, f"{key}: must be a name or a mapping of {', '.join(sorted(keys))}.")
    unknown = set(value) - keys
    if unknown:
        raise _fail(where, f"{key}: unknown keys {sorted(unknown)}.")
    spec = {k: _text(value, k, f"{where}, {key}") for k in keys}
    if not slugify(spec["name"]):
        raise _fail(where, f"{key}: name is required.")
    return spec


def _article_people_write(article: Article, outlet: Any, authors: list[dict[str, str]]) -> None:
    """The outlet and authors as records (`questions.people`: found by the slug of the
    name; the file's url, affiliation or description fill in what a record left blank)."""
    article.outlet = outlet_for_name(**outlet) if outlet else None
    article.save(update_fields=["outlet"])
    people = [person_for_name(**spec) for spec in authors]
    if [p.pk for p in article.authors.order_by("bylines__position")] != [p.pk for p in people]:
        article.bylines.all().delete()
        ArticleAuthor.objects.bulk_create(
            ArticleAuthor(article=article, person=person, position=position)
            for position, person in enumerate(people)
        )


# --- Questions -------------------------------------------------------------------

# Where a question's field sits in the file, when that is not its own name.
FILE_KEYS = {
    "article": "provenance.article",
    "source_passage": "provenance.passage",
    "implied_probability": "provenance.implied_probability",
    "implied_probability_low": "provenance.implied_probability.low",
    "implied_probability_high": "provenance.implied_probability.high",
    "implied_probability_table": "provenance.implied_probability.table",
    "implied_probability_term": "provenance.implied_probability.term",
    "provenance_link": "provenance.link",
    "provenance_direction": "provenance.direction",
}
# An entry's problems are listed in the order its keys are usually written.
_FIELD_ORDER = (
    "slug",
    "title",
    "type",
    "open_time",
    "scheduled_close_time",
    "scheduled_resolve_time",
    "resolution_criteria",
    "background",
    "fine_print",
    "resolution_source",
    "tags",
    "projects",
    "hide_community_until_forecast",
    "provenance",
    "article",
    "source_passage",
    "implied_probability",
    "implied_probability_low",
    "implied_probability_high",
    "implied_probability_table",
    "implied_probability_term",
    "provenance_link",
    "provenance_direction",
    "retired",
)
WINDOW_FIELDS = ("open_time", "scheduled_close_time", "scheduled_resolve_time")
# A window the file gets wrong still lets its texts be checked: any window fills the
# placeholders to the same length (ISO dates and four-digit years).
_STAND_IN_WINDOW = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 7, 1, tzinfo=UTC))


class _EntryProblems:
    """A question entry's problems by field, each line starting with the entry's
    place in the file and the field's key in it."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.add_line(name, f"{self.where}: {FILE_KEYS.get(name, name)}: {message}")

    def add_line(self, name: str, line: str) -> None:
        self.by_field.setdefault(name, []).append(line)

    def add_rules(self, error: ValidationError) -> None:
        """The shared rules' problems, but none on a field the file's reading already
        refused: that value never reached them (a time that is not a time is not
        also "required")."""
        refused = set(self.by_field)
        for name, messages in error.message_dict.items():
            if name not in refused:
                for message in messages:
                    self.add(name, message)

    def lines(self) -> list[str]:
        order = {name: position for position, name in enumerate(_FIELD_ORDER)}
        names = sorted(self.by_field, key=lambda name: order.get(name, len(order)))
        return [line for name in names for line in self.by_field[name]]


def _clean_questions(
    entries: Any, *, articles: dict[str, Article], load_time: datetime
) -> list[dict[str, Any]]:
    """Every entry read and judged by the shared rules; every problem of every
    entry is reported, each with its place in the file."""
    if not isinstance(entries, list) or not entries:
        raise ImportFileError("questions: must be a non-empty list.")
    load_day = datetime.combine(load_time.astimezone(UTC).date(), time.min, tzinfo=UTC)
    existing = _existing_question_ids(entries)
    raw_by_slug: dict[str, dict[str, Any]] = {}
    cleaned: list[dict[str, Any]] = []
    problems: list[str] = []
    for position, given in enumerate(entries, start=1):
        try:
            entry = _expand_entry(given, f"question #{position}", raw_by_slug, load_day)
            slug = _entry_slug(entry)
            where = f"question {slug!r}" if slug else f"question #{position}"
            if slug in raw_by_slug:
                raise _fail(where, "slug appears twice.")
            if slug:
                raw_by_slug[slug] = entry
            cleaned.append(
                _clean_entry(
                    entry,
                    _EntryProblems(where),
                    articles=articles,
                    exclude_pk=existing.get(slug),
                )
            )
        except ImportFileError as error:
            problems.extend(error.messages)
    if problems:
        shown = problems[:MAX_REPORTED_PROBLEMS]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more problems")
        raise ImportFileError(shown)
    return cleaned


def _existing_question_ids(entries: list[Any]) -> dict[str, int]:
    """The questions the file names by slug already: loading rewrites them, so their
    slugs are not a clash."""
    slugs = [_entry_slug(entry) for entry in entries if isinstance(entry, dict)]
    found = Question.objects.filter(slug__in=[slug for slug in slugs if slug])
    return dict(found.values_list("slug", "pk"))


def _entry_slug(entry: dict[str, Any]) -> str:
    value = entry.get("slug")
    return "" if value is None else str(value).strip()


def _expand_entry(
    given: Any, where: str, raw_by_slug: dict[str, dict[str, Any]], load_day: datetime
) -> dict[str, Any]:
    """The entry with what `successor_of` and `window` stand for written out; a
    problem here leaves the entry's fields unknown, so it is the entry's only one."""
    if not isinstance(given, dict):
        raise _fail(where, "must be a mapping.")
    unknown = set(given) - QUESTION_KEYS
    if unknown:
        raise _fail(where, f"unknown keys {sorted(unknown)}.")
    entry = dict(given)
    parent_slug = entry.get("successor_of")
    if parent_slug:
        if parent_slug not in raw_by_slug:
            raise _fail(where, f"successor_of: {parent_slug!r} is not an earlier question.")
        inherited = {
            k: v
            for k, v in raw_by_slug[parent_slug].items()
            if k not in ("slug", "successor_of", "window", "retired")
        }
        if "window" in entry:
            for key in WINDOW_FIELDS:
                inherited.pop(key, None)
        entry = {**inherited, **entry}
    if "window" in entry:
        entry.update(_window_times(entry["window"], where, load_day))
    return entry


def _window_times(window: Any, where: str, load_day: datetime) -> dict[str, datetime]:
    if not isinstance(window, dict) or "duration" not in window:
        raise _fail(where, "window: needs duration (and optionally resolve_after, close_at).")
    unknown = set(window) - WINDOW_KEYS
    if unknown:
        raise _fail(where, f"window: unknown keys {sorted(unknown)}.")
    duration = _parse_duration(window["duration"], where, "window.duration")
    resolve_after = _parse_duration(
        window.get("resolve_after", "P1D"), where, "window.resolve_after"
    )
    closes = load_day + duration + _parse_time_of_day(window.get("close_at"), where)
    return {
        "open_time": load_day,
        "scheduled_close_time": closes,
        "scheduled_resolve_time": closes + resolve_after,
    }


def _parse_time_of_day(value: Any, where: str) -> relativedelta:
    """`close_at: "HH:MM"`, a UTC time of day on the close date; midnight when left out.
    Unquoted, YAML 1.1 reads 15:00 as the number 900, which is refused by name."""
    if value is None:
        return relativedelta()
    match = TIME_OF_DAY.match(value) if isinstance(value, str) else None
    if match is None:
        raise _fail(
            where,
            f'window.close_at: {value!r} is not a UTC time of day like "15:00" '
            "(in quotes, 00:00 to 23:59).",
        )
    return relativedelta(hours=int(match["hour"]), minutes=int(match["minute"]))


def _clean_entry(
    entry: dict[str, Any],
    problems: _EntryProblems,
    *,
    articles: dict[str, Article],
    exclude_pk: int | None,
) -> dict[str, Any]:
    """The record `_write_question` stores, or ImportFileError with every problem of
    the entry. The file names each question by its slug and type (loading is
    idempotent by slug), so neither is left to a default here."""
    slug = _entry_slug(entry)
    if not slug:
        problems.add("slug", REQUIRED)
    kind = entry.get("type")
    if kind in (None, ""):
        problems.add("type", REQUIRED)
    times = {key: _read_time(entry.get(key), key, problems) for key in WINDOW_FIELDS}
    texts, templates = _read_texts(entry, times, problems)
    article_slug, provenance = _read_provenance(
        entry.get("provenance"), problems, articles, successor=bool(entry.get("successor_of"))
    )
    fields = QuestionFields(
        slug=slug,
        type=str(kind or ""),
        open_time=times["open_time"],
        scheduled_close_time=times["scheduled_close_time"],
        scheduled_resolve_time=times["scheduled_resolve_time"],
        title=texts["title"],
        background=texts["background"],
        resolution_criteria=texts["resolution_criteria"],
        fine_print=texts["fine_print"],
        resolution_source=texts["resolution_source"],
        tags=_read_tags(entry.get("tags"), problems),
        hide_community_until_forecast=_read_flag(entry, problems),
        **provenance,
    )
    projects = _read_projects(entry.get("projects"), problems)
    retired = _read_retired(entry, problems)
    try:
        values = question_clean(fields=fields, exclude_pk=exclude_pk)
    except ValidationError as error:
        problems.add_rules(error)
        raise ImportFileError(problems.lines()) from None
    if problems.by_field:
        raise ImportFileError(problems.lines())
    return {
        "values": values,
        "templates": templates,
        "article_slug": article_slug,
        "projects": projects,
        "successor_of": entry.get("successor_of") or None,
        "retired": retired,
    }


def _read_retired(entry: dict[str, Any], problems: _EntryProblems) -> bool:
    retired = entry.get("retired", False)
    if not isinstance(retired, bool):
        problems.add("retired", "must be true or false.")
        return False
    return retired


def _read_time(value: Any, key: str, problems: _EntryProblems) -> datetime | None:
    """A time as the file gives it, in UTC; None when left out. A time without an
    offset is passed on as it is, for the shared rules to refuse."""
    if value in (None, ""):
        return None
    moment = None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = parse_datetime(value.strip())
        except ValueError:  # well formed but not a date, e.g. month 13
            moment = None
    if moment is None:
        problems.add(key, f"{value!r} is not an ISO 8601 date-time.")
        return None
    return moment if timezone.is_naive(moment) else moment.astimezone(UTC)


def _read_texts(
    entry: dict[str, Any], times: dict[str, datetime | None], problems: _EntryProblems
) -> tuple[dict[str, str], dict[str, str]]:
    """The descriptive texts with their placeholders filled from the window, and the
    templates they were filled from (an existing question is filled from its own,
    stored window)."""
    opens, closes = times["open_time"], times["scheduled_close_time"]
    if opens is None or closes is None or timezone.is_naive(opens) or timezone.is_naive(closes):
        opens, closes = _STAND_IN_WINDOW
    placeholders = window_placeholders(opens, closes)
    texts: dict[str, str] = {}
    templates: dict[str, str] = {}
    for key in DESCRIPTIVE_FIELDS:
        value = entry.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            problems.add(key, "must be text.")
            value = ""
        value = value.strip()
        if key in TEMPLATED_FIELDS:
            templates[key] = value
            value = _fill_placeholders(value, placeholders, key, problems)
        texts[key] = value
    return texts, templates


def _fill_placeholders(
    text: str, values: dict[str, str], key: str, problems: _EntryProblems
) -> str:
    try:
        return placeholders_render(text, values)
    except ValueError as error:
        problems.add(key, f"{PLACEHOLDERS_ALLOWED} ({error}).")
        return text


def _read_tags(value: Any, problems: _EntryProblems) -> list[str]:
    tags = value or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        problems.add("tags", "must be a list of words.")
        return []
    return tags


def _read_flag(entry: dict[str, Any], problems: _EntryProblems) -> bool:
    hide = entry.get("hide_community_until_forecast", False)
    if not isinstance(hide, bool):
        problems.add("hide_community_until_forecast", "must be true or false.")
        return False
    return hide


def _read_projects(value: Any, problems: _EntryProblems) -> list[str]:
    """Projects are named by slug and created as needed (questions' drafts pick
    existing ones on the page instead)."""
    projects = value or []
    if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
        problems.add("projects", "must be a list of project slugs.")
        return []
    slugs = sorted({slugify(p) for p in projects if slugify(p)})
    limit = Project._meta.get_field("slug").max_length
    for slug in slugs:
        if limit and len(slug) > limit:
            problems.add_line(
                "projects",
                f"{problems.where}, project {slug[:20]!r}: slug: longer than {limit} characters.",
            )
    return slugs


def _read_provenance(
    value: Any, problems: _EntryProblems, articles: dict[str, Article], *, successor: bool
) -> tuple[str | None, dict[str, Any]]:
    """The article's slug and the question's provenance fields. The block is about
    an article, so it names one: in this file or already loaded. `link` says how the
    question tracks the article's claim: `direct` (the default, and the only kind that
    scores the article), `proxy`, or `successor` (the default for a `successor_of`
    entry, which measures the claim over another window). `direction` (`yes`, the
    default, or `no`) says which side of the question the claim speaks for."""
    if value in (None, {}):
        return None, {}
    if not isinstance(value, dict):
        problems.add("provenance", "must be a mapping.")
        return None, {}
    slug = value.get("article")
    article = articles.get(slug) if isinstance(slug, str) else None
    if article is None:
        problems.add("article", f"no article {slug!r} in this file or loaded.")
    fields = {
        "article": article,
        "source_passage": str(value.get("passage") or "").strip(),
        **_read_implied_probability(value.get("implied_probability"), problems),
        "provenance_link": str(
            value.get("link")
            or (Question.ProvenanceLink.SUCCESSOR if successor else Question.ProvenanceLink.DIRECT)
        ),
        "provenance_direction": _direction(value.get("direction")),
    }
    return (slug if article is not None else None), fields


def _direction(value: Any) -> str:
    """YAML 1.1 reads an unquoted `direction: no` as false (and `yes` as true): they
    mean the words, not a missing value that would default to yes."""
    if isinstance(value, bool):
        return Question.ProvenanceDirection.YES if value else Question.ProvenanceDirection.NO
    return str(value or Question.ProvenanceDirection.YES)


def _read_implied_probability(implied: Any, problems: _EntryProblems) -> dict[str, Any]:
    if not implied:
        return {}
    if not isinstance(implied, dict):
        problems.add("implied_probability", "must be a mapping of low, high, table and term.")
        return {}
    fields: dict[str, Any] = {}
    for end in ("low", "high"):
        name = f"implied_probability_{end}"
        fields[name] = None
        if implied.get(end) is None:
            continue  # the shared rules ask for both ends
        try:
            fields[name] = float(implied[end])
        except (TypeError, ValueError):
            problems.add(name, "Enter a number.")
    fields["implied_probability_table"] = str(implied.get("table") or "")
    fields["implied_probability_term"] = str(implied.get("term") or "").strip()
    return fields


def questions_import(*, document: Any, base_dir: Path, now: datetime | None = None) -> ImportReport:
    """Validate the whole document, then write it in one transaction."""
    now = now or timezone.now()
    if isinstance(document, list):
        document = {"questions": document}
    if not isinstance(document, dict):
        raise ImportFileError("The file must hold a list of questions or a mapping.")
    unknown = set(document) - {"articles", "questions", "stale_windows"}
    if unknown:
        raise ImportFileError(f"Unknown top-level keys {sorted(unknown)}.")
    stale_windows = document.get("stale_windows", "create")
    if stale_windows not in STALE_WINDOWS:
        raise ImportFileError(
            f"stale_windows: {stale_windows!r} is not one of {', '.join(STALE_WINDOWS)}."
        )
    articles = _clean_articles(document.get("articles"), base_dir)
    questions = _clean_questions(
        document.get("questions"),
        articles=_known_articles(document, articles),
        load_time=now,
    )

    report = ImportReport()
    with transaction.atomic():
        for slug, entry in articles.items():
            fields = {k: v for k, v in entry.items() if k not in (_OUTLET, _AUTHORS)}
            article, created = Article.objects.update_or_create(slug=slug, defaults=fields)
            _article_people_write(article, entry[_OUTLET], entry[_AUTHORS])
            if created:
                report.articles_created.append(slug)
        article_ids = dict(Article.objects.values_list("slug", "id"))
        for record in questions:
            slug = record["values"]["slug"]
            if record["retired"] and not Question.objects.filter(slug=slug).exists():
                report.retired.append(slug)
            elif stale_windows == "hold_back" and _held_back(record["values"], now):
                report.held_back.append(slug)
            else:
                _write_question(record, article_ids, report)
        # The claims follow the questions' provenance and the articles' texts and dates
        # (claims.services.provenance, through the pipeline); that sync changes nothing
        # when nothing here did.
        written = list(
            Question.objects.filter(
                slug__in=[record["values"]["slug"] for record in questions]
            ).values_list("pk", flat=True)
        )
        if written:
            after_commit.provenance_changed(question_ids=written)
    return report


def _held_back(values: dict[str, Any], now: datetime) -> bool:
    """A question not stored yet whose window is open at `now` with more than half
    of it gone: every forecast would stand for less than half the scored window
    (SCORING.md sections 3 and 4 divide by the whole window)."""
    opens, closes = values["open_time"], values["scheduled_close_time"]
    if not opens <= now < closes or now - opens <= (closes - opens) / 2:
        return False
    return not Question.objects.filter(slug=values["slug"]).exists()


def _known_articles(
    document: dict[str, Any], articles: dict[str, dict[str, Any]]
) -> dict[str, Article]:
    """The articles the questions may name, by slug: the file's own (not saved yet,
    and winning over a stored one of the same slug, which they will overwrite) and
    the stored ones the file refers to. Their text is read to find the passages."""
    known = {
        article.slug: article
        for article in Article.objects.filter(slug__in=_provenance_slugs(document)).exclude(
            slug__in=list(articles)
        )
    }
    known.update(
        {
            slug: Article(**{k: v for k, v in entry.items() if k not in (_OUTLET, _AUTHORS)})
            for slug, entry in articles.items()
        }
    )
    return known


def _provenance_slugs(document: dict[str, Any]) -> list[str]:
    slugs = []
    for entry in document.get("questions") or []:
        if isinstance(entry, dict) and isinstance(entry.get("provenance"), dict):
            slugs.append(str(entry["provenance"].get("article")))
    return slugs


def _write_question(
    record: dict[str, Any], article_ids: dict[str, int], report: ImportReport
) -> None:
    values = record["values"]
    descriptive = {key: values[key] for key in (*DESCRIPTIVE_FIELDS, *PROVENANCE_FIELDS)}
    descriptive.update(
        hide_community_until_forecast=values["hide_community_until_forecast"],
        article_id=article_ids.get(record["article_slug"]) if record["article_slug"] else None,
    )
    parent_id = (
        Question.objects.filter(slug=record["successor_of"]).values_list("id", flat=True).first()
        if record["successor_of"]
        else None
    )
    question = Question.objects.filter(slug=values["slug"]).first()
    if question is not None and question.successor_of_id is None and parent_id is not None:
        # The predecessor was held back (or not there) when this was created; it is
        # stored now, so the link the file gives is made. A link moves no score.
        Question.objects.filter(pk=question.pk).update(successor_of_id=parent_id)
    if question is None:
        question = Question.objects.create(
            slug=values["slug"],
            type=values["type"],
            open_time=values["open_time"],
            scheduled_close_time=values["scheduled_close_time"],
            scheduled_resolve_time=values["scheduled_resolve_time"],
            successor_of_id=parent_id,
            **descriptive,
        )
        report.created.append(question.slug)
    else:
        # The window and type of an existing question never move: forecasts
        # were made against them. Its text is filled from that stored window,
        # so reloading a file with a load-relative window changes nothing.
        placeholders = window_placeholders(question.open_time, question.scheduled_close_time)
        for key, template in record["templates"].items():
            descriptive[key] = placeholders_render(template, placeholders)
        changed = [key for key, value in descriptive.items() if getattr(question, key) != value]
        if changed:
            for key in changed:
                setattr(question, key, descriptive[key])
            question.save(update_fields=[*changed, "updated_at"])
            report.updated.append(question.slug)
        else:
            report.unchanged.append(question.slug)
    tags = [Tag.objects.get_or_create(slug=slug)[0] for slug in values["tags"]]
    if set(question.tags.values_list("slug", flat=True)) != set(values["tags"]):
        question.tags.set(tags)
        _mark_updated(question, report)
    projects = [
        Project.objects.get_or_create(
            slug=slug, defaults={"name": slug.replace("-", " ").capitalize()}
        )[0]
        for slug in record["projects"]
    ]
    if set(question.projects.values_list("slug", flat=True)) != set(record["projects"]):
        question.projects.set(projects)
        _mark_updated(question, report)


def _mark_updated(question: Question, report: ImportReport) -> None:
    if question.slug not in report.created and question.slug not in report.updated:
        report.unchanged.remove(question.slug)
        report.updated.append(question.slug)
