"""GET /api/calibration/: public scopes, groups for analysts, one forecaster's own
calibration, `within`, weighting and closed_only, every statistic, the ten bins, CSV, and
the materialized report versus the live computation.

Most tests use SCORING.md worked example C: forecasts 0.1 x4, 0.4 x5, 0.7 x6, 0.9 x5 with
outcomes [0,0,0,1 | 1,1,0,0,0 | 1,1,1,1,0,0 | 1,1,1,1,1], one forecaster, one forecast
standing for the whole window of each question, so each point has weight 1 under either
weighting.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from scipy import stats

from questions.models import Tag
from scoring.models import CalibrationReport
from scoring.services import scopes_mark_dirty, scopes_rebuild_dirty
from tests.factories import EXAMPLE_C, ForecastFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("api:calibration")
ROLES = ("api_client", "forecaster_client", "analyst_client", "staff_client")
OPENED = datetime(2020, 1, 1, tzinfo=UTC)
STATISTICS = {
    "scope",
    "within",
    "weighting",
    "closed_only",
    "built_at",
    "live",
    "level",
    "weight",
    "count",
    "questions",
    "base_rate",
    "mean_forecast",
    "brier",
    "reliability",
    "resolution",
    "uncertainty",
    "within_bin_variance",
    "within_bin_covariance",
    "ece",
    "calibration_in_the_large",
    "log_loss",
    "recalibration_intercept",
    "recalibration_slope",
    "roc_auc",
    "roc_curve",
    "bins",
    "sufficient",
    "min_forecasts",
    "min_bin",
}
BIN_COLUMNS = [
    "lower",
    "upper",
    "weight",
    "count",
    "questions",
    "mean_forecast",
    "observed",
    "hits",
    "ci_low",
    "ci_high",
    "sufficient",
]


def resolved_question(slug: str, outcome: int, *, days: int = 10, **fields):
    return QuestionFactory(
        slug=slug,
        open_time=fields.pop("open_time", OPENED),
        scheduled_close_time=fields.pop("scheduled_close_time", OPENED + timedelta(days=days)),
        resolution="yes" if outcome else "no",
        known_at=fields.pop("known_at", OPENED + timedelta(days=days)),
        **fields,
    )


@pytest.fixture
def zed(db):
    """The forecaster of worked example C, in the group "Panel"."""
    user = UserFactory(username="zed")
    user.groups.add(Group.objects.create(name="Panel"))
    return user


@pytest.fixture
def zed_client(zed) -> APIClient:
    client = APIClient()
    client.force_authenticate(zed)
    return client


@pytest.fixture
def example_c(zed):
    """Worked example C as rows; the 0.7 and 0.9 questions are tagged "high". Plus one
    question resolved early that has not reached its scheduled close: left out by
    default (closed_only), in with closed_only=false."""
    high = Tag.objects.create(slug="high")
    number = 0
    for probability, outcomes in EXAMPLE_C:
        for outcome in outcomes:
            question = resolved_question(f"c-{number}", outcome)
            if probability > 0.5:
                question.tags.add(high)
            ForecastFactory(user=zed, question=question, probability=probability, created_at=OPENED)
            number += 1
    now = timezone.now()
    early = resolved_question(
        "early-yes",
        1,
        open_time=now - timedelta(days=4),
        scheduled_close_time=now + timedelta(days=30),
        known_at=now - timedelta(days=2),
    )
    ForecastFactory(user=zed, question=early, probability=0.3, created_at=now - timedelta(days=4))


def rebuild(*scopes: str) -> None:
    scopes_mark_dirty(scopes=set(scopes))
    scopes_rebuild_dirty()


def assert_example_c(body: dict) -> None:
    """SCORING.md §6 worked example C, in 0–2 Brier units."""
    assert (body["weight"], body["count"], body["questions"]) == (20.0, 20, 20)
    assert body["base_rate"] == pytest.approx(0.6)
    assert body["mean_forecast"] == pytest.approx(0.555)
    assert body["brier"] == pytest.approx(343 / 1000)
    assert body["reliability"] == pytest.approx(22 / 1500)
    assert body["resolution"] == pytest.approx(91 / 600)
    assert body["uncertainty"] == pytest.approx(12 / 25)
    assert body["within_bin_variance"] == pytest.approx(0.0, abs=1e-12)
    assert body["within_bin_covariance"] == pytest.approx(0.0, abs=1e-12)
    assert body["brier"] == pytest.approx(
        body["reliability"]
        - body["resolution"]
        + body["uncertainty"]
        + body["within_bin_variance"]
        - body["within_bin_covariance"],
        abs=1e-12,
    )
    assert body["log_loss"] == pytest.approx(0.5172586, abs=5e-8)
    assert body["roc_auc"] == pytest.approx(0.8177083, abs=5e-8)
    assert body["ece"] == pytest.approx(0.065)
    assert body["calibration_in_the_large"] == pytest.approx(0.555 - 0.6)
    assert body["recalibration_intercept"] == pytest.approx(0.28737, abs=5e-6)
    assert body["recalibration_slope"] == pytest.approx(0.89858, abs=5e-6)


def jeffreys(k: float, n: float) -> tuple[float, float]:
    low = 0.0 if k == 0 else stats.beta.ppf(0.025, k + 0.5, n - k + 0.5)
    high = 1.0 if k == n else stats.beta.ppf(0.975, k + 0.5, n - k + 0.5)
    return low, high


@pytest.mark.parametrize("role", ROLES)
def test_a_public_scope_for_every_role(request, example_c, role):
    response = request.getfixturevalue(role).get(URL)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == STATISTICS
    assert (body["scope"], body["within"], body["weighting"], body["closed_only"]) == (
        "all",
        None,
        "time",
        True,
    )
    assert_example_c(body)


def test_ten_bins_including_the_empty_ones(api_client, example_c):
    bins = api_client.get(URL).json()["bins"]
    assert [(b["lower"], b["upper"]) for b in bins] == [
        pytest.approx((k / 10, (k + 1) / 10)) for k in range(10)
    ]
    filled = {1: (0.1, 4, 1), 4: (0.4, 5, 2), 7: (0.7, 6, 4), 9: (0.9, 5, 5)}
    for index, row in enumerate(bins):
        assert set(row) == set(BIN_COLUMNS)
        if index not in filled:
            assert (row["weight"], row["count"], row["questions"], row["hits"]) == (0, 0, 0, 0)
            assert (row["mean_forecast"], row["observed"], row["ci_low"], row["ci_high"]) == (
                None,
                None,
                None,
                None,
            )
            continue
        forecast, n, k = filled[index]
        assert (row["weight"], row["count"], row["questions"], row["hits"]) == (n, n, n, k)
        assert row["mean_forecast"] == pytest.approx(forecast)
        assert row["observed"] == pytest.approx(k / n)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx(jeffreys(k, n))
    assert bins[9]["ci_high"] == 1.0  # k = n


def test_closed_only_leaves_out_questions_before_their_scheduled_close(api_client, example_c):
    everything = api_client.get(URL, {"closed_only": "false"}).json()
    assert everything["closed_only"] is False
    assert (everything["count"], everything["questions"]) == (21, 21)
    # The early "yes" at 0.3 joins bin [0.3, 0.4).
    assert (everything["bins"][3]["count"], everything["bins"][3]["hits"]) == (1, 1.0)
    assert api_client.get(URL, {"closed_only": "true"}).json()["count"] == 20


def test_a_tag_scope(api_client, example_c):
    body = api_client.get(URL, {"scope": "tag:high"}).json()
    assert (body["scope"], body["count"]) == ("tag:high", 11)
    assert [b["count"] for b in body["bins"]] == [0, 0, 0, 0, 0, 0, 0, 6, 0, 5]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("api_client", 403),
        ("forecaster_client", 403),
        ("zed_client", 403),  # a member of the group is not an analyst
        ("analyst_client", 200),
        ("staff_client", 200),
    ],
)
def test_a_group_scope_is_for_analysts(request, example_c, role, status):
    response = request.getfixturevalue(role).get(URL, {"scope": "group:Panel"})
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["scope"] == "group:Panel"
        assert_example_c(body)
    else:
        assert "zed" not in response.content.decode()


@pytest.mark.parametrize(
    ("role", "scope", "status"),
    [
        ("zed_client", "user:zed", 200),
        ("forecaster_client", "user:alice", 200),
        ("forecaster_client", "user:zed", 403),
        ("api_client", "user:zed", 403),
        ("analyst_client", "user:zed", 200),
        ("staff_client", "user:zed", 200),
        ("analyst_client", "user:nobody", 404),
        ("forecaster_client", "user:nobody", 404),
    ],
)
def test_one_forecasters_calibration(request, example_c, role, scope, status):
    response = request.getfixturevalue(role).get(URL, {"scope": scope})
    assert response.status_code == status
    if status != 200:
        return
    body = response.json()
    assert (body["scope"], body["live"], body["built_at"]) == (scope, True, None)
    if scope == "user:zed":
        assert_example_c(body)
    else:  # alice has not forecast: every bin empty, every statistic undefined
        assert (body["count"], body["brier"], body["roc_auc"]) == (0, None, None)
        assert len(body["bins"]) == 10


def test_within_narrows_a_forecasters_calibration(zed_client, example_c):
    body = zed_client.get(URL, {"scope": "user:zed", "within": "tag:high"}).json()
    assert (body["scope"], body["within"], body["count"]) == ("user:zed", "tag:high", 11)


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"scope": "all", "within": "tag:high"}, "within"),
        ({"scope": "tag:high", "within": "tag:high"}, "within"),
        ({"scope": "user:zed", "within": "year:2020"}, "within"),
        ({"scope": "user:zed", "within": "everything"}, "within"),
        ({"scope": "year:2020"}, "scope"),
        ({"scope": "everything"}, "scope"),
        ({"scope": "user:"}, "scope"),
        ({"weighting": "mean"}, "weighting"),
        ({"closed_only": "maybe"}, "closed_only"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(staff_client, zed, query, named):
    response = staff_client.get(URL, query)
    assert response.status_code == 400
    assert list(response.json()) == [named]


@pytest.fixture
def changed_mind(db):
    """wes on a ten-day question: 0.2 for the first 2.5 days, then 0.8; resolved yes."""
    wes = UserFactory(username="wes")
    question = resolved_question("changed-mind", 1)
    ForecastFactory(user=wes, question=question, probability=0.2, created_at=OPENED)
    ForecastFactory(
        user=wes, question=question, probability=0.8, created_at=OPENED + timedelta(hours=60)
    )
    client = APIClient()
    client.force_authenticate(wes)
    return client


@pytest.mark.parametrize(
    ("weighting", "bin_2", "bin_8"),
    [
        ("time", 0.25, 0.75),  # split by how long each forecast stood
        ("last", 0.0, 1.0),  # all on the last forecast before the close
    ],
)
def test_weighting(changed_mind, weighting, bin_2, bin_8):
    body = changed_mind.get(URL, {"scope": "user:wes", "weighting": weighting}).json()
    assert body["weighting"] == weighting
    assert body["weight"] == pytest.approx(1.0)  # each (user, question) pair weighs 1
    assert (body["bins"][2]["weight"], body["bins"][8]["weight"]) == pytest.approx((bin_2, bin_8))
    assert body["questions"] == 1
    assert body["brier"] == pytest.approx(bin_2 * 2 * 0.8**2 + bin_8 * 2 * 0.2**2)


def test_csv_of_the_bins(api_client, example_c):
    response = api_client.get(URL, {"format": "csv", "weighting": "last"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="calibration-all-last.csv"'
    text = response.content.decode()
    assert text.splitlines()[0] == ",".join(["scope", *BIN_COLUMNS])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 10
    assert [(r["scope"], r["lower"], r["count"]) for r in rows][:2] == [
        ("all", "0.0", "0"),
        ("all", "0.1", "4"),
    ]
    assert (rows[0]["mean_forecast"], rows[0]["ci_low"]) == ("", "")  # empty bin


@pytest.mark.parametrize(
    ("query", "status", "named"),
    [
        ({"scope": "group:Panel"}, 403, "detail"),
        ({"scope": "user:nobody"}, 404, "scope"),
        ({"weighting": "mean"}, 400, "weighting"),
    ],
)
def test_a_refusal_is_json_even_when_csv_was_asked_for(
    forecaster_client, example_c, query, status, named
):
    """As CSV, the errors read as a table whose header is a field name (`weighting.0`);
    the schema documents every error as JSON."""
    for extra, accept in (({"format": "csv"}, {}), ({}, {"HTTP_ACCEPT": "text/csv"})):
        response = forecaster_client.get(URL, {**query, **extra}, **accept)
        assert response.status_code == status
        assert response["Content-Type"] == "application/json"
        assert named in response.json()


def test_the_materialized_report_is_used_once_built(api_client, example_c):
    before = api_client.get(URL).json()
    assert (before["live"], before["built_at"]) == (True, None)

    rebuild("all", "tag:high", "group:Panel")
    # Four reports per scope: time or last weights, closed questions only or all.
    assert sorted(CalibrationReport.objects.values_list("scope", "weighting", "closed_only")) == [
        (scope, weighting, closed_only)
        for scope in ("all", "group:Panel", "tag:high")
        for weighting in ("last", "time")
        for closed_only in (False, True)
    ]
    with CaptureQueriesContext(connection) as queries:
        after = api_client.get(URL).json()
    assert len(queries) == 1  # the report, read whole
    assert after["live"] is False and after["built_at"] is not None
    assert {k: v for k, v in after.items() if k not in ("live", "built_at")} == {
        k: v for k, v in before.items() if k not in ("live", "built_at")
    }

    # A forecast added since is not in the stored report until the next rebuild.
    late = resolved_question("late", 1)
    ForecastFactory(
        user=UserFactory(username="late"), question=late, probability=0.9, created_at=OPENED
    )
    assert api_client.get(URL).json()["count"] == 20
    rebuild("all")
    assert api_client.get(URL).json()["count"] == 21


def test_sufficient_overall_and_per_bin(api_client, example_c, settings):
    """Example C weighs 20 in all, with bins of 4, 5, 6 and 5: below the default minimum
    of 50 overall; at a minimum of 20 overall and 5 a bin, sufficient but for the bin of 4."""
    body = api_client.get(URL).json()
    assert (body["sufficient"], body["min_forecasts"], body["min_bin"]) == (False, 50, 10)
    assert not any(row["sufficient"] for row in body["bins"])
    settings.FORESEER_CALIBRATION_MIN_FORECASTS = 20
    settings.FORESEER_CALIBRATION_MIN_BIN = 5
    body = api_client.get(URL).json()
    assert body["sufficient"] is True
    assert [row["sufficient"] for row in body["bins"] if row["count"]] == [
        False,
        True,
        True,
        True,
    ]


def test_a_forecasters_own_report_says_whether_it_is_sufficient(zed_client, example_c):
    body = zed_client.get(URL, {"scope": "user:zed"}).json()
    assert body["live"] is True
    assert body["sufficient"] is False and len(body["bins"]) == 10


def test_sufficient_is_described_in_the_schema(api_client):
    schema = api_client.get(reverse("api:schema"), {"format": "json"}).json()["components"]
    assert (
        "FORESEER_CALIBRATION_MIN_FORECASTS"
        in (schema["schemas"]["Calibration"]["properties"]["sufficient"]["description"])
    )
    assert "sufficient" in schema["schemas"]["CalibrationBin"]["properties"]
