"""factory_boy builders shared by the tests."""

from datetime import UTC, datetime, timedelta
from typing import Any

import factory
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from forecasts.models import Forecast
from questions.models import Article, ArticleAuthor, Clarification, Outlet, Person, Question
from scoring.models import Score


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


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet
        django_get_or_create = ("slug",)

    name = "Example Outlet"
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Person {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ArticleFactory(factory.django.DjangoModelFactory):
    """`outlet` and `author` may be given as names: they become records (one author
    per comma-free name)."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"article-{n}")
    title = factory.Sequence(lambda n: f"Article {n}")
    outlet = factory.SubFactory(OutletFactory)
    publication_date = factory.LazyFunction(lambda: timezone.now().date())
    text = "It is likely that something happens."

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        if isinstance(kwargs.get("outlet"), str):
            kwargs["outlet"] = OutletFactory(name=kwargs["outlet"])
        return kwargs

    @factory.post_generation
    def author(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if create and extracted:
            ArticleAuthor.objects.create(article=self, person=PersonFactory(name=extracted))


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


class ScoreFactory(factory.django.DjangoModelFactory):
    """A question's scores for one forecaster as the scoring task would store them, with
    plain values under every rule; give the ones a test reads."""

    class Meta:
        model = Score

    user = factory.SubFactory(UserFactory)
    question = factory.SubFactory(QuestionFactory)
    forecasts = 1
    daily_brier = 0.3
    active_days = 7
    participation = 1.0
    accuracy = 0.0
    baseline = 10.0
    peer = 1.0
    log = -0.3
    coverage = 1.0


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
