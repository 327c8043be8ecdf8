"""Writes for forecasts: a forecast is only ever appended; and the close of a question,
which freezes its community forecast."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from forecasts.community import community_request
from forecasts.models import (
    IDEMPOTENCY_KEY_MAX_LENGTH,
    MAX_PROBABILITY,
    MIN_PROBABILITY,
    PROBABILITY_PLACES,
    Forecast,
    ForecastRequest,
    Withdrawal,
)
from forecasts.selectors import community_forecast, standing_forecast_of
from questions.models import Question

# A plain decimal in ASCII digits, as JSON and CSV write numbers.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
_NON_FINITE = {"nan", "inf", "infinity"}


def _number(value: Any, *, field: str) -> float:
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lower().lstrip("+-") in _NON_FINITE:
            return float("nan")  # refused as not finite, below
        if _DECIMAL.fullmatch(text):
            return float(text)
    raise ValidationError({field: [f"{value!r} is not a number."]})


def probability_clean(value: Any, *, field: str = "probability") -> float:
    """The one check every way in (web form, API, import) goes through.

    Accepts a number, or a string written as a plain ASCII decimal ("0.62", ".5", "6.2e-1",
    spaces around it allowed); refuses booleans, NaN, infinities, the other forms Python's
    float() would read ("0.５" with a full-width digit, "0.5_0") and anything outside
    [0.001, 0.999], naming `field` in the error.
    """
    if value is None or value == "":
        raise ValidationError({field: ["This field is required."]})
    if isinstance(value, bool):
        raise ValidationError({field: ["A probability must be a number, not true or false."]})
    number = _number(value, field=field)
    if not math.isfinite(number):
        raise ValidationError({field: ["A probability must be a finite number."]})
    if not MIN_PROBABILITY <= number <= MAX_PROBABILITY:
        raise ValidationError(
            {
                field: [
                    f"A probability must be between {MIN_PROBABILITY} and {MAX_PROBABILITY} "
                    f"(0.1% to 99.9%); got {number}."
                ]
            }
        )
    return number


def probability_places_clean(value: Any, *, field: str = "probability") -> float:
    """`probability_clean`, and at most PROBABILITY_PLACES decimal places: the API refuses
    0.12345678 as the web form refuses 12.345 %, rather than either keeping a precision
    the other cannot take or rounding silently. (The staff import keeps what the file
    holds: it carries forecasts made elsewhere.)"""
    number = probability_clean(value, field=field)
    exponent = Decimal(value.strip() if isinstance(value, str) else repr(value)).normalize()
    places = -int(exponent.as_tuple().exponent)
    if places > PROBABILITY_PLACES:
        raise ValidationError(
            {
                field: [
                    f"A probability has at most {PROBABILITY_PLACES} decimal places "
                    f"(steps of 0.1 percentage point), e.g. 0.625; got {value}."
                ]
            }
        )
    return number


def question_accepts_forecasts(question: Question, *, at: datetime) -> None:
    """Raise naming `question` unless the question is open at `at` (server time)."""
    if question.is_draft:
        raise ValidationError({"question": ["This question is a draft, not yet published."]})
    status = question.status_at(at)
    if status == Question.Status.UPCOMING:
        raise ValidationError(
            {"question": [f"This question opens at {question.open_time.isoformat()}."]}
        )
    if status != Question.Status.OPEN:
        raise ValidationError({"question": ["This question is closed to forecasts."]})
    if question.type != Question.Type.BINARY:
        raise ValidationError({"question": ["Only binary questions take forecasts for now."]})


def _origin_check(origin: str) -> None:
    if origin not in Forecast.Origin.values:
        raise ValidationError({"origin": [f"Unknown origin {origin!r}."]})


@transaction.atomic
def forecast_submit(
    *,
    user: User,
    question: Question,
    probability: Any,
    rationale: str = "",
    origin: str,
    now: datetime | None = None,
) -> Forecast:
    """Append `user`'s forecast on `question`, stamped with the server's time."""
    now = now or timezone.now()
    cleaned = probability_clean(probability)
    question_accepts_forecasts(question, at=now)
    _origin_check(origin)
    if user.origin == User.Origin.SYSTEM:
        # The community forecast is scored as a system user: it must never join the crowd.
        raise ValidationError({"user": ["The site's own accounts do not forecast."]})
    forecast = Forecast.objects.create(
        user=user,
        question=question,
        probability=cleaned,
        rationale=(rationale or "").strip(),
        origin=origin,
        created_at=now,
    )
    # A few constant-cost queries; the history itself is updated by a task after commit.
    community_request(question_id=question.pk, since=now, now=now)
    return forecast


class NoStandingForecast(Exception):
    """The user has no standing forecast on the question (never forecast, or withdrew
    it): nothing to withdraw or reaffirm. The API answers 409, naming the condition."""

    def __init__(self, *, action: str) -> None:
        super().__init__(
            f"You have no standing forecast on this question to {action}: make a forecast first."
        )


def _standing_for_change(*, user: User, question: Question, now: datetime, action: str) -> Forecast:
    """The user's standing forecast, locked against a concurrent withdrawal or reaffirm of
    the same user and question, or NoStandingForecast."""
    question_accepts_forecasts(question, at=now)
    if user.origin == User.Origin.SYSTEM:
        raise ValidationError({"user": ["The site's own accounts do not forecast."]})
    # One user's changes on one question queue behind each other: the user row is the lock.
    User.objects.select_for_update().filter(pk=user.pk).first()
    standing = standing_forecast_of(user=user, question=question)
    if standing is None:
        raise NoStandingForecast(action=action)
    return standing


@transaction.atomic
def forecast_withdraw(
    *, user: User, question: Question, origin: str, now: datetime | None = None
) -> Withdrawal:
    """End `user`'s standing forecast on `question` from now: kept in the history, and from
    now until their next forecast every rule counts them as having no forecast. Only
    while the question is open and they have a standing forecast."""
    now = now or timezone.now()
    _origin_check(origin)
    standing = _standing_for_change(user=user, question=question, now=now, action="withdraw")
    # Strictly after the forecast it ends, whatever the clock says.
    at = max(now, standing.created_at + timedelta(microseconds=1))
    withdrawal = Withdrawal.objects.create(
        user=user, question=question, origin=origin, created_at=at
    )
    community_request(question_id=question.pk, since=at, now=now)
    return withdrawal


@transaction.atomic
def forecast_reaffirm(
    *, user: User, question: Question, origin: str, now: datetime | None = None
) -> Forecast:
    """Record `user`'s standing forecast on `question` anew: the same probability, made
    now (an update for whatever counts updates, such as the reminders of forecasts left
    unchanged). Only while the question is open and they have a standing forecast."""
    now = now or timezone.now()
    _origin_check(origin)
    standing = _standing_for_change(user=user, question=question, now=now, action="reaffirm")
    forecast = Forecast.objects.create(
        user=user,
        question=question,
        probability=standing.probability,
        rationale="",
        origin=origin,
        created_at=max(now, standing.created_at + timedelta(microseconds=1)),
        reaffirmed=True,
    )
    community_request(question_id=question.pk, since=forecast.created_at, now=now)
    return forecast


def question_close_refreeze(*, question: Question) -> None:
    """Freeze again the community forecast of a closed question: forecasts made before
    its close were imported after the close task froze it without them."""
    community = community_forecast(question=question, before=question.actual_close_time)
    Question.objects.filter(pk=question.pk, close_processed_at__isnull=False).update(
        community_at_close=community.median, forecasters_at_close=community.forecasters
    )


def idempotency_key_clean(value: Any, *, field: str = "idempotency_key") -> str:
    """A submission's idempotency key: 1 to 100 printable ASCII characters (a UUID does),
    or ValidationError naming `field` (the API names its header)."""
    if not isinstance(value, str) or not value:
        raise ValidationError({field: ["An idempotency key must not be empty."]})
    if len(value) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError(
            {
                field: [
                    f"An idempotency key is at most {IDEMPOTENCY_KEY_MAX_LENGTH} characters; "
                    f"this one has {len(value)}."
                ]
            }
        )
    if not all(" " <= character <= "~" for character in value):
        raise ValidationError(
            {field: ["An idempotency key may hold only printable ASCII characters."]}
        )
    return value


def _stored_description(stored: ForecastRequest) -> str:
    if stored.withdrawal is not None:
        return f"a withdrawal (on {stored.withdrawal.question.slug})"
    forecast = stored.forecast
    assert forecast is not None  # the table's check: a forecast or a withdrawal
    what = "a reaffirmed forecast" if forecast.reaffirmed else "another forecast"
    return f"{what} ({forecast.probability:g} on {forecast.question.slug})"


class ForecastKeyConflict(Exception):
    """The idempotency key already stored something else (another question, probability,
    rationale or action): a new request needs a new key."""

    def __init__(self, stored: ForecastRequest) -> None:
        super().__init__(
            f"This idempotency key was already used for {_stored_description(stored)}; "
            "send a new key with a new request."
        )
        self.stored = stored


@dataclass(frozen=True)
class Submission:
    forecast: Forecast
    replayed: bool
    """True when the key had already stored this forecast: nothing new was stored."""


@dataclass(frozen=True)
class Change:
    recorded: Forecast | Withdrawal
    """The withdrawal, or the reaffirmed forecast."""
    replayed: bool
    """True when the key had already stored this change: nothing new was stored."""


def _key_stored(*, user: User, key: str) -> ForecastRequest | None:
    return (
        ForecastRequest.objects.filter(user=user, key=key)
        .select_related("forecast__question", "withdrawal__question")
        .first()
    )


Stored = TypeVar("Stored", Forecast, Withdrawal, Forecast | Withdrawal)


def _store_once(*, user: User, key: str, store: Callable[[], Stored]) -> Stored | ForecastRequest:
    """Run `store` and keep what it stored under `key`; if the key already stored
    something, nothing runs and that earlier request is returned instead.

    Two requests with the same key that race both insert the key; the unique constraint
    makes the second wait for the first and fail once it commits, which rolls back what
    the second stored, and the second answers with the first's. A withdrawal or a
    reaffirm that lost the race is refused (the first took the standing forecast, or holds
    the user's lock): then too the key, once committed, answers."""
    earlier = _key_stored(user=user, key=key)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            stored = store()
            target = "withdrawal" if isinstance(stored, Withdrawal) else "forecast"
            ForecastRequest.objects.create(
                user=user, key=key, created_at=stored.created_at, **{target: stored}
            )
    except (IntegrityError, NoStandingForecast):
        earlier = _key_stored(user=user, key=key)
        if earlier is None:  # not the key's constraint: a real error, or a real refusal
            raise
        return earlier
    return stored


def forecast_submit_once(
    *,
    user: User,
    key: str,
    question: Question,
    probability: Any,
    rationale: str = "",
    origin: str,
    now: datetime | None = None,
) -> Submission:
    """`forecast_submit` at most once per `user` and idempotency `key`: a retry with the
    key gets the forecast the first request stored, even after the question closed."""
    key = idempotency_key_clean(key)
    stored = _store_once(
        user=user,
        key=key,
        store=lambda: forecast_submit(
            user=user,
            question=question,
            probability=probability,
            rationale=rationale,
            origin=origin,
            now=now,
        ),
    )
    if not isinstance(stored, ForecastRequest):
        return Submission(forecast=stored, replayed=False)
    earlier = stored.forecast
    same = (
        earlier is not None
        and not earlier.reaffirmed
        and earlier.question_id == question.pk
        and earlier.probability == probability_clean(probability)
        and earlier.rationale == (rationale or "").strip()
    )
    if not same:
        raise ForecastKeyConflict(stored)
    assert earlier is not None
    return Submission(forecast=earlier, replayed=True)


def forecast_change(
    *,
    user: User,
    question: Question,
    action: str,
    origin: str,
    key: str | None = None,
    now: datetime | None = None,
) -> Change:
    """`forecast_withdraw` (`action` "withdraw") or `forecast_reaffirm` ("reaffirm"); with
    an idempotency `key`, at most once per `user` and key: a retry with the key gets what
    the first request recorded, although there is no standing forecast left to withdraw or
    the question has closed since."""
    services: dict[str, Callable[..., Forecast | Withdrawal]] = {
        "withdraw": forecast_withdraw,
        "reaffirm": forecast_reaffirm,
    }
    if action not in services:
        raise ValidationError({"action": [f"Unknown change {action!r}."]})
    if key is None:
        recorded = services[action](user=user, question=question, origin=origin, now=now)
        return Change(recorded=recorded, replayed=False)
    key = idempotency_key_clean(key)
    stored = _store_once(
        user=user,
        key=key,
        store=lambda: services[action](user=user, question=question, origin=origin, now=now),
    )
    if not isinstance(stored, ForecastRequest):
        return Change(recorded=stored, replayed=False)
    earlier: Forecast | Withdrawal | None = (
        stored.withdrawal
        if action == "withdraw"
        else (stored.forecast if stored.forecast and stored.forecast.reaffirmed else None)
    )
    if earlier is None or earlier.question_id != question.pk:
        raise ForecastKeyConflict(stored)
    return Change(recorded=earlier, replayed=True)


def forecast_requests_prune(*, now: datetime | None = None) -> int:
    """Forget idempotency keys older than FORESEER_IDEMPOTENCY_KEY_DAYS (the forecasts and
    withdrawals they stored stay); returns how many."""
    now = now or timezone.now()
    kept = timedelta(days=settings.FORESEER_IDEMPOTENCY_KEY_DAYS)
    deleted, _ = ForecastRequest.objects.filter(created_at__lt=now - kept).delete()
    return deleted


def questions_close_due(*, now: datetime | None = None) -> list[int]:
    """Freeze the community forecast of every question that passed its
    scheduled close. Each question is claimed with a conditional UPDATE, so two
    beat ticks (or two workers) never process one question twice. Returns the
    questions closed by this call."""
    now = now or timezone.now()
    closed = []
    due = Question.objects.published().filter(
        scheduled_close_time__lte=now, close_processed_at__isnull=True
    )
    for question in due.order_by("scheduled_close_time").iterator():
        with transaction.atomic():
            community = community_forecast(question=question, before=question.actual_close_time)
            claimed = Question.objects.filter(
                pk=question.pk, close_processed_at__isnull=True
            ).update(
                close_processed_at=now,
                community_at_close=community.median,
                forecasters_at_close=community.forecasters,
            )
        if claimed:
            closed.append(question.pk)
    return closed
