"""The community forecast over time on the question page: the data embedded for the
chart, the viewer's own forecasts on it, its text alternatives, and the
hide-until-you-forecast rule."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forecasts.models import CommunityPoint, CommunityState
from questions.models import Question
from scoring.services.community import community_update
from tests.factories import ForecastFactory, QuestionFactory, StaffFactory, UserFactory
from tests.web.conftest import count_queries

pytestmark = pytest.mark.django_db

# Midnight UTC two months ago: in the past whenever the tests run, and whole hours.
OPEN = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=60)


def utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def url(question: Question) -> str:
    return reverse("questions:detail", args=[question.slug])


def ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def embedded(page: str) -> dict | None:
    match = re.search(
        r'<script id="community-data" type="application/json">(.*?)</script>', page, re.S
    )
    return json.loads(match.group(1)) if match else None


def point(question: Question, at: datetime, median: float, forecasters: int) -> None:
    # The other methods differ from the median, so a test would see them leak in.
    CommunityPoint.objects.create(
        question=question,
        at=at,
        forecasters=forecasters,
        median=median,
        mean=median + 0.011,
        geometric_mean_odds=median + 0.012,
        extremized_log_odds=median + 0.013,
        recency_weighted_median=median + 0.014,
    )


@pytest.fixture
def charted(db) -> Question:
    """An open question with a three-point history: 30%, 45%, 37.5%."""
    question = QuestionFactory(
        slug="charted",
        open_time=OPEN,
        scheduled_close_time=timezone.now() + timedelta(days=30),
    )
    point(question, OPEN + timedelta(days=1), 0.30, 1)
    point(question, OPEN + timedelta(days=2, hours=6), 0.45, 2)
    point(question, OPEN + timedelta(days=5), 0.375, 3)
    return question


def test_the_chart_embeds_the_median_history_as_percent_and_epoch_ms(client, charted):
    page = client.get(url(charted)).content.decode()
    data = embedded(page)
    assert data["hidden"] is False
    assert data["community"] == [
        {"x": ms(OPEN + timedelta(days=1)), "y": 30.0, "n": 1},
        {"x": ms(OPEN + timedelta(days=2, hours=6)), "y": 45.0, "n": 2},
        {"x": ms(OPEN + timedelta(days=5)), "y": 37.5, "n": 3},
    ]
    assert data["mine"] == []
    assert data["start"] == ms(OPEN)
    # While the question is open the axis runs to now.
    assert abs(data["end"] - ms(timezone.now())) < 60_000
    assert '<canvas id="community-chart" role="img"' in page
    assert "foreseer/vendor/chart-4.6.1.umd.min.js" in page
    assert "foreseer/question.js" in page
    assert "foreseer/question.css" in page
    # Nothing is fetched: no API address for the history in the page.
    assert "/api/questions/charted/community/" not in page


def test_the_chart_has_a_summary_and_a_table_of_the_same_data(client, charted):
    page = client.get(url(charted)).content.decode()
    assert (
        f"The community median started at 30% on {utc(OPEN + timedelta(days=1))} and was "
        f"37.5% from {utc(OPEN + timedelta(days=5))} (3 forecasters); it ranged from 30% to "
        "45% over 3 points."
    ) in page
    assert 'aria-describedby="history-summary"' in page
    table = page[page.index('<details class="chart-table">') : page.index("</details>")]
    assert "<summary>The chart's data as a table</summary>" in table
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"num\">(.*?)</td>", table)
    assert [(re.sub("<.*?>", "", when), value) for when, value in rows] == [
        (utc(OPEN + timedelta(days=1)), "30%"),
        (utc(OPEN + timedelta(days=2, hours=6)), "45%"),
        (utc(OPEN + timedelta(days=5)), "37.5%"),
    ]


def test_the_viewers_own_forecasts_are_overlaid_oldest_first(client, charted):
    me = UserFactory()
    ForecastFactory(question=charted, user=me, probability=0.62, created_at=OPEN + timedelta(1))
    ForecastFactory(question=charted, user=me, probability=0.7, created_at=OPEN + timedelta(3))
    ForecastFactory(question=charted, probability=0.05, created_at=OPEN + timedelta(2))
    client.force_login(me)
    page = client.get(url(charted)).content.decode()
    data = embedded(page)
    assert data["mine"] == [
        {"x": ms(OPEN + timedelta(days=1)), "y": 62.0},
        {"x": ms(OPEN + timedelta(days=3)), "y": 70.0},
    ]
    assert "Your 2 forecasts are the triangles." in page
    mine = page[page.index('<table id="my-forecasts-table">') :]
    assert mine.index("62%") < mine.index("70%")
    assert "5%" not in mine[: mine.index("</table>")]


def test_without_history_or_forecasts_there_is_no_chart(client, db):
    question = QuestionFactory()
    page = client.get(url(question)).content.decode()
    assert embedded(page) is None
    assert 'id="community-chart"' not in page
    assert "chart-4.6.1" not in page
    assert "No forecasts yet: the chart starts with the first one." in page


def test_the_history_comes_from_the_forecasts(client, db):
    question = QuestionFactory(open_time=timezone.now() - timedelta(days=3))
    for hours, probability in ((1, 0.2), (2, 0.6), (3, 0.9)):
        ForecastFactory(
            question=question,
            probability=probability,
            created_at=question.open_time + timedelta(hours=hours),
        )
    community_update(question_id=question.pk, full=True)
    data = embedded(client.get(url(question)).content.decode())
    assert [(p["y"], p["n"]) for p in data["community"]] == [(20.0, 1), (40.0, 2), (60.0, 3)]


def test_the_page_reads_the_thinned_history_the_update_stored(client, db, monkeypatch):
    """A long history is thinned once, by the update task, and kept with the question's
    community state: a page view reads none of its points."""
    monkeypatch.setattr("forecasts.selectors.CHART_POINTS", 10)
    question = QuestionFactory(open_time=timezone.now() - timedelta(days=3))
    for number in range(40):
        ForecastFactory(
            question=question,
            probability=0.01 * (number + 1),
            created_at=question.open_time + timedelta(minutes=10 * (number + 1)),
        )
    community_update(question_id=question.pk, full=True)
    assert CommunityPoint.objects.filter(question=question).count() == 40
    with CaptureQueriesContext(connection) as queries:
        data = embedded(client.get(url(question)).content.decode())
    assert not [q for q in queries.captured_queries if "communitypoint" in q["sql"].lower()]
    assert len(data["community"]) == 10
    last = CommunityPoint.objects.filter(question=question).latest("at")
    assert data["community"][-1] == {"x": ms(last.at), "y": round(last.median * 100, 2), "n": 40}


def test_a_long_history_is_thinned_for_the_chart(client, db, monkeypatch):
    monkeypatch.setattr("forecasts.selectors.CHART_POINTS", 10)
    question = QuestionFactory(open_time=OPEN)
    for number in range(40):
        point(question, OPEN + timedelta(hours=number), 0.01 * (number + 1), number + 1)
    data = embedded(client.get(url(question)).content.decode())
    assert len(data["community"]) == 10
    assert data["community"][0]["y"] == 1.0
    assert data["community"][-1] == {"x": ms(OPEN + timedelta(hours=39)), "y": 40.0, "n": 40}


def test_after_the_close_the_axis_stops_at_the_actual_close(client, db):
    now = timezone.now()
    question = QuestionFactory(
        open_time=now - timedelta(days=20),
        scheduled_close_time=now - timedelta(days=5),
        scheduled_resolve_time=now - timedelta(days=4),
    )
    point(question, now - timedelta(days=19), 0.5, 1)
    data = embedded(client.get(url(question)).content.decode())
    assert data["end"] == ms(question.scheduled_close_time)


# --- Hidden until you forecast -------------------------------------------------------------


@pytest.fixture
def hiding(charted) -> Question:
    Question.objects.filter(pk=charted.pk).update(hide_community_until_forecast=True)
    for probability in (0.2, 0.375, 0.55):
        ForecastFactory(question=charted, probability=probability)
    charted.refresh_from_db()
    return charted


def _no_community_values(page: str) -> None:
    # Machine-readable times carry microseconds, which may spell any of these by chance.
    page = re.sub(r'datetime="[^"]*"', "", page)
    for value in ("37.5", "45%", "30%", "0.375"):
        assert value not in page, value


@pytest.mark.parametrize("who", ["anonymous", "forecaster"])
def test_hidden_community_is_nowhere_in_the_page(client, hiding, who):
    if who == "forecaster":
        client.force_login(UserFactory())
    page = client.get(url(hiding)).content.decode()
    assert 'data-testid="community-hidden"' in page
    assert "hides the community forecast and its history until you have made" in page
    assert embedded(page) is None
    assert 'id="community-chart"' not in page
    assert 'id="community-table"' not in page
    assert "chart-4.6.1" not in page
    _no_community_values(page)
    assert "3 forecasters so far" in page


def test_after_forecasting_the_forecaster_sees_the_history_and_their_points(client, hiding):
    me = UserFactory()
    ForecastFactory(question=hiding, user=me, probability=0.8, created_at=OPEN + timedelta(4))
    client.force_login(me)
    page = client.get(url(hiding)).content.decode()
    data = embedded(page)
    assert data["hidden"] is False
    assert [p["y"] for p in data["community"]] == [30.0, 45.0, 37.5]
    assert data["mine"] == [{"x": ms(OPEN + timedelta(days=4)), "y": 80.0}]
    assert 'data-testid="community-hidden"' not in page


def test_staff_always_see_the_hidden_history(client, hiding):
    client.force_login(StaffFactory())
    data = embedded(client.get(url(hiding)).content.decode())
    assert [p["y"] for p in data["community"]] == [30.0, 45.0, 37.5]


def test_once_closed_everyone_sees_the_history(client, db):
    now = timezone.now()
    question = QuestionFactory(
        hide_community_until_forecast=True,
        open_time=now - timedelta(days=10),
        scheduled_close_time=now - timedelta(days=1),
    )
    point(question, now - timedelta(days=9), 0.42, 1)
    data = embedded(client.get(url(question)).content.decode())
    assert data["hidden"] is False
    assert data["community"][0]["y"] == 42.0


def test_query_count_for_a_forecaster_kept_from_a_hidden_history(client, db):
    client.force_login(UserFactory())
    counts = []
    for size in (2, 30):
        question = QuestionFactory(
            hide_community_until_forecast=True,
            open_time=OPEN,
            scheduled_close_time=timezone.now() + timedelta(days=30),
        )
        for number in range(size):
            ForecastFactory(question=question, created_at=OPEN + timedelta(hours=number))
            point(question, OPEN + timedelta(hours=number), 0.5, number + 1)
        client.get(url(question))
        queries, response = count_queries(client, url(question))
        assert response.context["community"].hidden
        counts.append(queries)
    assert counts[0] == counts[1]


def test_the_box_and_the_chart_agree_while_the_update_is_on_its_way(client, db, queued):
    """A forecast is saved and its history update queued, not yet run: the Community box
    and the chart both show the stored value (and say an update is coming) rather than
    two different numbers."""
    from forecasts.models import Forecast
    from forecasts.services import forecast_submit

    question = QuestionFactory(open_time=timezone.now() - timedelta(days=2))
    first = UserFactory()
    forecast_submit(user=first, question=question, probability=0.3, origin=Forecast.Origin.API)
    community_update(question_id=question.pk)
    forecast_submit(
        user=UserFactory(), question=question, probability=0.7, origin=Forecast.Origin.API
    )
    assert CommunityState.objects.get(question=question).pending  # on its way, not run here

    page = client.get(url(question)).content.decode()
    box = re.search(r'data-testid="community-median">([^<]+)<', page).group(1)
    assert box == "30%"
    assert embedded(page)["community"][-1]["y"] == 30.0
    assert "updating with the newest forecasts" in page

    community_update(question_id=question.pk)
    page = client.get(url(question)).content.decode()
    assert re.search(r'data-testid="community-median">([^<]+)<', page).group(1) == "50%"
    assert embedded(page)["community"][-1]["y"] == 50.0
    assert "updating with the newest forecasts" not in page
