"""Fixtures for the management-command tests."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def enqueued():
    """Nothing is sent to a broker: the scoring task's `delay` is recorded."""
    with mock.patch("pipeline.tasks.score_question.delay") as delay:
        yield delay


@pytest.fixture
def superuser(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def run() -> Callable[..., tuple[str, str]]:
    """Call a command as `manage.py` would; return what it printed (out, err)."""

    def call(name: str, *args: object, **options: object) -> tuple[str, str]:
        out, err = StringIO(), StringIO()
        call_command(name, *[str(arg) for arg in args], stdout=out, stderr=err, **options)
        return out.getvalue(), err.getvalue()

    return call


@pytest.fixture
def run_failing() -> Callable[..., tuple[CommandError, str]]:
    """Call a command that must fail; return its error and what it printed to stderr."""

    def call(name: str, *args: object, **options: object) -> tuple[CommandError, str]:
        err = StringIO()
        with pytest.raises(CommandError) as excinfo:
            call_command(name, *map(str, args), stdout=StringIO(), stderr=err, **options)
        return excinfo.value, err.getvalue()

    return call
