"""Writes for questions: resolving, correcting and closing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from questions.models import Question, ResolutionEvent

RESOLUTION_OUTCOMES = tuple(value for value in Question.Resolution.values if value)


def _clean_evidence_links(links: Sequence[str]) -> list[str]:
    validate = URLValidator(schemes=["http", "https"])
    cleaned = []
    for link in links:
        link = (link or "").strip()
        if not link:
            continue
        try:
            validate(link)
        except ValidationError:
            raise ValidationError(
                {"evidence_links": [f"{link!r} is not an http(s) URL."]}
            ) from None
        cleaned.append(link)
    return cleaned


def question_resolve(
    *,
    question: Question,
    outcome: str,
    known_at: datetime,
    resolved_by: User,
    note: str = "",
    evidence_links: Sequence[str] = (),
    now: datetime | None = None,
) -> ResolutionEvent:
    """Resolve `question`, or correct its resolution: either way a new event.

    The latest event wins and is copied onto the question; scoring is enqueued
    only once the transaction commits, so the worker never reads a resolution
    that is not there yet (or one that was rolled back).
    """
    from forecasts.community import community_request
    from scoring.tasks import score_question

    now = now or timezone.now()
    if not resolved_by.is_staff:
        raise ValidationError({"resolved_by": ["Only staff can resolve questions."]})
    if question.is_draft:
        raise ValidationError({"question": ["Publish the question before resolving it."]})
    if outcome not in RESOLUTION_OUTCOMES:
        raise ValidationError(
            {"outcome": [f"Must be one of {', '.join(RESOLUTION_OUTCOMES)}; got {outcome!r}."]}
        )
    if question.type != Question.Type.BINARY and outcome in ("yes", "no"):
        raise ValidationError({"outcome": ["Yes and no resolve binary questions only."]})
    if known_at is None:
        raise ValidationError({"known_at": ["This field is required."]})
    if timezone.is_naive(known_at):
        raise ValidationError({"known_at": ["Give a time zone offset, e.g. 2026-01-31T12:00Z."]})
    if known_at > now:
        raise ValidationError({"known_at": ["The outcome cannot be known in the future."]})
    if known_at < question.open_time:
        raise ValidationError(
            {"known_at": [f"Must not be before the question opened ({question.open_time})."]}
        )
    links = _clean_evidence_links(evidence_links)

    with transaction.atomic():
        # Lock the question so two resolvers cannot interleave their events.
        locked = Question.objects.select_for_update().get(pk=question.pk)
        event = ResolutionEvent.objects.create(
            question=locked,
            outcome=outcome,
            known_at=known_at,
            created_at=now,
            created_by=resolved_by,
            note=(note or "").strip(),
            evidence_links=links,
        )
        Question.objects.filter(pk=locked.pk).update(
            resolution=outcome, known_at=known_at, resolution_set_at=now
        )
        score_question.delay_on_commit(locked.pk)
        # The history ends at the new actual close.
        community_request(question_id=locked.pk, since=min(known_at, locked.scheduled_close_time))
    question.refresh_from_db()
    return event


def questions_close_due(*, now: datetime | None = None) -> list[int]:
    """Freeze the community forecast of every question that passed its
    scheduled close. Each question is claimed with a conditional UPDATE, so two
    beat ticks (or two workers) never process one question twice."""
    from forecasts.selectors import community_forecast

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
    _calibration_request(closed)
    return closed


def _calibration_request(question_ids: list[int]) -> None:
    """Calibration counts, by default, only questions past their scheduled close: one
    resolved early joins those reports now, so its scopes are rebuilt."""
    from scoring.models import QuestionScoring
    from scoring.services import scopes_mark_dirty
    from scoring.tasks import rebuild_scopes

    scopes = {
        scope
        for scopes in QuestionScoring.objects.filter(
            question_id__in=question_ids, question__resolution__in=["yes", "no"]
        ).values_list("scopes", flat=True)
        for scope in scopes
    }
    if scopes and scopes_mark_dirty(scopes=scopes):
        rebuild_scopes.delay_on_commit()
