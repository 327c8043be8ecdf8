"""The end-to-end tests run the commands as an operator would; no broker."""

from unittest import mock

import pytest


@pytest.fixture(autouse=True)
def enqueued():
    with mock.patch("pipeline.tasks.score_question.delay") as delay:
        yield delay
