"""Bringing forecast history from other platforms: a CSV file with the header
`question,user,probability,created_at[,rationale]`.

The whole file is checked before anything is written; any bad row rejects the
file, and every problem is reported with its line number. `created_at` is
historical: it must lie in the question's window [open_time,
scheduled_close_time) and not after the time of the import. Rows already present
(same question, user, time and probability) are skipped, so importing a file twice
adds nothing.

Each `user` follows the username rule of sign-up (`accounts.usernames`), with the
same messages: no reserved name, no invisible characters, nothing a spreadsheet
would run. A name that folds to an existing account's key (`Alice`, `ＡＬＩＣＥ`
for `alice`) is that account; unknown users become accounts that cannot log in
until claimed, named as the first row that mentions them spells it.
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
from accounts.usernames import username_clean, username_key
from common import after_commit
from common.text import control_character, line_of
from forecasts.community import community_request
from forecasts.models import RATIONALE_MAX_LENGTH, Forecast
from forecasts.services import probability_clean, question_close_refreeze
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
    user_key: str
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
    try:
        return username_clean(username)
    except ValidationError as error:
        raise ValueError(f"user: {error.message_dict['username'][0]}") from None


def _row_probability(values: dict[str, str]) -> float:
    try:
        return probability_clean(values.get("probability"))
    except ValidationError as error:
        raise ValueError(f"probability: {error.message_dict['probability'][0]}") from None


def _row_created_at(values: dict[str, str], question: Question, now: datetime) -> datetime:
    created_at = _parse_created_at(values.get("created_at") or "")
    if created_at > now:
        raise ValueError(
            f"created_at: {created_at.isoformat()} is in the future "
            f"(the import started at {now.astimezone(UTC).isoformat(timespec='seconds')})"
        )
    if not question.open_time <= created_at < question.scheduled_close_time:
        raise ValueError(
            f"created_at: {created_at.isoformat()} is outside the question's window "
            f"[{question.open_time.isoformat()}, "
            f"{question.scheduled_close_time.isoformat()})"
        )
    return created_at


def _read_row(
    line: int, values: dict[str, str], questions: dict[str, Question], now: datetime
) -> _Row:
    """One record as a row to write, or ValueError naming the first bad column."""
    question = _row_question(values, questions)
    username = _row_username(values)
    probability = _row_probability(values)
    return _Row(
        line=line,
        question=question,
        username=username,
        user_key=username_key(username),
        probability=probability,
        created_at=_row_created_at(values, question, now),
        rationale=_row_rationale(values),
    )


def _row_rationale(values: dict[str, str]) -> str:
    rationale = (values.get("rationale") or "").strip()
    if len(rationale) > RATIONALE_MAX_LENGTH:
        raise ValueError(f"rationale: at most {RATIONALE_MAX_LENGTH:,} characters")
    return rationale


def _records(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], str | None]:
    """The header and each record with its line, or the problem that stops the reading.
    Strict CSV: a quote left open, or text after a closing quote, is a problem, not a
    field silently run on to the end of the file; so is a field past the csv module's
    limit (128 KiB)."""
    found = control_character(text)
    if found:
        position = next(i for i, char in enumerate(text) if control_character(char))
        return [], [], f"line {line_of(text, position)}: the control character {found}"
    reader = csv.DictReader(io.StringIO(text), strict=True)
    records: list[tuple[int, dict[str, str]]] = []
    header: list[str] = []
    try:
        header = [name.strip() for name in (reader.fieldnames or [])]
        reader.fieldnames = header
        # The reader's line number is where each record ends (quoted fields may
        # span lines), which is the line a person looks at.
        records.extend((reader.line_num, values) for values in reader)
    except csv.Error as error:
        # The bad record starts on the line after the last good one ended.
        start = records[-1][0] + 1 if records else 2 if header else 1
        return [], [], f"line {start}: not valid CSV ({error})"
    return header, records, None


def _read_rows(text: str, *, now: datetime) -> tuple[list[_Row], list[str]]:
    """Every row of `text`, and every problem found, each with its line."""
    header, raw, unreadable = _records(text)
    if unreadable:
        return [], [unreadable]
    problem = _header_problem(header)
    if problem:
        return [], [problem]
    slugs = {(values.get("question") or "").strip() for _, values in raw}
    questions = {q.slug: q for q in Question.objects.filter(slug__in=slugs)}
    rows: list[_Row] = []
    errors: list[str] = []
    for line, values in raw:
        if None in values:
            errors.append(f"line {line}: more fields than the header has")
            continue
        try:
            rows.append(_read_row(line, values, questions, now))
        except ValueError as error:
            errors.append(f"line {line}: {error}")
    if not raw and not errors:
        errors.append("line 2: the file has a header but no rows")
    return rows, errors


def forecasts_import_csv(*, text: str) -> ForecastImportReport:
    """Validate every row of `text`, then write all of them in one transaction."""
    rows, errors = _read_rows(text, now=timezone.now())
    if errors:
        shown = errors[:MAX_REPORTED_ERRORS]
        if len(errors) > len(shown):
            shown.append(f"... and {len(errors) - len(shown)} more problems")
        raise ForecastImportError(shown)

    report = ForecastImportReport()
    with transaction.atomic():
        # One account per key: `Alice` in the file is the account `alice`.
        spelling: dict[str, str] = {}
        for row in rows:
            spelling.setdefault(row.user_key, row.username)
        users = {user.username_key: user for user in User.objects.filter(username_key__in=spelling)}
        for user_key in sorted(set(spelling) - set(users)):
            user = User(username=spelling[user_key], origin=User.Origin.IMPORT)
            user.set_unusable_password()
            user.save()
            users[user_key] = user
            report.users_created.append(user.username)

        existing = set(
            Forecast.objects.filter(
                question__in={row.question.pk for row in rows},
                user__in=[user.pk for user in users.values()],
            ).values_list("question_id", "user_id", "created_at", "probability")
        )
        new = []
        for row in rows:
            user = users[row.user_key]
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
    questions = Question.objects.filter(pk__in=list(earliest))
    resolved = set(questions.resolved().values_list("pk", flat=True))
    for question_id, since in sorted(earliest.items()):
        community_request(question_id=question_id, since=since)
        if question_id in resolved:
            after_commit.scores_stale(question_id=question_id)
    # A question already closed froze its community forecast at the close without these.
    for question in questions.filter(close_processed_at__isnull=False):
        if earliest[question.pk] < question.actual_close_time:
            question_close_refreeze(question=question)
