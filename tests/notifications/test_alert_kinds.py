"""Each kind of alert a question's followers get: recorded once however often its task
runs, only for those who follow and want it."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from forecasts.models import Forecast
from forecasts.services import forecast_submit
from notifications.models import Alert, AlertPreference, Follow
from notifications.services import (
    alert_preferences_update,
    alerts_sweep,
    clarification_alerts_record,
    community_move_alerts_record,
    follow_set,
    resolution_alerts_record,
)
from pipeline import tasks
from questions.services import clarification_add
from scoring.services.community import community_update
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory
from tests.notifications.builders import open_question, resolve

pytestmark = pytest.mark.django_db


def alerted(kind: str, **filters) -> list[str]:
    return sorted(
        Alert.objects.filter(kind=kind, **filters).values_list("user__username", flat=True)
    )


# --- Clarifications ---------------------------------------------------------------------


def test_a_clarification_queues_its_alerts_once_it_commits(django_capture_on_commit_callbacks):
    question, staff = QuestionFactory(), StaffFactory()
    with (
        mock.patch.object(tasks.record_clarification_alerts, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        clarification = clarification_add(question=question, text="Clearer.", created_by=staff)
    delay.assert_called_once_with(clarification.pk)


def test_a_clarification_alerts_each_follower_once():
    question, staff = QuestionFactory(title="Will it rain?"), StaffFactory(username="staffer")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    ForecastFactory(user=alice, question=question)
    follow_set(user=bob, question=question, following=True)
    ForecastFactory(user=carol, question=question)
    alert_preferences_update(user=carol, changes={"clarification": False})
    ForecastFactory(user=dave, question=QuestionFactory())  # another question
    follow_set(user=staff, question=question, following=True)  # its author
    clarification = clarification_add(question=question, text="Clearer.", created_by=staff)

    assert tasks.record_clarification_alerts(clarification.pk) == 2
    assert tasks.record_clarification_alerts(clarification.pk) == 0
    assert alerted(Alert.Kind.CLARIFICATION) == ["alice", "bob"]
    alert = Alert.objects.get(user=alice)
    assert alert.key == f"clarification:{clarification.pk}"
    assert alert.summary == "Clarified: Will it rain?"
    assert alert.url == f"/questions/{question.slug}/#clarifications"
    assert alert.question == question


def test_an_unfollowed_question_gives_no_clarification_alert():
    question, staff = QuestionFactory(), StaffFactory()
    alice = UserFactory(username="alice")
    ForecastFactory(user=alice, question=question)
    follow_set(user=alice, question=question, following=False)
    clarification = clarification_add(question=question, text="Clearer.", created_by=staff)
    assert clarification_alerts_record(clarification_id=clarification.pk) == 0


def test_the_sweep_records_the_alerts_of_a_lost_message():
    question, staff = QuestionFactory(), StaffFactory()
    ForecastFactory(user=UserFactory(username="alice"), question=question)
    # No worker ran: the message was lost.
    clarification_add(question=question, text="Clearer.", created_by=staff)
    old = clarification_add(
        question=question,
        text="Old news.",
        created_by=staff,
        now=timezone.now() - timedelta(days=8),
    )
    assert tasks.alerts_sweep() == 1
    assert alerted(Alert.Kind.CLARIFICATION) == ["alice"]
    assert not Alert.objects.filter(key=f"clarification:{old.pk}").exists()
    assert alerts_sweep() == 0


# --- Resolutions --------------------------------------------------------------------------


def test_a_resolution_alerts_each_follower_once_and_leaves_the_emailing_to_its_email():
    question, staff = open_question(title="Will it snow?"), StaffFactory()
    alice = UserFactory(username="alice")  # forecast: gets the resolution email
    bob = UserFactory(username="bob")  # follows without forecasting
    carol = UserFactory(username="carol", email_on_resolution=False)
    for forecaster in (alice, carol):
        ForecastFactory(
            user=forecaster, question=question, created_at=timezone.now() - timedelta(days=5)
        )
    follow_set(user=bob, question=question, following=True)
    event = resolve(question, staff, score_it=False)

    assert resolution_alerts_record(question_id=question.pk) == 3
    assert resolution_alerts_record(question_id=question.pk) == 0
    assert alerted(Alert.Kind.RESOLUTION, key=f"event:{event.pk}") == ["alice", "bob", "carol"]
    assert Alert.objects.get(user=alice).summary == "Resolved Yes: Will it snow?"
    # Alice's resolution email carries the news; Bob and Carol get none, so their alerts
    # wait for the alert emails.
    assert alerted(Alert.Kind.RESOLUTION, emailed_at__isnull=False) == ["alice"]


def test_a_correction_is_a_new_alert():
    question, staff = open_question(), StaffFactory()
    follow_set(user=UserFactory(username="bob"), question=question, following=True)
    resolve(question, staff, outcome="yes", score_it=False)
    resolution_alerts_record(question_id=question.pk)
    corrected = resolve(question, staff, outcome="no", score_it=False)
    assert resolution_alerts_record(question_id=question.pk) == 1
    alert = Alert.objects.get(key=f"event:{corrected.pk}")
    assert alert.summary.startswith("Resolution corrected to No")


def test_a_correction_that_keeps_the_outcome_says_its_details_changed():
    question, staff = open_question(title="Q"), StaffFactory()
    follow_set(user=UserFactory(username="bob"), question=question, following=True)
    resolve(question, staff, outcome="yes", score_it=False)
    resolution_alerts_record(question_id=question.pk)
    corrected = resolve(question, staff, outcome="yes", note="A better source.", score_it=False)
    assert resolution_alerts_record(question_id=question.pk) == 1
    # As the resolution email's subject says it.
    assert Alert.objects.get(key=f"event:{corrected.pk}").summary == (
        "Resolution details updated: Q"
    )


def test_the_resolution_email_task_records_the_alerts_first():
    question, staff = open_question(), StaffFactory()
    follow_set(user=UserFactory(username="bob"), question=question, following=True)
    resolve(question, staff)
    tasks.send_resolution_emails(question.pk)
    assert alerted(Alert.Kind.RESOLUTION) == ["bob"]


# --- Community moves ----------------------------------------------------------------------


def submit(user, question, probability: float) -> None:
    forecast_submit(
        user=user, question=question, probability=probability, origin=Forecast.Origin.API
    )
    community_update(question_id=question.pk)


def crowd(question, probability: float) -> None:
    """A forecast by someone who unfollowed the question: it moves the community alone."""
    someone = UserFactory()
    follow_set(user=someone, question=question, following=False)
    submit(someone, question, probability)


def moves() -> list[tuple[str, str]]:
    return sorted(
        Alert.objects.filter(kind=Alert.Kind.COMMUNITY_MOVE).values_list(
            "user__username", "summary"
        )
    )


def test_a_move_past_the_threshold_alerts_once_and_small_drifts_add_up():
    question = QuestionFactory(title="Q")
    alice = UserFactory(username="alice")
    submit(alice, question, 0.5)
    # Her first look sets the baseline: no alert.
    assert tasks.update_community(question.pk) == 0
    assert Follow.objects.get(user=alice).alerted_median == 0.5
    assert moves() == []

    crowd(question, 0.9)  # median 0.7: 20 points
    assert community_move_alerts_record(question_id=question.pk) == 1
    assert community_move_alerts_record(question_id=question.pk) == 0
    assert moves() == [("alice", "Community forecast moved from 50% to 70%: Q")]

    crowd(question, 0.75)  # median 0.75: 5 points from 70%
    assert community_move_alerts_record(question_id=question.pk) == 0
    crowd(question, 0.8)  # median 0.775: 7.5 points
    assert community_move_alerts_record(question_id=question.pk) == 0
    crowd(question, 0.95)  # median 0.8: 10 points, added up
    assert community_move_alerts_record(question_id=question.pk) == 1
    assert ("alice", "Community forecast moved from 70% to 80%: Q") in moves()


def test_the_update_task_records_the_moves():
    question = QuestionFactory()
    alice = UserFactory(username="alice")
    submit(alice, question, 0.2)
    tasks.update_community(question.pk)
    someone = UserFactory()
    follow_set(user=someone, question=question, following=False)
    forecast_submit(user=someone, question=question, probability=0.8, origin=Forecast.Origin.API)
    tasks.update_community(question.pk)
    assert [name for name, _ in moves()] == ["alice"]


def test_each_follower_has_their_own_threshold_or_none():
    question = QuestionFactory()
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    alert_preferences_update(user=bob, changes={"community_move_threshold": 30})
    alert_preferences_update(user=carol, changes={"community_move_threshold": None})
    for user in (alice, bob, carol):
        follow_set(user=user, question=question, following=True)
    crowd(question, 0.5)
    community_move_alerts_record(question_id=question.pk)  # baselines for all
    crowd(question, 0.9)  # 20 points
    community_move_alerts_record(question_id=question.pk)
    assert [name for name, _ in moves()] == ["alice"]
    assert AlertPreference.objects.get(user=carol).wants(Alert.Kind.COMMUNITY_MOVE) is False


def test_a_hidden_community_alerts_only_the_followers_who_forecast():
    question = QuestionFactory(hide_community_until_forecast=True)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    submit(alice, question, 0.5)
    follow_set(user=bob, question=question, following=True)
    community_move_alerts_record(question_id=question.pk)
    crowd(question, 0.9)
    community_move_alerts_record(question_id=question.pk)
    assert [name for name, _ in moves()] == ["alice"]


def test_a_hidden_communitys_first_move_counts_from_the_followers_own_forecast():
    """bob followed while the value was hidden from him: his baseline starts when he can
    see it, after his forecast, not at the value he could not see when he followed."""
    question = QuestionFactory(title="Q", hide_community_until_forecast=True)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    submit(alice, question, 0.2)
    follow_set(user=bob, question=question, following=True)
    assert Follow.objects.get(user=bob).alerted_median is None
    crowd(question, 0.3)  # median 0.25
    submit(bob, question, 0.9)  # median 0.3: his own forecast moved it
    community_move_alerts_record(question_id=question.pk)
    assert moves() == []  # nobody had a baseline before: each starts at 30%
    assert Follow.objects.get(user=bob).alerted_median == 0.3
    crowd(question, 0.95)  # median 0.6: 30 points from his baseline
    community_move_alerts_record(question_id=question.pk)
    assert ("bob", "Community forecast moved from 30% to 60%: Q") in moves()


def test_a_closed_question_gives_no_move_alerts():
    now = timezone.now()
    question = QuestionFactory(
        open_time=now - timedelta(days=10), scheduled_close_time=now + timedelta(days=1)
    )
    alice = UserFactory(username="alice")
    submit(alice, question, 0.5)
    community_move_alerts_record(question_id=question.pk)
    crowd(question, 0.9)
    later = now + timedelta(days=2)
    assert community_move_alerts_record(question_id=question.pk, now=later) == 0
