"""How every email is made: a plain-text body and an HTML alternative rendered from
`notifications/email/<template>.txt` and `.html`."""

from __future__ import annotations

from datetime import UTC

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.profiles import time_zone_or_none
from notifications.links import site_url
from notifications.models import SentEmail
from notifications.unsubscribe import PREFERENCE_OF_KIND, unsubscribe_url


def email_message(
    *, user: User, kind: str, subject: str, template: str, context: dict[str, object]
) -> EmailMultiAlternatives:
    """The email of `kind` to `user`. A kind the user can turn off (a forecaster's
    resolution email or reminder) also links to the settings page and carries the
    one-click unsubscribe link, in its footer and in the List-Unsubscribe headers; the
    staff digest obeys no preference, so it has neither."""
    context = {**context, "user": user}
    headers: dict[str, str] = {}
    if kind in PREFERENCE_OF_KIND:
        unsubscribe = unsubscribe_url(user_id=user.pk, kind=kind)
        context.update(
            # The alerts' choices are on the following page, the others in the settings.
            settings_url=site_url(
                reverse(
                    "following:dashboard" if kind == SentEmail.Kind.ALERTS else "account_settings"
                )
            ),
            unsubscribe_url=unsubscribe,
            kind_label=SentEmail.Kind(kind).label,
        )
        headers = {
            "List-Unsubscribe": f"<{unsubscribe}>",
            # RFC 8058: mail providers may unsubscribe with one POST, without a visit.
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    # Times in the recipient's own zone (their setting), with UTC beside them; UTC
    # without a setting (an email knows no browser).
    with timezone.override(time_zone_or_none(user.time_zone) or UTC):
        message = EmailMultiAlternatives(
            # A subject is one line, whatever the title it quotes holds.
            subject=" ".join(subject.split()),
            body=render_to_string(f"notifications/email/{template}.txt", context),
            to=[user.email],
            headers=headers,
        )
        message.attach_alternative(
            render_to_string(f"notifications/email/{template}.html", context), "text/html"
        )
    return message
