"""factory_boy builders shared by the tests."""

from datetime import timedelta

import factory
from django.utils import timezone

from accounts.models import User
from forecasts.models import Forecast
from questions.models import Article, Question


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


class ForecastFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Forecast

    user = factory.SubFactory(UserFactory)
    question = factory.SubFactory(QuestionFactory)
    probability = 0.6
    origin = Forecast.Origin.API
