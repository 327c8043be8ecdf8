"""Writes for forecasts: a forecast is only ever appended; and the close of a question,
which freezes its community forecast."""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from forecasts.community import community_request
from forecasts.models import MAX_PROBABILITY, MIN_PROBABILITY, Forecast
from forecasts.selectors import community_forecast
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
    if origin not in Forecast.Origin.values:
        raise ValidationError({"origin": [f"Unknown origin {origin!r}."]})
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


def question_close_refreeze(*, question: Question) -> None:
    """Freeze again the community forecast of a closed question: forecasts made before
    its close were imported after the close task froze it without them."""
    community = community_forecast(question=question, before=question.actual_close_time)
    Question.objects.filter(pk=question.pk, close_processed_at__isnull=False).update(
        community_at_close=community.median, forecasters_at_close=community.forecasters
    )


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
