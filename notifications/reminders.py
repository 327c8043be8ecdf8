"""The reminder to a forecaster whose forecasts on open questions have gone stale: one
email listing them all, each forecast reminded of once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from common.templatetags.foreseer import percent
from forecasts.models import Forecast
from forecasts.selectors import community_forecasts, withdrawn_since
from notifications.links import site_url
from notifications.messages import email_message
from notifications.models import SentEmail
from notifications.outbox import Outgoing, outbox_send
from questions.models import Question


@dataclass(frozen=True)
class ReminderItem:
    forecast: Forecast
    question: Question
    days_old: int
    community: str
    forecasters: int
    url: str


def stale_forecasts(*, now: datetime, days: int) -> list[Forecast]:
    """Each user's latest forecast on a question open at `now`, if it is at least `days`
    old (a reaffirm is a new forecast, fresh again), not withdrawn, not yet reminded of,
    and its author wants reminders and can get email: one query, ordered by user."""
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
        # A withdrawn forecast stands no more: nothing to remind of.
        .filter(~Exists(withdrawn_since()))
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
            return email_message(
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
    return outbox_send(kind=SentEmail.Kind.REMINDER, outgoing=outgoing, label="reminder email")
