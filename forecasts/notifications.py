"""Emails to forecasters: a question they forecast was resolved (with their scores), and a
reminder when their forecasts on open questions have gone stale. Every email carries a
link to the settings page and a signed one-click unsubscribe link for its kind.

Each message is recorded as a `SentEmail` row, keyed by what it is about (a resolution
event, a forecast), and the row is inserted *before* the message is sent: the unique
constraint on (user, kind, key) then lets exactly one run send it, however many copies of
a task run at once. If sending fails, the row is deleted again so a retry can send it."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import SentEmail, User
from common.templatetags.foreseer import percent, score, signed, utc
from forecasts.models import Forecast
from forecasts.selectors import community_forecast, community_forecasts, standing_forecasts
from questions.models import Question, ResolutionEvent
from scoring.models import QuestionScoring, Score

logger = logging.getLogger(__name__)

# The preference each kind of email obeys; the unsubscribe link turns it off.
PREFERENCE_OF_KIND = {
    SentEmail.Kind.RESOLUTION: "email_on_resolution",
    SentEmail.Kind.REMINDER: "email_reminders",
}
UNSUBSCRIBE_SALT = "foreseer.email.unsubscribe"
# Rows claimed per INSERT. Claims are held while their messages go out, so a worker killed
# mid-batch loses at most this many messages (never sends one twice).
CLAIM_BATCH = 100
# A resolution is news for a week. Scoring also runs when forecasts are imported onto an
# old question; the forecasters should not hear about a resolution months after the fact.
RESOLUTION_NEWS_MAX_AGE = timedelta(days=7)


def site_url(path: str) -> str:
    """An absolute link for an email: there is no request to take the host from."""
    return f"{settings.FORESEER_SITE_URL}{path}"


# --- Unsubscribe links ---------------------------------------------------------------------


class BadUnsubscribeToken(ValueError):
    """The link was altered, truncated, or names an account or kind that does not exist."""


@dataclass(frozen=True)
class UnsubscribeTarget:
    user: User
    kind: str

    @property
    def label(self) -> str:
        return SentEmail.Kind(self.kind).label

    @property
    def subscribed(self) -> bool:
        return bool(getattr(self.user, PREFERENCE_OF_KIND[self.kind]))


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """Signed, so nobody can unsubscribe someone else; without expiry, so the link in an
    old email still works."""
    if kind not in PREFERENCE_OF_KIND:
        raise ValueError(f"No preference for emails of kind {kind!r}.")
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_target(*, token: str) -> UnsubscribeTarget:
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature as error:
        raise BadUnsubscribeToken("This unsubscribe link is not valid.") from error
    if not isinstance(payload, dict) or payload.get("k") not in PREFERENCE_OF_KIND:
        raise BadUnsubscribeToken("This unsubscribe link is not valid.")
    user = User.objects.filter(pk=payload.get("u")).first()
    if user is None:
        raise BadUnsubscribeToken("The account of this link no longer exists.")
    return UnsubscribeTarget(user=user, kind=payload["k"])


def user_unsubscribe(*, user: User, kind: str) -> bool:
    """Turn off one kind of email; True if it was on. A conditional UPDATE, so it leaves
    the account's other fields alone whatever else is saving it."""
    field = PREFERENCE_OF_KIND[kind]
    changed = User.objects.filter(pk=user.pk, **{field: True}).update(**{field: False})
    setattr(user, field, False)
    return changed > 0


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = unsubscribe_token(user_id=user_id, kind=kind)
    return site_url(reverse("unsubscribe", args=[token]))


# --- Sending -----------------------------------------------------------------------------


@dataclass
class Outgoing:
    """One message to one user, standing for one or more `SentEmail` keys. `build` gets
    the keys that were claimed (a concurrent run may have taken some) and returns the
    message, or None when nothing is left to say."""

    user: User
    keys: list[str]
    build: Callable[[list[str]], EmailMultiAlternatives | None]


def _message(
    *, user: User, kind: str, subject: str, template: str, context: dict[str, object]
) -> EmailMultiAlternatives:
    unsubscribe = unsubscribe_url(user_id=user.pk, kind=kind)
    context = {
        **context,
        "user": user,
        "settings_url": site_url(reverse("account_settings")),
        "unsubscribe_url": unsubscribe,
        "kind_label": SentEmail.Kind(kind).label,
    }
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string(f"forecasts/email/{template}.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            # RFC 8058: mail providers may unsubscribe with one POST, without a visit.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"forecasts/email/{template}.html", context), "text/html"
    )
    return message


def _claim(*, kind: str, wanted: list[tuple[int, str]]) -> list[SentEmail]:
    """Insert the rows for messages about to be sent; return those this run inserted."""
    if not wanted:
        return []
    try:
        with transaction.atomic():
            return SentEmail.objects.bulk_create(
                [SentEmail(user_id=user_id, kind=kind, key=key) for user_id, key in wanted]
            )
    except IntegrityError:
        pass
    # Another run claimed some of them between our read and our insert: take the rest
    # one by one (rare, so not worth batching).
    claimed = []
    for user_id, key in wanted:
        try:
            with transaction.atomic():
                claimed.append(SentEmail.objects.create(user_id=user_id, kind=kind, key=key))
        except IntegrityError:
            continue
    return claimed


def _chunks(items: Sequence[Outgoing], size: int) -> Iterator[Sequence[Outgoing]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# SMTP errors about one message (its recipient, its sender or its content): the server
# is still there, so they must not keep the other messages from going out. Anything else
# (disconnected, connection refused, timed out: all OSErrors) is about the server.
REFUSED_MESSAGE_ERRORS = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPSenderRefused,
    smtplib.SMTPDataError,
)


def _send_all(*, kind: str, outgoing: Sequence[Outgoing]) -> int:
    """Claim and send, a batch at a time, over one SMTP connection. A refused message
    only skips itself: its claim is released, the others are sent, and the first such
    error is raised at the end so the task's retry tries the refused ones again. Any
    other failure (the server is down) releases every unsent claim of the batch and
    raises at once, so the task retries what is left."""
    sent = 0
    refused: list[Exception] = []
    with get_connection() as connection:
        for batch in _chunks(outgoing, CLAIM_BATCH):
            claims = _claim(
                kind=kind, wanted=[(item.user.pk, key) for item in batch for key in item.keys]
            )
            claimed_keys: dict[int, list[SentEmail]] = {}
            for row in claims:
                claimed_keys.setdefault(row.user_id, []).append(row)
            pending = [item for item in batch if item.user.pk in claimed_keys]
            for position, item in enumerate(pending):
                rows = claimed_keys[item.user.pk]
                try:
                    message = item.build([row.key for row in rows])
                    if message is not None:
                        message.connection = connection
                        message.send()
                        sent += 1
                except REFUSED_MESSAGE_ERRORS as error:
                    _release(rows)
                    logger.warning("%s email to %s refused: %s", kind, item.user.email, error)
                    refused.append(error)
                except Exception:
                    _release(
                        [row for later in pending[position:] for row in claimed_keys[later.user.pk]]
                    )
                    raise
    if refused:
        raise refused[0]
    return sent


def _release(rows: list[SentEmail]) -> None:
    SentEmail.objects.filter(pk__in=[row.pk for row in rows]).delete()


# --- A question you forecast resolved ----------------------------------------------------


@dataclass(frozen=True)
class ScoreLine:
    name: str
    meaning: str
    yours: str
    community: str
    comparison: str
    """"better than", "worse than", "the same as" the community forecast, or ""."""


# (field, name, what it means, lower is better, format)
SCORE_RULES: list[tuple[str, str, str, bool, Callable[[object], str]]] = [
    ("daily_brier", "Daily Brier", "0 is perfect, 2 is the worst", True, score),
    (
        "accuracy",
        "Accuracy",
        "your Daily Brier minus the crowd's median, times your participation; "
        "negative beats the crowd",
        True,
        signed,
    ),
    ("peer", "Peer score", "positive beats the other forecasters", False, lambda v: signed(v, 1)),
    (
        "baseline",
        "Baseline score",
        "positive beats a 50% guess",
        False,
        lambda v: signed(v, 1),
    ),
    (
        "log",
        "Log score",
        "the natural log of the probability you gave the outcome, over the time it stood; "
        "0 is perfect",
        False,
        signed,
    ),
]


def score_lines(mine: Score | None, community: Score | None) -> list[ScoreLine]:
    """Each rule in plain words, with the community forecast's value beside the user's."""
    if mine is None:
        return []
    lines = []
    for field, name, meaning, lower_is_better, fmt in SCORE_RULES:
        value = getattr(mine, field)
        other = getattr(community, field) if community is not None else None
        yours, theirs = fmt(value), fmt(other)
        comparison = ""
        if value is not None and other is not None:
            if yours == theirs:
                comparison = "the same as"
            elif (value < other) == lower_is_better:
                comparison = "better than"
            else:
                comparison = "worse than"
        lines.append(ScoreLine(name, meaning, yours, theirs, comparison))
    return lines


def score_summary(mine: Score | None, community: Score | None) -> str:
    """One sentence on how the forecaster did: against the community forecast by Daily
    Brier (Good Judgment Open's headline) and against the other forecasters by peer score
    (Metaculus's)."""
    if mine is None:
        return ""
    parts = []
    brier = next(line for line in score_lines(mine, community) if line.name == "Daily Brier")
    if brier.comparison:
        parts.append(f"by Daily Brier you did {brier.comparison} the community forecast")
    if mine.peer > 0:
        parts.append("your peer score is positive: you beat the other forecasters on average")
    elif mine.peer < 0:
        parts.append("your peer score is negative: the other forecasters did better on average")
    return "; ".join(parts)


def _latest_event(question: Question) -> tuple[ResolutionEvent | None, ResolutionEvent | None]:
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
    now = now or timezone.now()
    question = Question.objects.filter(pk=question_id).select_related("scoring").first()
    if question is None or not question.resolution:
        return 0
    event, previous = _latest_event(question)
    if event is None or event.outcome != question.resolution:
        return 0
    if event.created_at < now - RESOLUTION_NEWS_MAX_AGE:
        return 0
    scoring: QuestionScoring | None = getattr(question, "scoring", None)
    if scoring is None or scoring.resolution_event_id != event.pk:
        # Not scored for this event yet: its scoring queues this task again when done.
        return 0

    key = f"event:{event.pk}"
    close = question.actual_close_time
    recipients = list(
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
        .only("pk", "username", "email")
        .order_by("pk")
    )
    if not recipients:
        return 0

    scored = question.is_scorable and question.type == Question.Type.BINARY
    scores: dict[int, Score] = {}
    community_score = None
    if scored:
        for row in Score.objects.filter(question=question).select_related("user"):
            if row.user.origin == User.Origin.SYSTEM:
                community_score = row
            else:
                scores[row.user_id] = row
    final = dict(
        standing_forecasts(question=question, before=close).values_list("user_id", "probability")
    )
    community = community_forecast(question=question, before=close)
    correction = previous is not None
    # A correction may keep the outcome and change only when it became known (which can
    # move the close that scoring counts forecasts up to), the note or the evidence.
    outcome_changed = previous is not None and previous.outcome != event.outcome
    details = _changed_details(event, previous) if correction and not outcome_changed else []
    previous_close = (
        min(previous.known_at, question.scheduled_close_time) if previous is not None else None
    )
    outcome_label = question.get_resolution_display()
    if outcome_changed:
        subject = f"Resolution corrected to {outcome_label}: {question.title}"
    elif correction:
        subject = f"Resolution details updated: {question.title}"
    else:
        subject = f"Resolved {outcome_label}: {question.title}"
    shared = {
        "question": question,
        "event": event,
        "previous": previous,
        "correction": correction,
        "outcome_changed": outcome_changed,
        "details_changed": details,
        "close_moved": previous_close is not None and previous_close != close,
        "previous_close": previous_close,
        "close": close,
        "outcome_label": outcome_label,
        "previous_label": (
            Question.Resolution(previous.outcome).label if previous is not None else ""
        ),
        "scored": scored,
        "community_final": percent(community.median),
        "community_forecasters": community.forecasters,
        "scored_days": scoring.scored_days,
        "question_url": site_url(reverse("questions:detail", args=[question.slug])),
        "record_url": site_url(reverse("forecasts:record")),
    }

    def builder(user: User) -> Callable[[list[str]], EmailMultiAlternatives | None]:
        def build(_keys: list[str]) -> EmailMultiAlternatives:
            mine = scores.get(user.pk)
            return _message(
                user=user,
                kind=SentEmail.Kind.RESOLUTION,
                subject=subject,
                template="resolution",
                context={
                    **shared,
                    "final_forecast": percent(final.get(user.pk)),
                    "mine": mine,
                    "lines": score_lines(mine, community_score),
                    "summary": score_summary(mine, community_score),
                    "participation": percent(mine.participation) if mine else "",
                    "coverage": percent(mine.coverage) if mine else "",
                },
            )

        return build

    return _send_all(
        kind=SentEmail.Kind.RESOLUTION,
        outgoing=[Outgoing(user=user, keys=[key], build=builder(user)) for user in recipients],
    )


# --- Reminders about stale forecasts ------------------------------------------------------


@dataclass(frozen=True)
class ReminderItem:
    forecast: Forecast
    question: Question
    days_old: int
    community: str
    forecasters: int
    url: str


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


def stale_forecasts(*, now: datetime, days: int) -> list[Forecast]:
    """Each user's latest forecast on a question open at `now`, if it is at least `days`
    old, not yet reminded of, and its author wants reminders and can get email: one
    query, ordered by user."""
    newer = Forecast.objects.filter(user=OuterRef("user"), question=OuterRef("question")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    reminded = SentEmail.objects.filter(
        user=OuterRef("user"),
        kind=SentEmail.Kind.REMINDER,
        key=Concat(Value("forecast:"), Cast(OuterRef("pk"), CharField()), output_field=CharField()),
    )
    return list(
        Forecast.objects.filter(
            created_at__lte=now - timedelta(days=days),
            question__published_at__isnull=False,
            question__resolution="",
            question__open_time__lte=now,
            question__scheduled_close_time__gt=now,
            user__is_active=True,
            user__email_reminders=True,
        )
        .exclude(user__email="")
        .exclude(user__origin=User.Origin.SYSTEM)
        .filter(~Exists(newer))
        .filter(~Exists(reminded))
        .select_related("question", "user")
        .order_by("user_id", "question__scheduled_close_time", "question_id")
    )


def forecast_reminders_send(*, now: datetime | None = None) -> int:
    """Send each forecaster one email listing their forecasts on open questions left
    unchanged for `FORESEER_REMINDER_DAYS` days; return how many emails were sent. Each
    forecast is reminded of once: an update is a new forecast, reminded of once it is
    stale in turn."""
    now = now or timezone.now()
    days = settings.FORESEER_REMINDER_DAYS
    if days <= 0:
        return 0
    forecasts = stale_forecasts(now=now, days=days)
    if not forecasts:
        return 0
    questions = list({forecast.question_id: forecast.question for forecast in forecasts}.values())
    # Every question here is one the user forecast on, so a community forecast hidden
    # until one forecasts is visible to them.
    community = community_forecasts(questions=questions)

    def item(forecast: Forecast) -> ReminderItem:
        crowd = community[forecast.question_id]
        return ReminderItem(
            forecast=forecast,
            question=forecast.question,
            days_old=(now - forecast.created_at).days,
            community=percent(crowd.median),
            forecasters=crowd.forecasters,
            url=site_url(reverse("questions:detail", args=[forecast.question.slug])),
        )

    def builder(
        user: User, items: list[ReminderItem]
    ) -> Callable[[list[str]], EmailMultiAlternatives | None]:
        def build(keys: list[str]) -> EmailMultiAlternatives | None:
            claimed = set(keys)
            mine = [i for i in items if f"forecast:{i.forecast.pk}" in claimed]
            if not mine:
                return None
            count = len(mine)
            subject = (
                f"Your forecast on “{mine[0].question.title}” is {days}+ days old"
                if count == 1
                else f"{count} of your forecasts are {days}+ days old"
            )
            return _message(
                user=user,
                kind=SentEmail.Kind.REMINDER,
                subject=subject,
                template="reminder",
                context={
                    "items": mine,
                    "days": days,
                    "record_url": site_url(reverse("forecasts:record")),
                },
            )

        return build

    outgoing = []
    for _, group in groupby(forecasts, key=lambda forecast: forecast.user_id):
        rows = list(group)
        items = [item(forecast) for forecast in rows]
        outgoing.append(
            Outgoing(
                user=rows[0].user,
                keys=[f"forecast:{forecast.pk}" for forecast in rows],
                build=builder(rows[0].user, items),
            )
        )
    return _send_all(kind=SentEmail.Kind.REMINDER, outgoing=outgoing)
