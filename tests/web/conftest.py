"""Fixtures for the web pages: logged-in clients, an article with a question
quoting it, and resolving with the scores computed right away."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pipeline.tasks import score_question
from questions.models import Question, Tag
from questions.services import question_resolve
from tests.clients import logged_in
from tests.factories import ArticleFactory, QuestionFactory

PASSAGE = "More likely, the situation will remain tense but stable."


@pytest.fixture
def staff_web_client(staff) -> Client:
    return logged_in(staff)


@pytest.fixture
def article(db):
    return ArticleFactory(
        slug="fractured-pillar",
        title="The Fractured Pillar",
        outlet="Example Outlet",
        author="A. Writer",
        text=(
            "A significant escalation could trigger a rapid deterioration.\n\n"
            f"{PASSAGE} Diplomats will keep talking."
        ),
    )


@pytest.fixture
def question(article) -> Question:
    question = QuestionFactory(
        slug="nk-escalation",
        title="Will North Korea escalate significantly?",
        background="Background about the peninsula.",
        resolution_criteria="Resolves yes on a long-range launch.",
        fine_print="Short-range tests do not count.",
        resolution_source="ROK Joint Chiefs of Staff statements.",
        article=article,
        source_passage=PASSAGE,
        implied_probability_low=0.2,
        implied_probability_high=0.45,
        implied_probability_table="icd203",
        implied_probability_term="More likely",
    )
    question.tags.add(Tag.objects.create(slug="north-korea"))
    return question


@pytest.fixture
def past_question(db) -> Callable[..., Question]:
    """A question that opened ten days ago, so it has whole scored days."""

    def build(**fields) -> Question:
        opened = timezone.now() - timedelta(days=10)
        fields.setdefault("open_time", opened)
        fields.setdefault("scheduled_close_time", opened + timedelta(days=31))
        return QuestionFactory(**fields)

    return build


@pytest.fixture
def resolve(staff, django_capture_on_commit_callbacks):
    """Resolve through the service and run the scoring it enqueues on commit
    in-process instead of sending it to a broker."""

    def run(question: Question, outcome: str = "yes", **extra):
        extra.setdefault("known_at", timezone.now() - timedelta(hours=1))
        with (
            mock.patch.object(score_question, "delay", side_effect=score_question) as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            event = question_resolve(question=question, outcome=outcome, resolved_by=staff, **extra)
        delay.assert_called_once_with(question.pk)
        question.refresh_from_db()
        return event

    return run


def count_queries(client: Client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries.captured_queries), response
