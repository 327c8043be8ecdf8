import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from forecasts.models import Forecast
from tests.factories import ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("api:forecast-list")


def detail_url(forecast: Forecast) -> str:
    return reverse("api:forecast-detail", kwargs={"pk": forecast.pk})


def post_raw(client, body: str):
    return client.generic("POST", LIST_URL, body, content_type="application/json")


def test_submit_stores_the_forecast_stamped_with_server_time(
    forecaster_client, user, open_question
):
    before = timezone.now()
    response = forecaster_client.post(
        LIST_URL,
        {"question": "open-q", "probability": 0.73, "rationale": "  base rates  "},
        format="json",
    )
    after = timezone.now()
    assert response.status_code == 201
    forecast = Forecast.objects.get()
    assert (forecast.user, forecast.question, forecast.probability) == (user, open_question, 0.73)
    assert (forecast.rationale, forecast.origin) == ("base rates", "api")
    assert before <= forecast.created_at <= after
    body = response.json()
    assert body == {
        "id": forecast.pk,
        "question": "open-q",
        "probability": 0.73,
        "created_at": body["created_at"],
        "rationale": "base rates",
        "origin": "api",
        "reaffirmed": False,
        "withdrawn_at": None,
    }
    assert body["created_at"].replace("Z", "+00:00") == forecast.created_at.isoformat()


@pytest.mark.parametrize("probability", [0.001, 0.999, "0.5", 0.5])
def test_submit_accepts_the_edges_and_numeric_strings(
    forecaster_client, open_question, probability
):
    response = forecaster_client.post(
        LIST_URL, {"question": "open-q", "probability": probability}, format="json"
    )
    assert response.status_code == 201
    assert Forecast.objects.get().probability == float(probability)


def test_submit_from_a_form_post(forecaster_client, open_question):
    response = forecaster_client.post(LIST_URL, {"question": "open-q", "probability": "0.25"})
    assert response.status_code == 201
    assert Forecast.objects.get().probability == 0.25


def test_a_second_submission_appends(forecaster_client, open_question):
    for probability in (0.2, 0.4):
        forecaster_client.post(
            LIST_URL, {"question": "open-q", "probability": probability}, format="json"
        )
    assert list(Forecast.objects.values_list("probability", flat=True)) == [0.2, 0.4]


BAD_PROBABILITIES = [
    (0, "between 0.001 and 0.999"),
    (1, "between 0.001 and 0.999"),
    (1.5, "between 0.001 and 0.999"),
    (-0.2, "between 0.001 and 0.999"),
    (0.0009, "between 0.001 and 0.999"),
    ("abc", "is not a number"),
    ("NaN", "finite"),
    ("inf", "finite"),
    ("", "required"),
    (None, "null"),
    (True, "not true or false"),
    (False, "not true or false"),
    ([0.5], "is not a number"),
    ({"p": 0.5}, "is not a number"),
    # The web form's step, 0.1 %: more precision is refused, not rounded or kept.
    (0.12345678, "at most 3 decimal places"),
    ("0.6255", "at most 3 decimal places"),
]


@pytest.mark.parametrize("probability", [0.625, "0.625", "0.6250", 0.1, "6.25e-1"])
def test_three_decimal_places_are_stored_exactly(forecaster_client, open_question, probability):
    response = forecaster_client.post(
        LIST_URL, {"question": "open-q", "probability": probability}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert Forecast.objects.get().probability == float(probability)


@pytest.mark.parametrize(("probability", "message"), BAD_PROBABILITIES)
def test_bad_probability_is_a_400_naming_probability(
    forecaster_client, open_question, probability, message
):
    response = forecaster_client.post(
        LIST_URL, {"question": "open-q", "probability": probability}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["probability"]
    assert message in body["probability"][0]
    assert Forecast.objects.count() == 0


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_json_tokens_are_a_400_naming_probability(
    forecaster_client, open_question, token
):
    response = post_raw(forecaster_client, f'{{"question": "open-q", "probability": {token}}}')
    assert response.status_code == 400
    assert response.json() == {"probability": ["A probability must be a finite number."]}
    assert Forecast.objects.count() == 0


@pytest.mark.parametrize("rationale", [12, 0.5, True])
def test_a_rationale_that_is_not_text_is_a_400_naming_it(
    forecaster_client, open_question, rationale
):
    """DRF would store the number 12 as the rationale "12"."""
    response = forecaster_client.post(
        LIST_URL, {"question": "open-q", "probability": 0.5, "rationale": rationale}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"rationale": ["Not a valid string."]}
    assert Forecast.objects.count() == 0


def test_missing_probability(forecaster_client, open_question):
    response = forecaster_client.post(LIST_URL, {"question": "open-q"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"probability": ["This field is required."]}
    assert Forecast.objects.count() == 0


def test_malformed_json_is_a_400_not_a_500(forecaster_client, open_question):
    response = post_raw(forecaster_client, '{"question": "open-q", "probability": ')
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert Forecast.objects.count() == 0


@pytest.mark.parametrize("question", ["no-such-question", "", None, 17])
def test_unknown_or_missing_question_is_a_400_naming_question(forecaster_client, question):
    response = forecaster_client.post(
        LIST_URL, {"question": question, "probability": 0.5}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["question"]
    assert Forecast.objects.count() == 0


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("upcoming_question", "This question opens at"),
        ("closed_question", "closed to forecasts"),
        ("resolved_question", "closed to forecasts"),
    ],
)
def test_question_not_open_is_a_400_naming_question(forecaster_client, request, fixture, message):
    question = request.getfixturevalue(fixture)
    response = forecaster_client.post(
        LIST_URL, {"question": question.slug, "probability": 0.5}, format="json"
    )
    assert response.status_code == 400
    assert message in response.json()["question"][0]
    assert Forecast.objects.count() == 0


def test_non_binary_question_is_refused(forecaster_client):
    QuestionFactory(slug="numeric-q", type="numeric")
    response = forecaster_client.post(
        LIST_URL, {"question": "numeric-q", "probability": 0.5}, format="json"
    )
    assert response.status_code == 400
    assert "binary" in response.json()["question"][0]
    assert Forecast.objects.count() == 0


def test_anonymous_cannot_submit_or_list(api_client, open_question):
    response = api_client.post(LIST_URL, {"question": "open-q", "probability": 0.5}, format="json")
    assert response.status_code == 403
    assert Forecast.objects.count() == 0
    assert api_client.get(LIST_URL).status_code == 403


def test_list_shows_only_my_forecasts_newest_first(forecaster_client, user, open_question):
    other_question = ForecastFactory(user=user, probability=0.1).question
    mine_old = ForecastFactory(
        user=user,
        question=open_question,
        probability=0.3,
        created_at=timezone.now() - timedelta(hours=2),
    )
    mine_new = ForecastFactory(user=user, question=open_question, probability=0.35)
    ForecastFactory(user=UserFactory(username="bob"), question=open_question, probability=0.9)

    response = forecaster_client.get(LIST_URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [(f["question"], f["probability"]) for f in body["results"]] == [
        ("open-q", 0.35),
        (other_question.slug, 0.1),
        ("open-q", 0.3),
    ]
    filtered = forecaster_client.get(LIST_URL, {"question": "open-q"}).json()
    assert [f["id"] for f in filtered["results"]] == [mine_new.pk, mine_old.pk]


def test_retrieve_my_forecast_but_not_someone_elses(forecaster_client, user, open_question):
    mine = ForecastFactory(user=user, question=open_question, probability=0.42)
    theirs = ForecastFactory(question=open_question)
    response = forecaster_client.get(detail_url(mine))
    assert response.status_code == 200
    assert response.json()["probability"] == 0.42
    assert forecaster_client.get(detail_url(theirs)).status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_forecasts_cannot_be_changed_or_deleted(forecaster_client, staff_client, user, method):
    forecast = ForecastFactory(user=user, probability=0.42)
    payload = json.dumps({"probability": 0.9})
    for url in (detail_url(forecast), LIST_URL):
        response = getattr(forecaster_client, method)(url, payload, content_type="application/json")
        assert response.status_code == 405, url
    staff_response = getattr(staff_client, method)(
        LIST_URL, payload, content_type="application/json"
    )
    assert staff_response.status_code == 405
    forecast.refresh_from_db()
    assert forecast.probability == 0.42
    assert Forecast.objects.count() == 1
