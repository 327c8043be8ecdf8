"""Who follows what: forecasting follows a question, a choice outranks it either way."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from forecasts.models import CommunityState, Forecast
from forecasts.services import forecast_submit
from notifications.models import Follow
from notifications.selectors import (
    follow_state,
    followed_rows,
    followers_of,
    questions_followed,
)
from notifications.services import follow_set
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


def followers(question) -> set[str]:
    return set(followers_of(question=question).values_list("username", flat=True))


def test_forecasting_follows_a_question_without_a_choice():
    question, other = QuestionFactory(), QuestionFactory()
    alice = UserFactory(username="alice")
    forecast_submit(user=alice, question=question, probability=0.6, origin=Forecast.Origin.API)
    assert followers(question) == {"alice"}
    assert list(questions_followed(user=alice)) == [question]
    assert not Follow.objects.exists()  # forecasting writes no Follow row
    state = follow_state(user=alice, question=question)
    assert state.following and state.automatic
    assert not follow_state(user=alice, question=other).following


def test_following_by_choice_without_forecasting():
    question = QuestionFactory()
    bob = UserFactory(username="bob")
    follow_set(user=bob, question=question, following=True)
    assert followers(question) == {"bob"}
    state = follow_state(user=bob, question=question)
    assert state.following and not state.automatic and state.chosen is True


def test_unfollowing_after_forecasting_stops_following_and_following_again_resumes():
    question = QuestionFactory()
    alice = UserFactory(username="alice")
    ForecastFactory(user=alice, question=question)
    follow_set(user=alice, question=question, following=False)
    assert followers(question) == set()
    assert list(questions_followed(user=alice)) == []
    # A new forecast does not override the choice.
    ForecastFactory(user=alice, question=question)
    assert followers(question) == set()
    state = follow_state(user=alice, question=question)
    assert not state.following and state.forecast
    follow_set(user=alice, question=question, following=True)
    assert followers(question) == {"alice"}
    assert Follow.objects.count() == 1


def test_followers_leave_out_inactive_and_system_accounts():
    question = QuestionFactory()
    ForecastFactory(user=UserFactory(username="gone", is_active=False), question=question)
    ForecastFactory(
        user=UserFactory(username="importer", origin=User.Origin.SYSTEM), question=question
    )
    ForecastFactory(user=UserFactory(username="alice"), question=question)
    assert followers(question) == {"alice"}


def test_a_draft_cannot_be_followed():
    draft = QuestionFactory(published_at=None)
    with pytest.raises(ValidationError) as error:
        follow_set(user=UserFactory(), question=draft, following=True)
    assert "question" in error.value.message_dict


def test_following_anew_takes_the_community_median_of_now_as_the_baseline():
    question = QuestionFactory()
    CommunityState.objects.create(question=question, median=0.42)
    follow = follow_set(user=UserFactory(), question=question, following=True)
    assert follow.alerted_median == 0.42


def test_the_selectors_are_one_query_each(django_assert_num_queries):
    question, chosen, forecast_on, dropped = (QuestionFactory() for _ in range(4))
    QuestionFactory()  # neither followed nor forecast on
    alice = UserFactory()
    for _ in range(3):
        ForecastFactory(question=question)
    follow_set(user=alice, question=chosen, following=True)
    ForecastFactory(user=alice, question=forecast_on)
    ForecastFactory(user=alice, question=dropped)
    follow_set(user=alice, question=dropped, following=False)
    with django_assert_num_queries(1):
        assert len(list(followers_of(question=question))) == 3
    with django_assert_num_queries(1):
        assert set(questions_followed(user=alice)) == {chosen, forecast_on}


def test_the_following_rows_cost_four_queries_however_many_questions(django_assert_num_queries):
    alice = UserFactory()

    def followed(**kwargs):
        question = QuestionFactory(**kwargs)
        ForecastFactory(user=alice, question=question)
        CommunityState.objects.update_or_create(
            question=question, defaults={"median": 0.5, "updated_at": timezone.now()}
        )
        return question

    questions = [followed() for _ in range(3)]
    # The follows, the forecasts, the community forecasts, the clarifications.
    with django_assert_num_queries(4):
        rows = followed_rows(user=alice, questions=questions)
    assert [row.median_now for row in rows] == [0.5] * 3
    # A question hiding its community forecast until you forecast asks once more.
    questions.append(followed(hide_community_until_forecast=True))
    with django_assert_num_queries(5):
        followed_rows(user=alice, questions=questions)
