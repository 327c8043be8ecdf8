"""Fixtures for the admin tests: pytest-django's `admin_client` is a logged-in
superuser; nothing is sent to a broker."""

from unittest import mock

import pytest


@pytest.fixture(autouse=True)
def enqueued():
    with mock.patch("pipeline.tasks.score_question.delay") as delay:
        yield delay
