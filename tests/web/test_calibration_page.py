"""/calibration/: analysts and staff only; site-wide, a forecaster (optionally within a
tag, an article or a project), a group, a tag, an article or a project; weighting and the
closed-questions filter; the reliability diagram's data, the bin table, the Murphy
decomposition, the other statistics, ROC; CSV of the bins and of the decomposition; bad
input; a fixed number of queries.

The numbers are SCORING.md §6 worked example C (the same as tests/api/test_calibration.py),
read off the page."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from tests.clients import logged_in
from tests.factories import ForecastFactory, QuestionFactory, UserFactory
from tests.web.analysts import (
    OPENED,
    analyst_user,
    example_c,
    queries_for,
    rebuild,
    resolved_question,
)

pytestmark = pytest.mark.django_db

URL = "/calibration/"


@pytest.fixture
def zed(db):
    """The forecaster of worked example C, in the group "Panel" (not an analyst)."""
    user = UserFactory(username="zed")
    user.groups.add(Group.objects.create(name="Panel"))
    return user


@pytest.fixture
def data(zed, settings):
    """Example C, plus a question resolved early that has not reached its scheduled
    close (left out unless every resolved question is asked for); tables built. Its 20
    forecasts are read as a sample large enough for verdicts (bins of 4 to 6): the tests
    of the small-sample wording lower nothing."""
    settings.FORESEER_CALIBRATION_MIN_FORECASTS = 20
    settings.FORESEER_CALIBRATION_MIN_BIN = 4
    example_c(zed)
    now = timezone.now()
    early = QuestionFactory(
        slug="early-yes",
        open_time=now - timedelta(days=4),
        scheduled_close_time=now + timedelta(days=30),
        resolution="yes",
        known_at=now - timedelta(days=2),
    )
    ForecastFactory(user=zed, question=early, probability=0.3, created_at=now - timedelta(days=4))
    rebuild("all", "tag:high", "group:Panel", "article:hi-art", "project:hi-proj")


@pytest.fixture
def analyst_client(db):
    return logged_in(analyst_user())


def chart_points(page: str, name: str) -> list[dict]:
    match = re.search(rf'<script id="{name}-data" type="application/json">(.*?)</script>', page)
    assert match, f"no chart data {name}"
    return json.loads(match.group(1))


def test_url_name():
    assert reverse("scoring:calibration") == URL


@pytest.mark.parametrize("who", ["anonymous", "forecaster", "group member"])
def test_site_wide_calibration_is_public_as_in_the_api(client, user, zed, data, who):
    # Everyone's forecasts pooled are no one's in particular: the page shows what
    # GET /api/calibration/?scope=all serves to anyone.
    if who != "anonymous":
        client = logged_in(user if who == "forecaster" else zed)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert ">0.3430<" in page
    api = client.get("/api/calibration/", {"scope": "all"}).json()
    assert api["count"] == response.context["report"]["count"] == 20
    # Only the aggregate scopes are offered, and nothing links to analysts' pages.
    assert 'name="user"' not in page and 'name="group"' not in page
    assert 'name="tag"' in page
    assert "/analysis/questions/" not in page
    assert client.get(URL, {"tag": "high"}).status_code == 200


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("anonymous", {"user": "zed"}),
        ("forecaster", {"user": "zed"}),
        ("anonymous", {"group": "Panel"}),
        ("forecaster", {"group": "Panel"}),
        ("group member", {"group": "Panel"}),  # a member of the group is not an analyst
    ],
)
def test_a_forecasters_or_a_groups_calibration_is_for_analysts(client, user, zed, data, who, query):
    if who != "anonymous":
        client = logged_in(user if who == "forecaster" else zed)
    response = client.get(URL, query)
    assert response.status_code == 403
    page = response.content.decode()
    assert 'href="/me/record/"' in page and "analysts and staff only" in page
    assert "0.3430" not in page  # no statistic leaks
    # The API agrees.
    scope = f"user:{query['user']}" if "user" in query else f"group:{query['group']}"
    assert client.get("/api/calibration/", {"scope": scope}).status_code == 403


@pytest.mark.parametrize("role", ["analyst", "staff"])
def test_site_wide_for_analysts_and_staff(client, staff, data, role):
    client = logged_in(analyst_user() if role == "analyst" else staff)
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<a href="/calibration/" aria-current="page">Calibration</a>' in page
    report = response.context["report"]
    assert (report["count"], report["questions"], report["live"]) == (20, 20, False)
    assert "Calibration of every forecaster" in page
    assert "only questions past their scheduled close" in page and "built <time" in page
    # The decomposition in Brier units, with what each term means.
    decomposition = page[page.index("Murphy decomposition") : page.index("Other statistics")]
    for text in ("0.3430", "0.0147", "0.1517", "0.4800"):  # BS, REL 22/1500, RES 91/600, UNC
        assert f">{text}<" in decomposition
    assert "0 is perfect calibration; lower is better" in decomposition
    assert "BS = REL − RES + UNC + WBV − WBC holds exactly" in decomposition
    identity = decomposition[decomposition.index('<tr class="identity">') :]
    assert ">0.3430<" in identity and "Equals the Brier score above" in identity
    statistics = page[page.index("Other statistics") : page.index("ROC curve")]
    assert ">0.065<" in statistics  # ECE
    assert ">-0.045<" in statistics  # calibration-in-the-large 0.555 - 0.6
    assert ">0.899<" in statistics and "Slope below 1: overconfident" in statistics
    assert ">+0.287<" in statistics  # intercept
    assert ">0.818<" in statistics  # ROC AUC
    assert "Area under the curve: <strong>0.818</strong>" in page


def test_the_reliability_diagram_and_the_bin_table(analyst_client, data):
    page = analyst_client.get(URL).content.decode()
    points = chart_points(page, "reliability")
    assert [(p["x"], p["count"], p["questions"]) for p in points] == [
        (pytest.approx(0.1), 4, 4),
        (pytest.approx(0.4), 5, 5),
        (pytest.approx(0.7), 6, 6),
        (pytest.approx(0.9), 5, 5),
    ]
    assert [p["y"] for p in points] == pytest.approx([1 / 4, 2 / 5, 4 / 6, 1.0])
    assert points[3]["high"] == 1.0 and 0 < points[0]["low"] < 0.25 < points[0]["high"]
    assert 'data-chart="reliability"' in page and 'role="img"' in page
    assert "foreseer/vendor/chart-4.6.1.umd.min.js" in page and "foreseer/analytics.js" in page
    table = page[page.index('<table class="bin-table">') :]
    table = table[: table.index("</table>")]
    assert table.count("empty bin") == 6  # ten bins, empty ones shown
    assert '<th scope="row">10–20%</th>' in table
    # The 0.9 bin: 5 of 5 yes, Jeffreys upper bound 1.
    row = table[table.index("90–100%") :]
    assert "100% to 100%" not in row[: row.index("</tr>")]
    assert "to 100%</td>" in row[: row.index("</tr>")]
    roc = chart_points(page, "roc")
    assert roc[0] == {"x": 0.0, "y": 0.0, "threshold": None} and roc[-1]["x"] == 1.0


@pytest.mark.parametrize(
    ("query", "subject", "count"),
    [
        ({"user": "zed"}, "forecaster zed", 20),
        ({"user": "zed", "tag": "high"}, "forecaster zed on tag high", 11),
        ({"user": "zed", "project": "hi-proj"}, "forecaster zed on the project “High project”", 11),
        ({"group": "Panel"}, "group Panel", 20),
        ({"tag": "high"}, "tag high", 11),
        ({"article": "hi-art"}, "the article “The High Article”", 11),
        ({"project": "hi-proj"}, "the project “High project”", 11),
        ({"tag": "", "weighting": "time", "questions": "closed"}, "every forecaster", 20),
    ],
)
def test_subjects(analyst_client, data, query, subject, count):
    response = analyst_client.get(URL, query)
    assert response.status_code == 200
    assert response.context["report"]["count"] == count
    assert f"Calibration of {subject}</h2>" in response.content.decode()


def test_every_resolved_question(analyst_client, data):
    response = analyst_client.get(URL, {"questions": "all"})
    report = response.context["report"]
    assert (report["count"], report["closed_only"]) == (21, False)
    assert report["bins"][3]["count"] == 1  # the early yes at 0.3
    assert "every resolved question" in response.content.decode()


@pytest.mark.parametrize(("weighting", "bin_2", "bin_8"), [("time", 0.25, 0.75), ("last", 0, 1)])
def test_weighting(analyst_client, weighting, bin_2, bin_8):
    """wes on a ten-day question: 0.2 for the first 2.5 days, then 0.8; resolved yes."""
    wes = UserFactory(username="wes")
    question = resolved_question("changed-mind", 1)
    ForecastFactory(user=wes, question=question, probability=0.2, created_at=OPENED)
    ForecastFactory(
        user=wes, question=question, probability=0.8, created_at=OPENED + timedelta(hours=60)
    )
    report = analyst_client.get(URL, {"user": "wes", "weighting": weighting}).context["report"]
    assert report["weighting"] == weighting
    bins = report["bins"]
    assert (bins[2]["weight"], bins[8]["weight"]) == pytest.approx((bin_2, bin_8))


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"user": "nobody"}, "user", "No forecaster is named &#x27;nobody&#x27;."),
        ({"user": "zed", "group": "Panel"}, "group", "not a group"),
        ({"user": "zed", "tag": "high", "project": "hi-proj"}, "project", "tag is chosen"),
        ({"group": "Panel", "tag": "high"}, "tag", "group is chosen"),
        ({"tag": "no-such-tag"}, "tag", "Select a valid choice"),
        ({"weighting": "mean"}, "weighting", "Select a valid choice"),
        ({"questions": "some"}, "questions", "Select a valid choice"),
    ],
)
def test_bad_choices_are_a_400_next_to_the_field(analyst_client, data, query, field, message):
    response = analyst_client.get(URL, query)
    assert response.status_code == 400
    page = response.content.decode()
    field_html = page[page.index(f'for="id_{field}"') - 200 :]
    field_html = field_html[: field_html.index("</div>", field_html.index(f'id="id_{field}"'))]
    assert 'class="field field-error"' in field_html and message in field_html
    # The site-wide report is shown meanwhile.
    assert response.context["report"]["count"] == 20


def test_csv_of_the_bins(analyst_client, data):
    page = analyst_client.get(URL, {"tag": "high"}).content.decode()
    assert 'href="?tag=high&amp;format=csv&amp;table=bins"' in page
    response = analyst_client.get(URL, {"tag": "high", "format": "csv", "table": "bins"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="calibration-tag-high-time-bins.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 10
    assert [int(row["count"]) for row in rows] == [0, 0, 0, 0, 0, 0, 0, 6, 0, 5]
    assert rows[0]["subject"] == "tag high" and rows[0]["mean_forecast"] == ""
    assert float(rows[9]["ci_high"]) == 1.0


def test_csv_of_the_decomposition(analyst_client, data):
    response = analyst_client.get(
        URL, {"user": "zed", "weighting": "last", "format": "csv", "table": "decomposition"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="calibration-user-zed-last-decomposition.csv"'
    )
    rows = {row["term"]: row for row in csv.DictReader(io.StringIO(response.content.decode()))}
    assert float(rows["brier"]["value"]) == pytest.approx(0.343)
    assert float(rows["reliability"]["value"]) == pytest.approx(22 / 1500)
    assert float(rows["identity"]["value"]) == pytest.approx(0.343)
    assert float(rows["recalibration_slope"]["value"]) == pytest.approx(0.89858, abs=5e-6)
    assert "overconfident" in rows["recalibration_slope"]["meaning"]
    assert rows["brier"]["symbol"] == "BS"


def test_csv_of_the_roc_curve(analyst_client, data):
    page = analyst_client.get(URL, {"user": "zed"}).content.decode()
    assert 'href="?user=zed&amp;format=csv&amp;table=roc"' in page
    response = analyst_client.get(
        URL, {"user": "zed", "weighting": "last", "format": "csv", "table": "roc"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="calibration-user-zed-last-roc.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    # Example C: 12 yes and 8 no; at 90 % or more 5 yes and no no, at 70 % or more
    # 9 yes and 2 no, at 40 % or more 11 yes and 5 no, then everything.
    assert [float(row["fpr"]) for row in rows] == pytest.approx([0, 0, 2 / 8, 5 / 8, 1])
    assert [float(row["tpr"]) for row in rows] == pytest.approx([0, 5 / 12, 9 / 12, 11 / 12, 1])
    assert [row["threshold"] for row in rows][1:] == ["0.9", "0.7", "0.4", "0.1"]


@pytest.mark.parametrize(
    "query",
    [
        {"format": "xml"},
        {"format": "csv", "table": "everything"},
        {"format": "csv", "user": "nobody"},
    ],
)
def test_bad_downloads_are_a_400_page(analyst_client, data, query):
    response = analyst_client.get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


def test_an_empty_scope(analyst_client, db):
    """One sentence saying there is nothing yet and how it comes: no empty chart, no ten
    "empty bin" rows, no tables of dashes."""
    response = analyst_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    content = page[page.index('id="subject-heading"') : page.index("</main>")]
    assert "Nothing to calibrate yet" in content
    assert "binary questions resolved yes or no and past their scheduled close" in content
    assert "empty bin" not in content
    assert "<canvas" not in content and "<table" not in content
    assert "—" not in content


def test_a_small_sample_shows_its_counts_without_verdicts(analyst_client, zed):
    """Example C's 20 forecasts, below the default minimum of 50: the counts and the
    intervals stay, the verdicts go, and bins under 10 are marked."""
    example_c(zed)
    page = analyst_client.get(URL, {"user": "zed"}).content.decode()
    note = page[page.index('data-testid="small-sample"') :]
    note = note[: note.index("</div>")]
    assert "Too few forecasts to judge calibration: 20 counted" in note
    assert "a verdict needs 50" in note
    assert "What cannot: whether these forecasts are over- or underconfident" in note
    for verdict in (
        "Slope below 1",
        "Slope above 1",
        "Slope close to 1",
        "would have scored",
        "on average the forecasts were",
        "the fitted chance of yes is",
    ):
        assert verdict not in page
    assert "Too few forecasts to read a direction into it." in page
    table = page[page.index('<table class="bin-table">') :]
    table = table[: table.index("</table>")]
    assert table.count("(too few)") == 4 and table.count('class="is-small"') == 4
    assert '<td class="num">5</td>' in table  # the counts are kept
    assert "weigh less than 10" in page


def test_a_large_enough_sample_reads_its_verdicts(analyst_client, zed, settings):
    settings.FORESEER_CALIBRATION_MIN_FORECASTS = 20
    settings.FORESEER_CALIBRATION_MIN_BIN = 5
    example_c(zed)
    page = analyst_client.get(URL, {"user": "zed"}).content.decode()
    assert 'data-testid="small-sample"' not in page
    assert "Slope below 1: overconfident" in page
    table = page[page.index('<table class="bin-table">') :]
    assert table[: table.index("</table>")].count("(too few)") == 1  # the bin of 4


def _grow(count: int, zed_group: Group) -> None:
    """More forecasters (some in the group), questions, tags and forecasts."""
    for index in range(count):
        person = UserFactory()
        if index % 2:
            person.groups.add(zed_group)
        questions = example_c(person, prefix=f"g{person.pk}")
        questions[0].tags.create(slug=f"tag-{person.pk}")
        Group.objects.create(name=f"group-{person.pk}")


@pytest.mark.parametrize(
    "query",
    [{}, {"group": "Panel", "weighting": "last"}, {"user": "zed", "tag": "high"}, {"tag": "high"}],
)
def test_the_number_of_queries_does_not_grow(analyst_client, zed, data, query):
    analyst_client.get(URL, query)  # warm up
    small, response = queries_for(analyst_client, URL, query)
    before = response.context["report"]["count"]
    _grow(3, Group.objects.get(name="Panel"))
    rebuild("all", "tag:high", "group:Panel")
    large, response = queries_for(analyst_client, URL, query)
    assert response.context["report"]["count"] > before or "user" in query
    assert small == large
