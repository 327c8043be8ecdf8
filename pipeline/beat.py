"""The periodic tasks: the close, the sweeps that repair lost messages, the daily emails
and the pruning of old idempotency keys. Every one of them is safe to run twice, or late."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab
from django.conf import settings


def beat_schedule() -> dict[str, dict[str, Any]]:
    sweep = settings.FORESEER_RESCORE_SWEEP_SECONDS
    return {
        "close-due-questions": {"task": "pipeline.tasks.close_due_questions", "schedule": 60.0},
        "rescore-stale-questions": {
            "task": "pipeline.tasks.rescore_stale_questions",
            "schedule": sweep,
        },
        "community-sweep": {"task": "pipeline.tasks.community_sweep", "schedule": sweep},
        "resolution-emails-sweep": {
            "task": "pipeline.tasks.resolution_emails_sweep",
            "schedule": sweep,
        },
        # Daily emails; each is keyed so a second run the same day sends nothing.
        "forecast-reminders": {
            "task": "pipeline.tasks.send_forecast_reminders",
            "schedule": crontab(hour=8, minute=0),
        },
        "resolution-digest": {
            "task": "pipeline.tasks.send_resolution_digest",
            "schedule": crontab(hour=7, minute=0),
        },
        "prune-forecast-requests": {
            "task": "pipeline.tasks.prune_forecast_requests",
            "schedule": crontab(hour=3, minute=30),
        },
    }
