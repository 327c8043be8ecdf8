"""/me/record/: the user's scores under every rule, each rule's value as the leaderboards
compute it, the score history and calibration charts, the tag filter, CSV, and the
standing forecasts; a fixed number of queries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from questions.models import Tag
from scoring import registry
from tests.factories import ForecastFactory, QuestionFactory, UserFactory
from tests.web.analysts import OPENED, example_c, resolved_question, score
from tests.web.conftest import count_queries
from tests.web.test_calibration_page import chart_points

pytestmark = pytest.mark.django_db

RECORD = "/me/record/"


def test_url_name():
    assert reverse("forecasts:record") == RECORD


def test_anonymous_is_sent_to_login(client):
    response = client.get(RECORD)
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/me/record/"


def test_empty_record(user_client):
    page = user_client.get(RECORD).content.decode()
    assert "<h1>My record</h1>" in page
    assert "No scored questions yet" in page
    assert "No forecasts on open questions." in page


def scored_question(past_question, resolve, user, *, mine: float, theirs: float, title: str):
    """A question resolved yes where `user` and one rival held one forecast all along."""
    question = past_question(title=title)
    start = question.open_time + timedelta(minutes=5)
    ForecastFactory(question=question, user=user, probability=mine, created_at=start)
    ForecastFactory(question=question, probability=theirs, created_at=start)
    resolve(question, "yes", known_at=question.open_time + timedelta(days=4))
    return question


def test_scores_means_and_open_forecasts(user_client, user, past_question, resolve):
    # Daily Brier 2(1-p)^2: 0.9 -> 0.02, rival 0.5 -> 0.5; crowd median (0.02+0.5)/2 = 0.26.
    scored_question(past_question, resolve, user, mine=0.9, theirs=0.5, title="Won one")
    # 0.4 -> 0.72, rival 0.8 -> 0.08; median 0.4.
    scored_question(past_question, resolve, user, mine=0.4, theirs=0.8, title="Lost one")
    open_question = QuestionFactory(title="Still open")
    ForecastFactory(question=open_question, user=user, probability=0.2)
    ForecastFactory(question=open_question, user=user, probability=0.35)
    ForecastFactory(question=open_question, probability=0.55)
    now = timezone.now()
    closed = QuestionFactory(
        title="Closed, waiting",
        open_time=now - timedelta(days=9),
        scheduled_close_time=now - timedelta(days=1),
    )
    ForecastFactory(question=closed, user=user, created_at=now - timedelta(days=5))
    annulled = past_question(title="Called off")
    ForecastFactory(question=annulled, user=user, created_at=annulled.open_time)
    resolve(annulled, "annulled")
    QuestionFactory(title="Not mine")

    response = user_client.get(RECORD)
    page = response.content.decode()
    resolved = page[page.index("Resolved questions") : page.index("Open questions")]
    assert "Won one" in resolved and "Lost one" in resolved
    assert "0.020" in resolved and "-0.240" in resolved  # (0.02 - 0.26) * 1
    assert "0.720" in resolved and "+0.320" in resolved  # (0.72 - 0.40) * 1
    assert "100%" in resolved
    # Means: accuracy (-0.24 + 0.32) / 2 = +0.04; Daily Brier (0.02 + 0.72) / 2 = 0.37.
    record = response.context["record"]
    assert record.standing(registry.ACCURACY).value == pytest.approx(0.04)
    assert record.standing(registry.DAILY_BRIER).value == pytest.approx(0.37)
    assert '<dd class="big-number">+0.040</dd>' in page
    assert '<dd class="big-number">0.370</dd>' in page
    assert "Called off</a>: resolved annulled (not scored)" in resolved

    open_part = page[page.index("Open questions") :]
    assert "Still open" in open_part
    assert ">35%</td>" in open_part and ">20%</td>" not in open_part  # the latest
    assert ">45%</td>" in open_part  # community median of 0.35 and 0.55
    assert "Closed, awaiting resolution" in open_part and "Closed, waiting" in open_part
    assert "Not mine" not in page


def _data(user, past_question, resolve, count: int) -> None:
    for index in range(count):
        question = past_question()
        ForecastFactory(question=question, user=user, created_at=question.open_time)
        ForecastFactory(question=question, created_at=question.open_time)
        resolve(question, "yes" if index % 2 else "no")
        open_question = QuestionFactory()
        ForecastFactory(question=open_question, user=user)
        ForecastFactory(question=open_question, user=user)
        ForecastFactory(question=open_question, user=UserFactory())


def test_query_count_does_not_grow_with_the_record(user_client, user, past_question, resolve):
    _data(user, past_question, resolve, 1)
    user_client.get(RECORD)  # warm up
    small, response = count_queries(user_client, RECORD)
    assert len(response.context["resolved"]) == 1
    _data(user, past_question, resolve, 6)
    large, response = count_queries(user_client, RECORD)
    assert len(response.context["resolved"]) == 7
    assert len(response.context["open_rows"]) == 7
    assert small == large


# --- Every rule, the rules' values, the charts, the tag filter, CSV -----------------------


@pytest.fixture
def record(user) -> list:
    """alice's scores on three questions resolved on 1, 5 and 9 March 2025 (two tagged
    "econ"), and worked example C's forecasts for her calibration (tagged "high" where the
    forecast was 0.7 or 0.9)."""
    econ = Tag.objects.create(slug="econ")
    rows = [
        # day, accuracy, daily Brier, peer, baseline, log, coverage, tagged
        (1, -0.2, 0.1, 12.0, 40.0, -0.2, 1.0, True),
        (5, 0.4, 0.9, -3.0, -10.0, -1.1, 0.5, True),
        (9, None, None, 6.0, 5.0, -0.4, 0.25, False),
    ]
    questions = []
    for day, accuracy, brier, peer, baseline, log, coverage, tagged in rows:
        question = resolved_question(
            f"r-{day}",
            1,
            title=f"Record question {day}",
            known_at=datetime(2025, 3, day, tzinfo=UTC),
        )
        if tagged:
            question.tags.add(econ)
        score(
            question,
            user,
            accuracy=accuracy,
            daily_brier=brier,
            participation=None if accuracy is None else 0.5,
            peer=peer,
            baseline=baseline,
            log=log,
            coverage=coverage,
        )
        questions.append(question)
    example_c(user)
    standing = QuestionFactory(title="Open and tagged")
    standing.tags.add(econ)
    ForecastFactory(question=standing, user=user)
    return questions


def test_every_rule_per_question(user_client, record):
    """The questions table shows the rules the record opens with; every rule and what
    weights it wait behind a disclosure."""
    page = user_client.get(RECORD).content.decode()
    resolved = page[page.index('id="resolved-heading"') : page.index('id="rules-heading"')]
    main, every = resolved.split('data-testid="every-rule-per-question"')
    assert main.index("Record question 9") < main.index("Record question 1")
    row = main[main.index("Record question 5") :]
    row = row[: row.index("</tr>")]
    for cell in ("2025-03-05", ">+0.400<", ">0.900<", ">-3.0<"):
        assert cell in row
    assert ">50%<" not in row and ">-10.0<" not in row
    assert every.index("Record question 9") < every.index("Record question 1")
    row = every[every.index("Record question 5") :]
    row = row[: row.index("</tr>")]
    for cell in ("2025-03-05", ">+0.400<", ">0.900<", ">50%<", ">-3.0<", ">-10.0<", ">-1.100<"):
        assert cell in row


def test_each_rule_as_the_leaderboards_compute_it(user_client, record):
    response = user_client.get(RECORD)
    standings = {s.rule.key: s for s in response.context["record"].standings}
    # Means over the questions that have the rule; sums / max(30, total coverage).
    assert standings["accuracy"].value == pytest.approx(0.1)
    assert standings["accuracy"].questions == 2
    assert standings["daily_brier"].value == pytest.approx(0.5)
    assert standings["peer"].total == pytest.approx(15.0)
    assert standings["peer"].value == pytest.approx(15.0 / 30)
    assert standings["peer"].coverage == pytest.approx(1.75)
    assert standings["baseline"].value == pytest.approx(35.0 / 30)
    assert standings["log"].value == pytest.approx(-1.7 / 30)
    for standing in standings.values():
        assert standing.ci_low <= standing.value <= standing.ci_high
    page = response.content.decode()
    rules = page[page.index('id="rules-heading"') : page.index("<h3>Over time</h3>")]
    assert ">+0.500<" in rules and ">+15.0<" in rules and ">1.75<" in rules
    assert '<dd class="big-number">+0.500</dd>' in page  # the peer score in the summary


def test_the_per_question_mean_beside_the_coverage_weighted_totals(user_client, record):
    """Peer 15.0 over 3 questions with coverage 1.75 is 15 / 30 = +0.500 as the boards
    compute it, but +5.000 per question: both are shown, with why they differ."""
    response = user_client.get(RECORD)
    standings = {s.rule.key: s for s in response.context["record"].standings}
    assert standings["peer"].per_question_mean == pytest.approx(5.0)
    assert standings["log"].per_question_mean == pytest.approx(-1.7 / 3)
    assert standings["accuracy"].per_question_mean == pytest.approx(0.1)
    page = response.content.decode()
    rules = page[page.index('id="rules-heading"') : page.index("<h3>Over time</h3>")]
    assert "Per question" in rules and ">+5.000<" in rules and ">-0.567<" in rules
    assert "before the outcome was known" in rules
    summary = page[page.index('id="summary-heading"') : page.index('id="resolved-heading"')]
    assert "+5.000 per question on average, over 3 questions with coverage 1.75" in summary
    csv_rules = user_client.get(RECORD, {"format": "csv", "table": "rules"}).content.decode()
    by_rule = {row["rule"]: row for row in csv.DictReader(io.StringIO(csv_rules))}
    assert float(by_rule["peer"]["per_question_mean"]) == pytest.approx(5.0)


def test_the_score_history_chart(user_client, record):
    page = user_client.get(RECORD).content.decode()
    points = chart_points(page, "history")
    assert [p["date"] for p in points] == ["2025-03-01", "2025-03-05", "2025-03-09"]
    assert points[0]["x"] == datetime(2025, 3, 1, tzinfo=UTC).timestamp() * 1000
    assert [p["mean"] for p in points] == pytest.approx([-0.2, 0.1, 0.1])
    assert [p["second_mean"] for p in points] == pytest.approx([0.1, 0.5, 0.5])
    assert points[2]["value"] is None
    assert 'data-chart="history"' in page and "The chart's values" in page


def test_my_calibration(user_client, record, settings):
    # Example C's 20 forecasts, read as enough for a verdict here (see the next test).
    settings.FORESEER_CALIBRATION_MIN_FORECASTS = 20
    response = user_client.get(RECORD)
    assert response.context["calibration"]["count"] == 20
    page = response.content.decode()
    points = chart_points(page, "my-calibration")
    assert [(p["x"], p["count"]) for p in points] == [
        (pytest.approx(0.1), 4),
        (pytest.approx(0.4), 5),
        (pytest.approx(0.7), 6),
        (pytest.approx(0.9), 5),
    ]
    assert all(p["low"] <= p["y"] <= p["high"] for p in points)
    section = page[page.index('id="calibration-heading"') : page.index('id="open-heading"')]
    assert section.count(">empty bin<") == 6
    assert "recalibration slope 0.90 (below 1: overconfident)" in section


def test_my_calibration_from_few_forecasts_gives_no_verdict(user_client, record):
    """Below the minimum of 50 the counts stay and the slope's verdict goes."""
    page = user_client.get(RECORD).content.decode()
    section = page[page.index('id="calibration-heading"') : page.index('id="open-heading"')]
    assert "20 forecasts on 20 questions" in section
    assert "recalibration slope 0.90." in section
    assert "overconfident)" not in section
    assert "Too few forecasts to judge calibration: 20 counted" in section


def test_filtering_by_tag(user_client, record):
    response = user_client.get(RECORD, {"tag": "econ"})
    assert response.status_code == 200
    assert [row["question"].slug for row in response.context["resolved"]] == ["r-5", "r-1"]
    standings = {s.rule.key: s for s in response.context["record"].standings}
    assert standings["peer"].total == pytest.approx(9.0)
    assert response.context["calibration"]["count"] == 0  # no example C question is econ
    assert '<option value="econ" selected>econ</option>' in response.content.decode()
    high = user_client.get(RECORD, {"tag": "high"})
    assert high.context["calibration"]["count"] == 11
    assert high.context["resolved"] == []


def test_an_unknown_tag_is_a_400_next_to_the_select(user_client, record):
    response = user_client.get(RECORD, {"tag": "nope"})
    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('<div class="field field-error">') :]
    field = field[: field.index("</div>")]
    assert "There is no tag &#x27;nope&#x27;" in field and 'aria-invalid="true"' in field
    assert len(response.context["resolved"]) == 3  # the whole record meanwhile


def test_csv_of_the_questions(user_client, record):
    page = user_client.get(RECORD, {"tag": "econ"}).content.decode()
    assert 'href="?tag=econ&amp;format=csv&amp;table=questions" download' in page
    response = user_client.get(RECORD, {"tag": "econ", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="my-record-econ.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["question"] for row in rows] == ["r-5", "r-1"]
    assert rows[0]["peer"] == "-3.0" and rows[0]["log"] == "-1.1"
    assert rows[0]["known_at"] == "2025-03-05T00:00:00+00:00"
    everything = user_client.get(RECORD, {"format": "csv"}).content.decode()
    assert len(everything.splitlines()) == 4
    assert user_client.get(RECORD, {"format": "xlsx"}).status_code == 400


def test_csv_of_the_rules_and_of_the_calibration(user_client, record):
    page = user_client.get(RECORD).content.decode()
    assert 'href="?format=csv&amp;table=rules" download' in page
    assert 'href="?format=csv&amp;table=calibration" download' in page
    rules = user_client.get(RECORD, {"tag": "econ", "format": "csv", "table": "rules"})
    assert rules["Content-Disposition"] == 'attachment; filename="my-record-rules-econ.csv"'
    by_rule = {row["rule"]: row for row in csv.DictReader(io.StringIO(rules.content.decode()))}
    assert set(by_rule) == {"accuracy", "daily_brier", "peer", "baseline", "log"}
    assert float(by_rule["peer"]["total"]) == pytest.approx(9.0)  # as on the page
    bins = user_client.get(RECORD, {"format": "csv", "table": "calibration"})
    rows = list(csv.DictReader(io.StringIO(bins.content.decode())))
    # Worked example C: 0.1 x4, 0.4 x5, 0.7 x6, 0.9 x5, and six empty bins.
    assert [int(row["count"]) for row in rows] == [0, 4, 0, 0, 5, 0, 0, 6, 0, 5]
    assert user_client.get(RECORD, {"format": "csv", "table": "bins"}).status_code == 400


def test_the_tag_filters_the_standing_forecasts_too(user_client, user):
    tagged = QuestionFactory(title="Tagged open")
    tagged.tags.add(Tag.objects.create(slug="econ"))
    ForecastFactory(question=tagged, user=user)
    ForecastFactory(question=QuestionFactory(title="Untagged open"), user=user)
    page = user_client.get(RECORD, {"tag": "econ"}).content.decode()
    assert "Tagged open" in page and "Untagged open" not in page


@pytest.mark.parametrize("query", [{}, {"tag": "econ"}, {"tag": "econ", "format": "csv"}])
def test_query_count_with_the_charts_and_the_filter(user_client, user, record, query):
    user_client.get(RECORD, query)  # warm up
    with CaptureQueriesContext(connection) as small:
        user_client.get(RECORD, query)
    econ = Tag.objects.get(slug="econ")
    for index in range(4):
        question = resolved_question(f"more-{index}", index % 2)
        question.tags.add(econ)
        score(question, user)
        ForecastFactory(question=question, user=user, created_at=OPENED, probability=0.3)
        ForecastFactory(question=question, created_at=OPENED)
        open_question = QuestionFactory()
        open_question.tags.add(econ)
        ForecastFactory(question=open_question, user=user)
    with CaptureQueriesContext(connection) as large:
        response = user_client.get(RECORD, query)
    assert response.status_code == 200
    if "format" not in query:
        assert len(response.context["resolved"]) == (6 if query else 7)
        assert len(response.context["open_rows"]) == 5
    assert len(small.captured_queries) == len(large.captured_queries)
