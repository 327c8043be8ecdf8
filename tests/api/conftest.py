"""Questions in each state, and a guard that no test reaches the broker."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import QuestionFactory, UserFactory


@pytest.fixture(autouse=True)
def enqueued():
    """Resolving enqueues scoring on commit; record the call instead of sending it."""
    with mock.patch("pipeline.tasks.score_question.delay") as delay:
        yield delay


@pytest.fixture
def open_question(db):
    return QuestionFactory(slug="open-q", title="Will the open event happen?")


@pytest.fixture
def upcoming_question(db):
    return QuestionFactory(
        slug="upcoming-q",
        title="Will the future event happen?",
        open_time=timezone.now() + timedelta(days=2),
    )


@pytest.fixture
def closed_question(db):
    return QuestionFactory(
        slug="closed-q",
        title="Will the past event happen?",
        open_time=timezone.now() - timedelta(days=40),
    )


@pytest.fixture
def resolved_question(db):
    opened = timezone.now() - timedelta(days=10)
    return QuestionFactory(
        slug="resolved-q",
        title="Did the resolved event happen?",
        open_time=opened,
        resolution="yes",
        known_at=opened + timedelta(days=2),
        resolution_set_at=opened + timedelta(days=2),
    )


@pytest.fixture
def analyst(db):
    """A forecaster in the Analysts group, whose one permission is to see every
    forecaster's scores and calibration (migration scoring 0004)."""
    user = UserFactory(username="ana")
    user.groups.add(Group.objects.get(name="Analysts"))
    return user


@pytest.fixture
def analyst_client(analyst) -> APIClient:
    client = APIClient()
    client.force_authenticate(analyst)
    return client
