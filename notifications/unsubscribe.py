"""The one-click unsubscribe links: each forecaster email carries a signed link that turns
off the preference its kind obeys, without a login."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from accounts.models import User
from notifications.following import alert_delivery_off
from notifications.links import site_url
from notifications.models import AlertPreference, SentEmail

# The preference each kind of email obeys; the unsubscribe link turns it off. The staff
# digest obeys none: it goes to every active staff account with an address. The alert
# emails (at once or daily) obey the alert preferences' `delivery`, which the link sets to
# "off"; the others obey a flag on the account.
ALERT_DELIVERY = "alert_delivery"
PREFERENCE_OF_KIND: dict[str, str] = {
    SentEmail.Kind.RESOLUTION: "email_on_resolution",
    SentEmail.Kind.REMINDER: "email_reminders",
    SentEmail.Kind.ALERTS: ALERT_DELIVERY,
}
UNSUBSCRIBE_SALT = "foreseer.email.unsubscribe"


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
        preference = PREFERENCE_OF_KIND[self.kind]
        if preference == ALERT_DELIVERY:
            chosen = AlertPreference.objects.filter(user=self.user).first()
            return chosen is None or chosen.delivery != AlertPreference.Delivery.OFF
        return bool(getattr(self.user, preference))


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
    user_id = payload.get("u")
    if not isinstance(user_id, int):
        raise BadUnsubscribeToken("This unsubscribe link is not valid.")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise BadUnsubscribeToken("The account of this link no longer exists.")
    return UnsubscribeTarget(user=user, kind=payload["k"])


def user_unsubscribe(*, user: User, kind: str) -> bool:
    """Turn off one kind of email; True if it was on. A conditional UPDATE, so it leaves
    the account's other fields alone whatever else is saving it."""
    field = PREFERENCE_OF_KIND[kind]
    if field == ALERT_DELIVERY:
        return alert_delivery_off(user=user)
    changed = User.objects.filter(pk=user.pk, **{field: True}).update(**{field: False})
    setattr(user, field, False)
    return changed > 0


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    token = unsubscribe_token(user_id=user_id, kind=kind)
    return site_url(reverse("unsubscribe", args=[token]))
