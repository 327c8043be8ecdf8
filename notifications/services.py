"""The writes of the notifications app, for callers outside it (the pipeline's tasks, the
unsubscribe page). Each lives in the module of its concept; this is where to find them."""

from notifications.alert_emails import alert_emails_send
from notifications.alerts import (
    alert_record,
    alerts_sweep,
    clarification_alerts_record,
    community_move_alerts_record,
    resolution_alerts_record,
)
from notifications.digest import resolution_digest_send
from notifications.following import (
    alert_delivery_off,
    alert_preferences_update,
    alerts_mark_read,
    follow_set,
    following_mark_seen,
)
from notifications.reminders import forecast_reminders_send
from notifications.resolution import resolution_emails_send, resolution_emails_sweep
from notifications.unsubscribe import user_unsubscribe

__all__ = [
    "alert_delivery_off",
    "alert_emails_send",
    "alert_preferences_update",
    "alert_record",
    "alerts_mark_read",
    "alerts_sweep",
    "clarification_alerts_record",
    "community_move_alerts_record",
    "follow_set",
    "following_mark_seen",
    "forecast_reminders_send",
    "resolution_alerts_record",
    "resolution_digest_send",
    "resolution_emails_send",
    "resolution_emails_sweep",
    "user_unsubscribe",
]
