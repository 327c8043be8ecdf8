"""Pointing the Celery app at another broker for a test, and back."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import kombu.pools
from django.conf import settings
from django.test import override_settings

from config.celery import app as celery_app
from config.settings.base import broker_transport_options


@contextlib.contextmanager
def celery_broker(
    url: str, *, options: dict[str, Any] | None = None, queue: str | None = None
) -> Iterator[None]:
    """Within the block, every task is published to the broker at `url` with the transport
    options the settings give that URL (or `options`), and to `queue` when given; the
    app's configuration and connections are restored after."""
    if options is None:
        options = broker_transport_options(url, Path(settings.CELERY_BROKER_DIR))
    changes: dict[str, Any] = {"broker_url": url, "broker_transport_options": options}
    if queue is not None:
        changes["task_routes"] = {"pipeline.tasks.*": {"queue": queue}}
    previous = {key: celery_app.conf[key] for key in changes}
    with (
        override_settings(CELERY_BROKER_URL=url, CELERY_BROKER_TRANSPORT_OPTIONS=options),
        # Celery reads this variable before its configuration (Settings.broker_url).
        mock.patch.dict(os.environ, {"CELERY_BROKER_URL": url}),
    ):
        celery_app.conf.update(changes)
        _forget_connections()
        try:
            yield
        finally:
            celery_app.conf.update(previous)
            _forget_connections()


def _forget_connections() -> None:
    """The app keeps the connection and producer pools of the broker it first used: drop
    them, so the next publish connects to the broker configured now."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
