"""The writes of the notifications app, for callers outside it (the pipeline's tasks, the
unsubscribe page). Each lives in the module of its concept; this is where to find them."""

from notifications.alerts import alert_record
from notifications.digest import resolution_digest_send
from notifications.reminders import forecast_reminders_send
from notifications.resolution import resolution_emails_send, resolution_emails_sweep
from notifications.unsubscribe import user_unsubscribe

__all__ = [
    "alert_record",
    "forecast_reminders_send",
    "resolution_digest_send",
    "resolution_emails_send",
    "resolution_emails_sweep",
    "user_unsubscribe",
]
