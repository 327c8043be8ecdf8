"""The email to each forecaster of a resolved question: the outcome (or its correction) and
their scores beside the community forecast's, in plain words."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from common.templatetags.foreseer import percent, utc
from forecasts.models import Forecast
from forecasts.selectors import community_forecast, standing_forecasts
from notifications.links import site_url
from notifications.messages import email_message
from notifications.models import SentEmail
from notifications.outbox import Outgoing, outbox_send
from questions.models import Question, ResolutionEvent
from scoring import registry
from scoring.models import QuestionScoring
from scoring.registry import PEER
from scoring.scorecard import score_card_for, window_before_outcome
from scoring.selectors import scores_for_question

Row = Mapping[str, Any]

# A resolution is news for a week. Scoring also runs when forecasts are imported onto an
# old question; the forecasters should not hear about a resolution months after the fact.
RESOLUTION_NEWS_MAX_AGE = timedelta(days=7)


def score_summary(mine: Mapping[str, Any] | None, community: Mapping[str, Any] | None) -> str:
    """One sentence on how the forecaster did: against the community forecast by Daily
    Brier (Good Judgment Open's headline) and against the other forecasters by peer score
    (Metaculus's). `mine` and `community` are rows of `scores_for_question`."""
    if mine is None:
        return ""
    parts = []
    brier, peer = registry.DAILY_BRIER, registry.PEER
    other = community.get(brier.key) if community is not None else None
    comparison = brier.compare(mine.get(brier.key), other)
    if comparison:
        parts.append(f"by {brier.label} you did {comparison} the community forecast")
    peer_value = mine.get(peer.key) or 0.0
    if peer_value > 0:
        parts.append(
            f"your {peer.label.lower()} is positive: you beat the other forecasters on average"
        )
    elif peer_value < 0:
        parts.append(
            f"your {peer.label.lower()} is negative: the other forecasters did better on average"
        )
    return "; ".join(parts)


def latest_resolution_events(
    question: Question,
) -> tuple[ResolutionEvent | None, ResolutionEvent | None]:
    """The latest resolution event and the one it corrects, if any."""
    events = list(
        ResolutionEvent.objects.filter(question=question).order_by("-created_at", "-id")[:2]
    )
    return (events[0] if events else None), (events[1] if len(events) > 1 else None)


def _changed_details(event: ResolutionEvent, previous: ResolutionEvent | None) -> list[str]:
    """What a correction that keeps the outcome changed, in words for the email."""
    if previous is None:
        return []
    changed = []
    if previous.known_at != event.known_at:
        before, after = utc(previous.known_at), utc(event.known_at)
        if before == after:  # moved by seconds: show them, or it reads as no change
            fmt = "%Y-%m-%d %H:%M:%S UTC"
            before, after = utc(previous.known_at, fmt), utc(event.known_at, fmt)
        changed.append(f"the time the outcome became known, from {before} to {after}")
    if previous.note != event.note:
        changed.append("the resolver's note" if event.note else "the resolver's note (removed)")
    if list(previous.evidence_links) != list(event.evidence_links):
        changed.append("the evidence links")
    return changed


def resolution_emails_send(*, question_id: int, now: datetime | None = None) -> int:
    """Email every forecaster of the question its resolution (or correction), with their
    scores; return how many emails were sent.

    Runs after scoring: it sends only once the stored scores belong to the latest event.
    A correction that arrives first makes this run write for the new event (the older
    one is no longer news); the correction's own scoring queues this again, and the keys
    make that second run send nothing new."""
    news = _scored_news(question_id=question_id, now=now or timezone.now())
    if news is None:
        return 0
    key = f"event:{news.event.pk}"
    recipients = _recipients(question=news.question, key=key)
    if not recipients:
        return 0
    question, close = news.question, news.question.actual_close_time
    board = _Board.of(scores_for_question(question=question) if news.scored else [])
    final = dict(
        standing_forecasts(question=question, before=close).values_list("user_id", "probability")
    )
    shared = _shared_context(news)
    subject = _subject(news)

    def builder(user: User) -> Callable[[list[str]], EmailMultiAlternatives | None]:
        def build(_keys: list[str]) -> EmailMultiAlternatives:
            return _message(
                user,
                subject=subject,
                shared=shared,
                final_forecast=final.get(user.pk),
                board=board,
                scoring=news.scoring,
                question=question,
            )

        return build

    return outbox_send(
        kind=SentEmail.Kind.RESOLUTION,
        outgoing=[Outgoing(user=user, keys=[key], build=builder(user)) for user in recipients],
        label="resolution email",
    )


@dataclass(frozen=True)
class _News:
    """A resolution still news whose scores are stored: the question, its latest event,
    the event that one corrects (if any) and the question's scoring."""

    question: Question
    event: ResolutionEvent
    previous: ResolutionEvent | None
    scoring: QuestionScoring

    @property
    def scored(self) -> bool:
        """Whether the email carries scores: only a binary question resolved yes or no
        has them."""
        return self.question.is_scorable and self.question.type == Question.Type.BINARY

    @property
    def correction(self) -> bool:
        return self.previous is not None

    @property
    def outcome_changed(self) -> bool:
        return self.previous is not None and self.previous.outcome != self.event.outcome


def _scored_news(*, question_id: int, now: datetime) -> _News | None:
    """The question's latest resolution event if it is in force, still news and scored;
    None when there is nothing to send yet (or any more)."""
    question = Question.objects.filter(pk=question_id).select_related("scoring").first()
    if question is None or not question.resolution:
        return None
    event, previous = latest_resolution_events(question)
    if event is None or event.outcome != question.resolution:
        return None
    if event.created_at < now - RESOLUTION_NEWS_MAX_AGE:
        return None
    scoring: QuestionScoring | None = getattr(question, "scoring", None)
    if scoring is None or scoring.resolution_event_id != event.pk:
        # Not scored for this event yet: its scoring queues this task again when done.
        return None
    return _News(question=question, event=event, previous=previous, scoring=scoring)


def _recipients(*, question: Question, key: str) -> list[User]:
    """The active forecasters who forecast before the close, want the email, have an
    address and have not been sent this one yet."""
    close = question.actual_close_time
    return list(
        User.objects.filter(is_active=True, email_on_resolution=True)
        .exclude(email="")
        .exclude(origin=User.Origin.SYSTEM)
        .filter(
            Exists(
                Forecast.objects.filter(
                    question=question, user=OuterRef("pk"), created_at__lt=close
                )
            )
        )
        .exclude(
            Exists(
                SentEmail.objects.filter(
                    user=OuterRef("pk"), kind=SentEmail.Kind.RESOLUTION, key=key
                )
            )
        )
        .only("pk", "username", "email", "time_zone")
        .order_by("pk")
    )


def _subject(news: _News) -> str:
    return resolution_headline(news.question, news.event, news.previous)


def resolution_headline(
    question: Question, event: ResolutionEvent, previous: ResolutionEvent | None
) -> str:
    """The news of `event` (correcting `previous`, if any) in a line: the resolution
    email's subject, and its alert's summary."""
    title, outcome_label = question.title, question.get_resolution_display()
    if previous is not None and previous.outcome != event.outcome:
        return f"Resolution corrected to {outcome_label}: {title}"
    if previous is not None:
        return f"Resolution details updated: {title}"
    return f"Resolved {outcome_label}: {title}"


def _shared_context(news: _News) -> dict[str, Any]:
    """What every recipient's email says alike: the outcome, what a correction changed,
    and the community forecast."""
    question, event, previous = news.question, news.event, news.previous
    close = question.actual_close_time
    community = community_forecast(question=question, before=close)
    # A correction may keep the outcome and change only when it became known (which can
    # move the close that scoring counts forecasts up to), the note or the evidence.
    details = (
        _changed_details(event, previous) if news.correction and not news.outcome_changed else []
    )
    previous_close = (
        min(previous.known_at, question.scheduled_close_time) if previous is not None else None
    )
    return {
        "question": question,
        "event": event,
        "previous": previous,
        "correction": news.correction,
        "outcome_changed": news.outcome_changed,
        "details_changed": details,
        "close_moved": previous_close is not None and previous_close != close,
        "previous_close": previous_close,
        "close": close,
        "outcome_label": question.get_resolution_display(),
        "previous_label": (
            Question.Resolution(previous.outcome).label if previous is not None else ""
        ),
        "scored": news.scored,
        "community_final": percent(community.median),
        "community_forecasters": community.forecasters,
        "scored_days": news.scoring.scored_days,
        "question_url": site_url(reverse("questions:detail", args=[question.slug])),
        "record_url": site_url(reverse("forecasts:record")),
    }


@dataclass(frozen=True)
class _Board:
    """A question's score rows, ranked once for every recipient's card: a question with
    thousands of forecasters must not be ranked once per email."""

    mine: dict[str, Row]
    """Each forecaster's row by username."""
    community: Row | None
    peers_descending: list[float]

    @classmethod
    def of(cls, rows: Sequence[Row]) -> _Board:
        # The community forecast and articles' claims are scored, never ranked.
        people = [row for row in rows if not row["is_community"] and not row.get("is_claim")]
        return cls(
            mine={row["user"]: row for row in people},
            community=next((row for row in rows if row["is_community"]), None),
            peers_descending=sorted(-row[PEER.key] for row in people),
        )

    def rank(self, row: Row) -> int:
        """1 + the forecasters with a strictly better peer score."""
        return 1 + bisect.bisect_left(self.peers_descending, -row[PEER.key])


def _message(
    user: User,
    *,
    subject: str,
    shared: dict[str, Any],
    final_forecast: float | None,
    board: _Board,
    scoring: QuestionScoring,
    question: Question,
) -> EmailMultiAlternatives:
    """One forecaster's email: the shared part, their last forecast, and their score card
    (the question page's "Your scores": each rule beside the community forecast's)."""
    mine = board.mine.get(user.username)
    lines = (
        score_card_for(
            mine=mine,
            community=board.community,
            rank=board.rank(mine),
            ranked=len(board.mine),
            crowd_mean=scoring.crowd_mean,
            scored_days=scoring.scored_days,
            known_share=window_before_outcome(
                open_time=question.open_time,
                scheduled_close=question.scheduled_close_time,
                known_at=question.known_at,
            ),
        )
        if mine is not None
        else []
    )
    return email_message(
        user=user,
        kind=SentEmail.Kind.RESOLUTION,
        subject=subject,
        template="resolution",
        context={
            **shared,
            "final_forecast": percent(final_forecast),
            # Every recipient forecast before the close: no standing forecast there means
            # they had withdrawn it.
            "withdrawn_at_close": final_forecast is None,
            "mine": mine,
            "lines": lines,
            "summary": score_summary(mine, board.community),
        },
    )


def resolution_emails_sweep(*, now: datetime | None = None) -> int:
    """The safety net behind the task scoring queues: a message lost between scoring and
    the worker (broker outage, worker killed) would leave forecasters without their
    scores. Each question with a resolution event still news is sent what is missing;
    the keys make this send nothing that already went, and nothing before scoring."""
    now = now or timezone.now()
    recent = set(
        ResolutionEvent.objects.filter(created_at__gte=now - RESOLUTION_NEWS_MAX_AGE)
        .values_list("question_id", flat=True)
        .distinct()
    )
    return sum(resolution_emails_send(question_id=pk, now=now) for pk in sorted(recent))
