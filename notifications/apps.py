from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Every email the service sends: the resolution emails and reminders to forecasters,
    the staff's daily digest, the outbox that sends each of them once, and the unsubscribe
    page. It reads the apps below it and is read by none of them; the tasks that send the
    emails live in `pipeline`."""

    name = "notifications"
