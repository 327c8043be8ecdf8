"""GET /api/questions/{slug}/community/: the community forecast's history by each method,
thinning, since/until, CSV, and questions that hide the community forecast from a
forecaster until they have forecast (in the history and in the question list and detail).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pipeline.tasks import update_community
from scoring.core import aggregate
from scoring.services.community import community_update
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("api_client", "forecaster_client", "analyst_client", "staff_client")
# (user, probability, hours after the opening)
FORECASTS = [("bob", 0.2, 1), ("carol", 0.6, 2), ("dave", 0.9, 3), ("bob", 0.4, 4)]
# The standing forecasts after each of them, in order of creation.
STANDING = [[0.2], [0.2, 0.6], [0.2, 0.6, 0.9], [0.6, 0.9, 0.4]]


def url(slug: str) -> str:
    return reverse("api:question-community", kwargs={"slug": slug})


def at(question, hours: float) -> datetime:
    return question.open_time + timedelta(hours=hours)


def forecast_all(question, forecasts=FORECASTS) -> None:
    for name, probability, hours in forecasts:
        ForecastFactory(
            user=UserFactory(username=name),
            question=question,
            probability=probability,
            created_at=at(question, hours),
        )


@pytest.fixture
def question(db):
    # Whole seconds, as the history stores its points.
    opened = (timezone.now() - timedelta(days=1)).replace(microsecond=0)
    question = QuestionFactory(slug="history", open_time=opened)
    forecast_all(question)
    community_update(question_id=question.pk)
    return question


def xs(body: dict) -> list[datetime]:
    return [datetime.fromisoformat(point["x"].replace("Z", "+00:00")) for point in body["points"]]


@pytest.mark.parametrize("role", ROLES)
def test_a_point_at_each_change_for_every_role(request, question, role):
    response = request.getfixturevalue(role).get(url("history"))
    assert response.status_code == 200
    body = response.json()
    assert (body["question"], body["method"], body["hidden"]) == ("history", "median", False)
    assert xs(body) == [at(question, hours) for _, _, hours in FORECASTS]
    assert [(p["y"], p["forecasters"]) for p in body["points"]] == [
        (pytest.approx(0.2), 1),
        (pytest.approx(0.4), 2),  # the mean of the two middle values
        (pytest.approx(0.6), 3),
        (pytest.approx(0.6), 3),  # bob moved, the median did not
    ]
    # An open question's last value holds until now.
    end = datetime.fromisoformat(body["end"].replace("Z", "+00:00"))
    assert xs(body)[-1] < end <= timezone.now()


@pytest.mark.parametrize("method", aggregate.METHODS)
def test_each_method(api_client, question, method):
    body = api_client.get(url("history"), {"method": method}).json()
    assert body["method"] == method
    expected = [
        aggregate.aggregate(standing, method=method, a=settings.FORESEER_EXTREMIZING_A)
        for standing in STANDING
    ]
    assert [point["y"] for point in body["points"]] == pytest.approx(expected)


def test_the_mean_by_hand(api_client, question):
    body = api_client.get(url("history"), {"method": "mean"}).json()
    assert [point["y"] for point in body["points"]] == pytest.approx([0.2, 0.4, 1.7 / 3, 1.9 / 3])


@pytest.mark.parametrize(
    ("query", "hours"),
    [
        # The point holding at `since` starts before it, so a chart starts with a value.
        ({"since": 2.5}, [2, 3, 4]),
        ({"since": 2}, [2, 3, 4]),
        ({"since": 0}, [1, 2, 3, 4]),
        ({"until": 3}, [1, 2]),
        ({"since": 1.5, "until": 3.5}, [1, 2, 3]),
    ],
)
def test_since_and_until(api_client, question, query, hours):
    params = {key: at(question, value).isoformat() for key, value in query.items()}
    body = api_client.get(url("history"), params).json()
    assert xs(body) == [at(question, h) for h in hours]


@pytest.fixture
def busy(db):
    """Forty forecasters, one an hour: forty points."""
    opened = (timezone.now() - timedelta(days=3)).replace(microsecond=0)
    question = QuestionFactory(slug="busy", open_time=opened)
    forecast_all(question, [(f"f{n}", 0.05 + 0.02 * n, n + 1) for n in range(40)])
    community_update(question_id=question.pk)
    return question


@pytest.mark.parametrize("max_points", [2, 5, 10, 39, 40, 100])
def test_max_points_thins_the_line(api_client, busy, max_points):
    full = api_client.get(url("busy")).json()["points"]
    assert len(full) == 40
    thinned = api_client.get(url("busy"), {"max_points": max_points}).json()["points"]
    assert len(thinned) <= max_points
    # The first and the latest values are kept; the others are a subset, in order.
    assert thinned[0] == full[0] and thinned[-1] == full[-1]
    assert [p for p in full if p in thinned] == thinned


def test_csv(api_client, question):
    response = api_client.get(url("history"), {"format": "csv", "method": "mean"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="community-history-mean.csv"'
    text = response.content.decode()
    assert text.splitlines()[0] == "at,probability,forecasters"
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [datetime.fromisoformat(r["at"]) for r in rows] == [
        at(question, hours) for _, _, hours in FORECASTS
    ]
    assert [float(r["probability"]) for r in rows] == pytest.approx([0.2, 0.4, 1.7 / 3, 1.9 / 3])
    assert [r["forecasters"] for r in rows] == ["1", "2", "3", "3"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"method": "trimmed_mean"}, {"method"}),
        ({"since": "yesterday"}, {"since"}),
        ({"until": "soon"}, {"until"}),
        ({"max_points": 1}, {"max_points"}),
        ({"max_points": "many"}, {"max_points"}),
        ({"max_points": "10.0"}, {"max_points"}),
        ({"max_points": "１０"}, {"max_points"}),
        ({"method": "mode", "max_points": 0}, {"method", "max_points"}),
    ],
)
def test_bad_parameters_are_a_400_naming_them(api_client, question, query, named):
    response = api_client.get(url("history"), query)
    assert response.status_code == 400
    assert set(response.json()) == named


def test_unknown_question_is_a_404(api_client):
    assert api_client.get(url("nope")).status_code == 404


def test_no_history_before_the_first_update(api_client, open_question):
    body = api_client.get(url("open-q")).json()
    assert (body["points"], body["hidden"]) == ([], False)


def test_a_submission_queues_the_update_that_builds_the_history(
    forecaster_client, open_question, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = forecaster_client.post(
            reverse("api:forecast-list"),
            {"question": "open-q", "probability": 0.35},
            format="json",
        )
    assert response.status_code == 201
    queued.update_community.assert_called_once_with(open_question.pk)
    assert forecaster_client.get(url("open-q")).json()["points"] == []
    # What the worker would run.
    assert update_community(open_question.pk) == 1
    (point,) = forecaster_client.get(url("open-q")).json()["points"]
    assert (point["y"], point["forecasters"]) == (0.35, 1)


# --- hiding the community forecast until you forecast ------------------------------------


@pytest.fixture
def hiding(db):
    question = QuestionFactory(slug="hiding", hide_community_until_forecast=True)
    forecast_all(question, [("bob", 0.7, 1)])
    community_update(question_id=question.pk)
    return question


@pytest.mark.parametrize(
    ("role", "hidden"),
    [
        ("api_client", True),
        ("forecaster_client", True),  # alice has not forecast on it
        ("analyst_client", False),
        ("staff_client", False),
    ],
)
def test_a_hiding_question_hides_the_history_until_you_forecast(request, hiding, role, hidden):
    client = request.getfixturevalue(role)
    body = client.get(url("hiding")).json()
    assert body["hidden"] is hidden
    assert len(body["points"]) == (0 if hidden else 1)
    csv_rows = client.get(url("hiding"), {"format": "csv"}).content.decode().splitlines()
    assert len(csv_rows) == (1 if hidden else 2)  # the header alone when hidden


def test_your_own_forecast_shows_the_history(forecaster_client, user, hiding):
    assert forecaster_client.get(url("hiding")).json()["hidden"] is True
    ForecastFactory(user=user, question=hiding, probability=0.1)
    body = forecaster_client.get(url("hiding")).json()
    assert body["hidden"] is False
    assert body["points"][0]["y"] == 0.7


def test_everyone_sees_it_once_the_question_closes(api_client, db):
    opened = timezone.now() - timedelta(days=40)
    closed = QuestionFactory(
        slug="hiding-closed", open_time=opened, hide_community_until_forecast=True
    )
    forecast_all(closed, [("bob", 0.7, 1)])
    community_update(question_id=closed.pk)
    body = api_client.get(url("hiding-closed")).json()
    assert (body["hidden"], len(body["points"])) == (False, 1)


@pytest.mark.parametrize(
    ("role", "community"),
    [
        ("api_client", {"median": None, "forecasters": 1, "hidden": True, "updating": False}),
        (
            "forecaster_client",
            {"median": None, "forecasters": 1, "hidden": True, "updating": False},
        ),
        ("analyst_client", {"median": 0.7, "forecasters": 1, "hidden": False, "updating": False}),
        ("staff_client", {"median": 0.7, "forecasters": 1, "hidden": False, "updating": False}),
    ],
)
def test_the_question_list_and_detail_hide_the_median_too(request, hiding, role, community):
    client = request.getfixturevalue(role)
    (item,) = client.get(reverse("api:question-list")).json()["results"]
    assert item["community"] == community
    detail = client.get(reverse("api:question-detail", kwargs={"slug": "hiding"})).json()
    assert detail["community"] == community
    assert detail["hide_community_until_forecast"] is True
    assert detail["projects"] == []


def test_hiding_costs_a_constant_number_of_queries_on_the_list(
    forecaster_client, user, django_assert_num_queries
):
    """Two questions or twenty that hide the community forecast: the same queries."""

    def add(count: int) -> None:
        for _ in range(count):
            question = QuestionFactory(hide_community_until_forecast=True)
            ForecastFactory(question=question, probability=0.4)
            ForecastFactory(question=question, user=user, probability=0.6)

    def get() -> list:
        response = forecaster_client.get(reverse("api:question-list"), {"limit": 100})
        return response.json()["results"]

    add(2)
    with CaptureQueriesContext(connection) as queries:
        assert [item["community"]["hidden"] for item in get()] == [False] * 2
    add(18)
    with django_assert_num_queries(len(queries)):
        assert [item["community"]["hidden"] for item in get()] == [False] * 20
