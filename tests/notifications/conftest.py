"""Fixtures shared by the tests of the emails."""

from __future__ import annotations

import pytest

from tests.factories import StaffFactory, UserFactory
from tests.notifications.builders import SITE, RefusingBackend, forecast, past_question


@pytest.fixture
def site(settings):
    """Links in emails point here; reminders are due after 30 days."""
    settings.FORESEER_SITE_URL = SITE
    settings.FORESEER_REMINDER_DAYS = 30


@pytest.fixture
def resolver(db):
    return StaffFactory(username="resolver")


@pytest.fixture
def forecasters(db):
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    return alice, bob


@pytest.fixture
def resolved_setup(forecasters, resolver):
    alice, bob = forecasters
    question = past_question(slug="nk-launch", title="Will Pyongyang test an ICBM & more?")
    forecast(alice, question, 0.8, days_ago=9)
    forecast(bob, question, 0.3, days_ago=9)
    return question, alice, bob


@pytest.fixture
def refusing(settings):
    settings.EMAIL_BACKEND = "tests.notifications.builders.RefusingBackend"
    RefusingBackend.refuse, RefusingBackend.up_for = {}, None
    yield RefusingBackend
    RefusingBackend.refuse, RefusingBackend.up_for = {}, None
