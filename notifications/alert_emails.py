"""The alert emails: one email per forecaster listing their alerts not yet emailed, sent
every few minutes to those who want them at once, and once a day to those who want a
digest (the default). Each alert is claimed in the outbox as `alert:<id>`, so none is
emailed twice, and marked `emailed_at` once its email went."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import groupby

from django.core.mail import EmailMultiAlternatives
from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value, Window
from django.db.models.functions import Cast, Concat, RowNumber
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.links import site_url
from notifications.messages import email_message
from notifications.models import Alert, AlertPreference, SentEmail
from notifications.outbox import Outgoing, outbox_send
from notifications.selectors import ALERTS_SHOWN, about_a_hidden_comment

# An alert older than this is not emailed any more (someone who turns emails back on is
# not sent a month of old news); it stays on the following page.
ALERT_EMAIL_MAX_AGE = timedelta(days=7)


def pending_alerts(*, delivery: str, now: datetime) -> list[Alert]:
    """The alerts to email to the users whose delivery is `delivery` (no preferences:
    the daily digest), oldest first by user: not emailed yet, not claimed by a run in
    progress, of a kind the user still wants, to an active account with an address, and
    not quoting a comment a moderator has since hidden."""
    chosen = Q(user__alert_preference__delivery=delivery)
    if delivery == AlertPreference.Delivery.DAILY:
        chosen |= Q(user__alert_preference__isnull=True)
    # Before the window below: a kind turned off must not hold one of its places.
    wanted = Q()
    for kind in Alert.Kind.values:
        wanted |= Q(kind=kind) & AlertPreference.wanting(kind, path="user__")
    alerts = (
        Alert.objects.filter(chosen)
        .filter(wanted)
        .filter(
            emailed_at__isnull=True,
            created_at__gte=now - ALERT_EMAIL_MAX_AGE,
            created_at__lte=now,
            user__is_active=True,
        )
        .exclude(user__email="")
        .exclude(user__origin=User.Origin.SYSTEM)
        .filter(~Exists(_claims()))
        .exclude(about_a_hidden_comment())
        # Each user's oldest ALERTS_SHOWN, numbered by the database: one email carries no
        # more, and a user with thousands pending costs this run no more than that.
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("user_id")],
                order_by=[F("created_at").asc(), F("id").asc()],
            )
        )
        .filter(position__lte=ALERTS_SHOWN)
        .select_related("user", "user__alert_preference", "question")
        .order_by("user_id", "created_at", "id")
    )
    return list(alerts)


def _claims() -> QuerySet[SentEmail]:
    """The outbox's claim on the alert of the outer query (`alert:<id>`)."""
    return SentEmail.objects.filter(
        user=OuterRef("user"),
        kind=SentEmail.Kind.ALERTS,
        key=Concat(Value("alert:"), Cast(OuterRef("pk"), CharField()), output_field=CharField()),
    )


def alert_emails_send(*, delivery: str, now: datetime | None = None) -> int:
    """Email each user whose delivery is `delivery` their pending alerts, at most
    ALERTS_SHOWN in one email (the rest go in the next); returns how many emails were
    sent. A second run, or a second worker, finds the claims and sends nothing again."""
    now = now or timezone.now()
    if delivery not in (AlertPreference.Delivery.IMMEDIATE, AlertPreference.Delivery.DAILY):
        return 0
    alerts = pending_alerts(delivery=delivery, now=now)
    outgoing = []
    for _, group in groupby(alerts, key=lambda alert: alert.user_id):
        mine = list(group)  # at most ALERTS_SHOWN: pending_alerts' window
        user = mine[0].user
        outgoing.append(
            Outgoing(
                user=user,
                keys=[f"alert:{alert.pk}" for alert in mine],
                build=_builder(user, mine, daily=delivery == AlertPreference.Delivery.DAILY),
            )
        )
    if not outgoing:
        return 0
    try:
        return outbox_send(kind=SentEmail.Kind.ALERTS, outgoing=outgoing, label="alert email")
    finally:
        # Whatever went out (a refused message releases its claims and stays pending).
        Alert.objects.filter(pk__in=[alert.pk for alert in alerts], emailed_at__isnull=True).filter(
            Exists(_claims())
        ).update(emailed_at=now)


def _builder(
    user: User, alerts: list[Alert], *, daily: bool
) -> Callable[[list[str]], EmailMultiAlternatives | None]:
    def build(keys: list[str]) -> EmailMultiAlternatives | None:
        claimed = set(keys)
        mine = [alert for alert in alerts if f"alert:{alert.pk}" in claimed]
        if not mine:
            return None
        if len(mine) == 1 and not daily:
            subject = mine[0].summary
        elif daily:
            subject = f"Your Foreseer digest: {len(mine)} alert{'s' if len(mine) != 1 else ''}"
        else:
            subject = f"{len(mine)} alerts on questions you follow"
        return email_message(
            user=user,
            kind=SentEmail.Kind.ALERTS,
            subject=subject,
            template="alerts",
            context={
                "items": [{"alert": alert, "url": site_url(alert.url)} for alert in mine],
                "daily": daily,
                "following_url": site_url(reverse("following:dashboard")),
            },
        )

    return build
