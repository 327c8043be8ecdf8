"""Builders shared by the tests of the analysts' pages and My record: users in each role,
worked example C (SCORING.md §6) as rows, score rows, and a query counter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from questions.models import Article, Project, Question, Tag
from scoring.models import Score
from scoring.services import scopes_mark_dirty, scopes_rebuild_dirty
from tests.factories import (
    EXAMPLE_C,
    ArticleFactory,
    ForecastFactory,
    QuestionFactory,
    ScoreFactory,
    UserFactory,
)

OPENED = datetime(2020, 1, 1, tzinfo=UTC)


def analyst_user(username: str = "ana") -> User:
    """A forecaster in the Analysts group (created by migration scoring 0004)."""
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name="Analysts"))
    return user


def resolved_question(slug: str, outcome: int, **fields) -> Question:
    known_at = fields.pop("known_at", OPENED + timedelta(days=10))
    return QuestionFactory(
        known_at=known_at,
        resolution_set_at=fields.pop("resolution_set_at", known_at),
        slug=slug,
        title=fields.pop("title", f"Question {slug}"),
        open_time=OPENED,
        scheduled_close_time=OPENED + timedelta(days=10),
        resolution="yes" if outcome else "no",
        **fields,
    )


def example_c(user: User, *, prefix: str = "c") -> list[Question]:
    """Worked example C for `user`: one forecast standing all along on each of 20
    questions; the 0.7 and 0.9 questions are tagged "high", in the project "hi-proj" and
    from the article "hi-art"."""
    high, _ = Tag.objects.get_or_create(slug="high")
    project, _ = Project.objects.get_or_create(slug="hi-proj", defaults={"name": "High project"})
    article = Article.objects.filter(slug="hi-art").first() or ArticleFactory(
        slug="hi-art", title="The High Article"
    )
    questions = []
    number = 0
    for probability, outcomes in EXAMPLE_C:
        for outcome in outcomes:
            high_one = probability > 0.5
            question = resolved_question(
                f"{prefix}-{number}", outcome, article=article if high_one else None
            )
            if high_one:
                question.tags.add(high)
                question.projects.add(project)
            ForecastFactory(
                user=user, question=question, probability=probability, created_at=OPENED
            )
            questions.append(question)
            number += 1
    return questions


def rebuild(*scopes: str) -> None:
    scopes_mark_dirty(scopes=set(scopes))
    scopes_rebuild_dirty()


def score(question: Question, user: User, **values: float | None) -> Score:
    """A score row whose values differ from ScoreFactory's where the pages' tests
    read them: a daily Brier of 0.4, accuracy -0.1 and log -0.5."""
    return ScoreFactory(
        question=question,
        user=user,
        **{"daily_brier": 0.4, "accuracy": -0.1, "log": -0.5, **values},
    )


def queries_for(client: Client, url: str, data: dict | None = None) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, data or {})
    assert response.status_code == 200, response.content[:800]
    return len(queries.captured_queries), response
