"""Bringing forecast history from other platforms: a CSV file with the header
`question,user,probability,created_at[,rationale]`.

The whole file is checked before anything is written; any bad row rejects the
file, and every problem is reported with its line number. `created_at` is
historical: it must lie in the question's window [open_time,
scheduled_close_time), whatever the time now. Rows already present (same
question, user, time and probability) are skipped, so importing a file twice
adds nothing. Unknown users become accounts that cannot log in until claimed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from common import after_commit
from common.db import max_length
from forecasts.community import community_request
from forecasts.models import Forecast
from forecasts.services import probability_clean
from questions.models import Question

REQUIRED_COLUMNS = ("question", "user", "probability", "created_at")
OPTIONAL_COLUMNS = ("rationale",)
MAX_REPORTED_ERRORS = 50


class ForecastImportError(ValidationError):
    """The file was rejected; `.messages` lists each problem with its line."""


@dataclass
class ForecastImportReport:
    created: int = 0
    already_present: int = 0
    users_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.created} forecasts imported, {self.already_present} already present; "
            f"{len(self.users_created)} new unclaimed accounts"
        )


@dataclass(frozen=True)
class _Row:
    line: int
    question: Question
    username: str
    probability: float
    created_at: datetime
    rationale: str


def _parse_created_at(value: str) -> datetime:
    try:
        moment = parse_datetime(value.strip()) if value else None
    except ValueError:  # well formed but no such time, e.g. minute 99
        moment = None
    if moment is None:
        raise ValueError(f"created_at: {value!r} is not an ISO 8601 date-time")
    if timezone.is_naive(moment):
        raise ValueError(f"created_at: {value!r} has no UTC offset")
    return moment.astimezone(UTC)


def _header_problem(header: list[str]) -> str | None:
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    unknown = [name for name in header if name not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if not missing and not unknown:
        return None
    problem = []
    if missing:
        problem.append(f"missing columns {', '.join(missing)}")
    if unknown:
        problem.append(f"unknown columns {', '.join(unknown)}")
    expected = ",".join(REQUIRED_COLUMNS) + "[,rationale]"
    return f"line 1: header must be {expected}: {'; '.join(problem)}"


def _row_question(values: dict[str, str], questions: dict[str, Question]) -> Question:
    slug = (values.get("question") or "").strip()
    question = questions.get(slug)
    if question is None:
        raise ValueError(f"question: no question with slug {slug!r}")
    if question.type != Question.Type.BINARY:
        raise ValueError(f"question: {slug!r} is not a binary question")
    return question


def _row_username(values: dict[str, str]) -> str:
    username = (values.get("user") or "").strip()
    if not username:
        raise ValueError("user: empty")
    if len(username) > max_length(User, "username"):
        raise ValueError("user: longer than 150 characters")
    return username


def _row_probability(values: dict[str, str]) -> float:
    try:
        return probability_clean(values.get("probability"))
    except ValidationError as error:
        raise ValueError(f"probability: {error.message_dict['probability'][0]}") from None


def _row_created_at(values: dict[str, str], question: Question) -> datetime:
    created_at = _parse_created_at(values.get("created_at") or "")
    if not question.open_time <= created_at < question.scheduled_close_time:
        raise ValueError(
            f"created_at: {created_at.isoformat()} is outside the question's window "
            f"[{question.open_time.isoformat()}, "
            f"{question.scheduled_close_time.isoformat()})"
        )
    return created_at


def _read_row(line: int, values: dict[str, str], questions: dict[str, Question]) -> _Row:
    """One record as a row to write, or ValueError naming the first bad column."""
    question = _row_question(values, questions)
    username = _row_username(values)
    probability = _row_probability(values)
    return _Row(
        line=line,
        question=question,
        username=username,
        probability=probability,
        created_at=_row_created_at(values, question),
        rationale=(values.get("rationale") or "").strip(),
    )


def _read_rows(text: str) -> tuple[list[_Row], list[str]]:
    """Every row of `text`, and every problem found, each with its line."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in (reader.fieldnames or [])]
    problem = _header_problem(header)
    if problem:
        return [], [problem]
    reader.fieldnames = header

    # The reader's line number is where each record ends (quoted fields may
    # span lines), which is the line a person looks at.
    raw = [(reader.line_num, values) for values in reader]
    slugs = {(values.get("question") or "").strip() for _, values in raw}
    questions = {q.slug: q for q in Question.objects.filter(slug__in=slugs)}
    rows: list[_Row] = []
    errors: list[str] = []
    for line, values in raw:
        if None in values:
            errors.append(f"line {line}: more fields than the header has")
            continue
        try:
            rows.append(_read_row(line, values, questions))
        except ValueError as error:
            errors.append(f"line {line}: {error}")
    if not raw and not errors:
        errors.append("line 2: the file has a header but no rows")
    return rows, errors


def forecasts_import_csv(*, text: str) -> ForecastImportReport:
    """Validate every row of `text`, then write all of them in one transaction."""
    rows, errors = _read_rows(text)
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        if len(errors) > len(shown):
            shown.append(f"... and {len(errors) - len(shown)} more problems")
        raise ForecastImportError(shown)

    report = ForecastImportReport()
    with transaction.atomic():
        usernames = {row.username for row in rows}
        users = {user.username: user for user in User.objects.filter(username__in=usernames)}
        for username in sorted(usernames - set(users)):
            user = User(username=username, origin=User.Origin.IMPORT)
            user.set_unusable_password()
            user.save()
            users[username] = user
            report.users_created.append(username)

        existing = set(
            Forecast.objects.filter(
                question__in={row.question.pk for row in rows},
                user__in=[user.pk for user in users.values()],
            ).values_list("question_id", "user_id", "created_at", "probability")
        )
        new = []
        for row in rows:
            user = users[row.username]
            key = (row.question.pk, user.pk, row.created_at, row.probability)
            if key in existing:
                report.already_present += 1
                continue
            existing.add(key)
            new.append(
                Forecast(
                    question=row.question,
                    user=user,
                    probability=row.probability,
                    created_at=row.created_at,
                    rationale=row.rationale,
                    origin=Forecast.Origin.IMPORT,
                )
            )
        Forecast.objects.bulk_create(new, batch_size=5_000)
        report.created = len(new)
        _derived_data_request(new)
    return report


def _derived_data_request(new: list[Forecast]) -> None:
    """Imported history changes the community history from its earliest row, and the
    scores of questions already resolved: both are asked for, once the import commits."""
    earliest: dict[int, datetime] = {}
    for forecast in new:
        known = earliest.get(forecast.question_id)
        if known is None or forecast.created_at < known:
            earliest[forecast.question_id] = forecast.created_at
    resolved = set(
        Question.objects.filter(pk__in=list(earliest)).resolved().values_list("pk", flat=True)
    )
    for question_id, since in sorted(earliest.items()):
        community_request(question_id=question_id, since=since)
        if question_id in resolved:
            after_commit.scores_stale(question_id=question_id)
