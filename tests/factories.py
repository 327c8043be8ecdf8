"""factory_boy builders shared by the tests."""

from datetime import UTC, datetime, timedelta

import factory
from django.utils import timezone

from accounts.models import User
from forecasts.models import Forecast
from questions.models import Article, Clarification, Question


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"forecaster{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct-horse-battery")


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    outlet = "Example Outlet"
    publication_date = factory.LazyFunction(lambda: timezone.now().date())
    text = "It is likely that something happens."


class QuestionFactory(factory.django.DjangoModelFactory):
    """An open binary question by default: opened a day ago, closing in 30."""

    class Meta:
        model = Question

    slug = factory.Sequence(lambda n: f"question-{n}")
    title = factory.Sequence(lambda n: f"Will event {n} happen?")
    resolution_criteria = "Resolves yes if the event happens inside the question window."
    open_time = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    scheduled_close_time = factory.LazyAttribute(lambda q: q.open_time + timedelta(days=31))
    scheduled_resolve_time = factory.LazyAttribute(
        lambda q: q.scheduled_close_time + timedelta(days=1)
    )


class ClarificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clarification

    question = factory.SubFactory(QuestionFactory)
    text = "Launches from submarines count as long-range launches."
    created_by = factory.SubFactory(StaffFactory)


class ForecastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forecast

    user = factory.SubFactory(UserFactory)
    question = factory.SubFactory(QuestionFactory)
    probability = 0.6
    origin = Forecast.Origin.API


# SCORING.md worked example B (Good Judgment Open FAQ): open 2016-11-01 to
# 2016-11-07 inclusive, seven scored days.
EXAMPLE_B_WINDOW = {
    "open_time": datetime(2016, 11, 1, tzinfo=UTC),
    "scheduled_close_time": datetime(2016, 11, 8, tzinfo=UTC),
    "scheduled_resolve_time": datetime(2016, 11, 9, tzinfo=UTC),
}
EXAMPLE_B_FORECASTS = [
    ("george", 0.30, "2016-11-01T16:05"),
    ("kramer", 0.60, "2016-11-02T11:37"),
    ("george", 0.50, "2016-11-03T09:09"),
    ("george", 0.40, "2016-11-03T21:42"),
    ("kramer", 0.70, "2016-11-05T11:45"),
]


def example_b_question(**fields) -> tuple[Question, dict[str, User]]:
    """Worked example B as rows: the question (fields override its window)
    and its forecasters George and Kramer by name."""
    question = QuestionFactory(**{**EXAMPLE_B_WINDOW, **fields})
    users = {name: UserFactory(username=name) for name in ("george", "kramer")}
    for name, probability, moment in EXAMPLE_B_FORECASTS:
        ForecastFactory(
            user=users[name],
            question=question,
            probability=probability,
            created_at=datetime.fromisoformat(moment).replace(tzinfo=UTC),
        )
    return question, users


# SCORING.md worked example C (calibration): a forecast and the outcomes of the
# questions it was made on: 0.1 x4, 0.4 x5, 0.7 x6, 0.9 x5.
EXAMPLE_C = [
    (0.1, [0, 0, 0, 1]),
    (0.4, [1, 1, 0, 0, 0]),
    (0.7, [1, 1, 1, 1, 0, 0]),
    (0.9, [1, 1, 1, 1, 1]),
]
