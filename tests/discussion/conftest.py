from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory


@pytest.fixture
def question(db):
    return QuestionFactory(slug="open-q", title="Will the open event happen?")


@pytest.fixture
def hiding_question(db):
    return QuestionFactory(
        slug="hiding-q", title="Will the hidden event happen?", hide_community_until_forecast=True
    )


@pytest.fixture
def ana(db):
    return UserFactory(username="ana")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def moderator(db):
    return StaffFactory(username="mod")


@pytest.fixture
def ana_forecast(ana, question):
    return ForecastFactory(
        user=ana,
        question=question,
        probability=0.62,
        rationale="Base rates say *likely*.",
        created_at=timezone.now() - timedelta(minutes=5),
    )
