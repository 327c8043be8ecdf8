"""The periodic tasks: the close, the sweeps that repair lost messages, and the daily
emails. Every one of them is safe to run twice, or late."""

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
        # A stalled fanned-out rescore is noticed within a chunk timeout of going quiet.
        "rescore-chunks-sweep": {
            "task": "pipeline.tasks.rescore_chunks_sweep",
            "schedule": min(sweep, settings.FORESEER_RESCORE_CHUNK_TIMEOUT_SECONDS),
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
    }
