"""Loading questions (and the articles they come from) from a JSON or YAML file.

The file is either a list of questions or a mapping with `articles` and
`questions`. Everything is validated before anything is written; a bad entry
rejects the whole file with its position and reason. Loading is idempotent by
slug: an existing question keeps its window (moving it would change the scores
of everyone who forecast) and gets its descriptive fields refreshed.

Two conveniences serve questions drawn from articles:
- `successor_of: SLUG` copies every field the entry does not give from an
  earlier question, and `window: {duration: P6M, resolve_after: P1M}` opens
  the question at the start of the UTC day the file is loaded;
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

from questions.models import Article, Project, Question, Tag

REQUIRED_QUESTION_KEYS = (
    "slug",
    "title",
    "type",
    "open_time",
    "scheduled_close_time",
    "scheduled_resolve_time",
    "resolution_criteria",
)
QUESTION_KEYS = {
    *REQUIRED_QUESTION_KEYS,
    "background",
    "fine_print",
    "resolution_source",
    "tags",
    "projects",
    "hide_community_until_forecast",
    "provenance",
    "successor_of",
    "window",
}
ARTICLE_KEYS = {
    "slug",
    "title",
    "outlet",
    "author",
    "publication_date",
    "publication_date_precision",
    "url",
    "text",
    "text_file",
}
TEMPLATED_FIELDS = ("title", "resolution_criteria", "fine_print")
DESCRIPTIVE_FIELDS = (
    "title",
    "background",
    "resolution_criteria",
    "fine_print",
    "resolution_source",
)
DURATION = re.compile(r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<days>\d+)D)?$")


class ImportFileError(ValidationError):
    """A file that cannot be imported; the message names the entry and field."""


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    articles_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged; {len(self.articles_created)} new articles"
        )


def load_document(text: str, *, name: str = "") -> Any:
    """Parse JSON or YAML (YAML is a superset, but JSON errors read better)."""
    try:
        if name.endswith(".json") or text.lstrip().startswith(("[", "{")):
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ImportFileError(f"Cannot parse the file: {error}") from None


def _fail(where: str, message: str) -> ImportFileError:
    return ImportFileError(f"{where}: {message}")


def _parse_time(value: Any, where: str, key: str) -> datetime:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        moment = parse_datetime(value.strip())
        if moment is None:
            raise _fail(where, f"{key}: {value!r} is not an ISO 8601 date-time.")
    else:
        raise _fail(where, f"{key}: {value!r} is not an ISO 8601 date-time.")
    if timezone.is_naive(moment):
        raise _fail(where, f"{key}: {value!r} has no UTC offset (write e.g. +00:00 or Z).")
    return moment.astimezone(UTC)


def _parse_duration(value: Any, where: str, key: str) -> relativedelta:
    match = DURATION.match(str(value or ""))
    if not match or not any(match.groupdict().values()):
        raise _fail(where, f"{key}: {value!r} is not a duration like P6M, P10Y or P30D.")
    parts = {name: int(number) for name, number in match.groupdict().items() if number}
    return relativedelta(**parts)


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


def window_placeholders(open_time: datetime, close_time: datetime) -> dict[str, str]:
    return {
        "open_date": open_time.date().isoformat(),
        "close_date": close_time.date().isoformat(),
        "open_year": str(open_time.year),
        "close_year": str(close_time.year),
    }


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


def _fill_placeholders(text: str, values: dict[str, str], where: str, key: str) -> str:
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError) as error:
        raise _fail(
            where,
            f"{key}: only {{open_date}}, {{close_date}}, {{open_year}} and {{close_year}} "
            f"may stand in braces ({error}).",
        ) from None


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
            "outlet": _text(entry, "outlet", where),
            "author": _text(entry, "author", where),
            "publication_date": _parse_date(
                entry.get("publication_date"), where, "publication_date"
            ),
            "publication_date_precision": precision,
            "url": _text(entry, "url", where),
            "text": text,
        }
        _check_lengths(Article, articles[slug], where)
    return articles


def _clean_provenance(value: Any, where: str, known_articles: set[str]) -> dict[str, Any]:
    if value in (None, {}):
        return {}
    if not isinstance(value, dict):
        raise _fail(where, "provenance: must be a mapping.")
    article = value.get("article")
    if article not in known_articles:
        raise _fail(where, f"provenance.article: no article {article!r} in this file or loaded.")
    cleaned: dict[str, Any] = {
        "article_slug": article,
        "source_passage": str(value.get("passage") or "").strip(),
    }
    implied = value.get("implied_probability")
    if implied:
        try:
            low, high = float(implied["low"]), float(implied["high"])
        except (KeyError, TypeError, ValueError):
            raise _fail(
                where, "provenance.implied_probability: low and high are numbers."
            ) from None
        if not 0 <= low <= high <= 1:
            raise _fail(where, "provenance.implied_probability: need 0 <= low <= high <= 1.")
        table = implied.get("table")
        if table not in Question.ProbabilityTable.values:
            raise _fail(
                where,
                f"provenance.implied_probability.table: {table!r} is not one of "
                f"{', '.join(Question.ProbabilityTable.values)}.",
            )
        cleaned.update(
            implied_probability_low=low,
            implied_probability_high=high,
            implied_probability_table=table,
            implied_probability_term=str(implied.get("term") or "").strip(),
        )
    return cleaned


def _clean_questions(
    entries: Any, *, known_articles: set[str], load_time: datetime
) -> list[dict[str, Any]]:
    if not isinstance(entries, list) or not entries:
        raise ImportFileError("questions: must be a non-empty list.")
    cleaned: list[dict[str, Any]] = []
    raw_by_slug: dict[str, dict[str, Any]] = {}
    load_day = datetime.combine(load_time.astimezone(UTC).date(), time.min, tzinfo=UTC)
    for position, given in enumerate(entries, start=1):
        where = f"question #{position}"
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
                if k not in ("slug", "successor_of", "window")
            }
            if "window" in entry:
                for key in ("open_time", "scheduled_close_time", "scheduled_resolve_time"):
                    inherited.pop(key, None)
            entry = {**inherited, **entry}
        if "window" in entry:
            window = entry["window"]
            if not isinstance(window, dict) or "duration" not in window:
                raise _fail(where, "window: needs duration (and optionally resolve_after).")
            duration = _parse_duration(window["duration"], where, "window.duration")
            resolve_after = _parse_duration(
                window.get("resolve_after", "P1D"), where, "window.resolve_after"
            )
            entry["open_time"] = load_day
            entry["scheduled_close_time"] = load_day + duration
            entry["scheduled_resolve_time"] = load_day + duration + resolve_after
        missing = [key for key in REQUIRED_QUESTION_KEYS if entry.get(key) in (None, "")]
        if missing:
            raise _fail(where, f"missing {', '.join(missing)}.")
        slug = str(entry["slug"]).strip()
        if slugify(slug) != slug:
            raise _fail(where, f"slug: {slug!r} must be lowercase letters, digits and hyphens.")
        where = f"question {slug!r}"
        if slug in raw_by_slug:
            raise _fail(where, "slug appears twice.")
        raw_by_slug[slug] = entry
        if entry["type"] not in Question.Type.values:
            raise _fail(where, f"type: {entry['type']!r} is not one of {Question.Type.values}.")
        times = {
            key: _parse_time(entry[key], where, key)
            for key in ("open_time", "scheduled_close_time", "scheduled_resolve_time")
        }
        if not times["open_time"] < times["scheduled_close_time"]:
            raise _fail(where, "open_time must be before scheduled_close_time.")
        if not times["scheduled_close_time"] <= times["scheduled_resolve_time"]:
            raise _fail(where, "scheduled_resolve_time must not be before scheduled_close_time.")
        placeholders = window_placeholders(times["open_time"], times["scheduled_close_time"])
        record: dict[str, Any] = {"slug": slug, "type": entry["type"], "templates": {}, **times}
        for key in DESCRIPTIVE_FIELDS:
            value = _text(entry, key, where, required=key in ("title", "resolution_criteria"))
            if key in TEMPLATED_FIELDS:
                record["templates"][key] = value
                value = _fill_placeholders(value, placeholders, where, key)
            record[key] = value
        _check_lengths(Question, record, where)
        tags = entry.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            raise _fail(where, "tags: must be a list of words.")
        record["tags"] = sorted({slugify(tag) for tag in tags if slugify(tag)})
        for tag in record["tags"]:
            _check_lengths(Tag, {"slug": tag}, f"{where}, tag {tag[:20]!r}")
        projects = entry.get("projects") or []
        if not isinstance(projects, list) or not all(isinstance(p, str) for p in projects):
            raise _fail(where, "projects: must be a list of project slugs.")
        record["projects"] = sorted({slugify(p) for p in projects if slugify(p)})
        for project in record["projects"]:
            _check_lengths(Project, {"slug": project}, f"{where}, project {project[:20]!r}")
        hide = entry.get("hide_community_until_forecast", False)
        if not isinstance(hide, bool):
            raise _fail(where, "hide_community_until_forecast: must be true or false.")
        record["hide_community_until_forecast"] = hide
        record["provenance"] = _clean_provenance(entry.get("provenance"), where, known_articles)
        _check_lengths(Question, record["provenance"], where)
        record["successor_of"] = parent_slug or None
        cleaned.append(record)
    return cleaned


def questions_import(*, document: Any, base_dir: Path, now: datetime | None = None) -> ImportReport:
    """Validate the whole document, then write it in one transaction."""
    now = now or timezone.now()
    if isinstance(document, list):
        document = {"questions": document}
    if not isinstance(document, dict):
        raise ImportFileError("The file must hold a list of questions or a mapping.")
    unknown = set(document) - {"articles", "questions"}
    if unknown:
        raise ImportFileError(f"Unknown top-level keys {sorted(unknown)}.")
    articles = _clean_articles(document.get("articles"), base_dir)
    existing_articles = set(
        Article.objects.filter(slug__in=_provenance_slugs(document)).values_list("slug", flat=True)
    )
    questions = _clean_questions(
        document.get("questions"), known_articles=set(articles) | existing_articles, load_time=now
    )

    report = ImportReport()
    with transaction.atomic():
        for slug, fields in articles.items():
            _, created = Article.objects.update_or_create(slug=slug, defaults=fields)
            if created:
                report.articles_created.append(slug)
        article_ids = dict(Article.objects.values_list("slug", "id"))
        for record in questions:
            _write_question(record, article_ids, report)
    return report


def _provenance_slugs(document: dict[str, Any]) -> list[str]:
    slugs = []
    for entry in document.get("questions") or []:
        if isinstance(entry, dict) and isinstance(entry.get("provenance"), dict):
            slugs.append(str(entry["provenance"].get("article")))
    return slugs


def _write_question(
    record: dict[str, Any], article_ids: dict[str, int], report: ImportReport
) -> None:
    provenance = dict(record["provenance"])
    article_slug = provenance.pop("article_slug", None)
    descriptive = {key: record[key] for key in DESCRIPTIVE_FIELDS}
    descriptive.update(
        hide_community_until_forecast=record["hide_community_until_forecast"],
        article_id=article_ids.get(article_slug) if article_slug else None,
        source_passage=provenance.get("source_passage", ""),
        implied_probability_low=provenance.get("implied_probability_low"),
        implied_probability_high=provenance.get("implied_probability_high"),
        implied_probability_table=provenance.get("implied_probability_table", ""),
        implied_probability_term=provenance.get("implied_probability_term", ""),
    )
    parent_id = (
        Question.objects.filter(slug=record["successor_of"]).values_list("id", flat=True).first()
        if record["successor_of"]
        else None
    )
    question = Question.objects.filter(slug=record["slug"]).first()
    if question is None:
        question = Question.objects.create(
            slug=record["slug"],
            type=record["type"],
            open_time=record["open_time"],
            scheduled_close_time=record["scheduled_close_time"],
            scheduled_resolve_time=record["scheduled_resolve_time"],
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
            descriptive[key] = template.format(**placeholders)
        changed = [key for key, value in descriptive.items() if getattr(question, key) != value]
        if changed:
            for key in changed:
                setattr(question, key, descriptive[key])
            question.save(update_fields=[*changed, "updated_at"])
            report.updated.append(question.slug)
        else:
            report.unchanged.append(question.slug)
    tags = [Tag.objects.get_or_create(slug=slug)[0] for slug in record["tags"]]
    if set(question.tags.values_list("slug", flat=True)) != set(record["tags"]):
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
