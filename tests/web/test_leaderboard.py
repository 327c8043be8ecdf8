"""/leaderboard/: ranked users, the line, min_questions, orders, interval bars, CSV, pages,
windows of resolution dates, and a fixed number of queries."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import User
from questions.models import Question
from scoring import views
from scoring.models import Score
from scoring.scopes import ALL, Scope
from scoring.services import community_user, leaderboard_build
from tests.clients import logged_in
from tests.factories import QuestionFactory, UserFactory
from tests.web.analysts import analyst_user, queries_for

pytestmark = pytest.mark.django_db

BOARD = "/leaderboard/"


def test_url_name():
    assert reverse("scoring:leaderboard") == BOARD


@pytest.fixture
def scores(db, settings) -> None:
    """ann: 3 questions (mean accuracy -0.1, daily Brier 0.4); bob: 1 question (-0.5,
    0.1); alice: 2 (0.2, 0.8); and the community forecast on all three. The page reads
    the materialized table, so it is built here as the rebuild task would."""
    settings.FORESEER_LEADERBOARD_MIN_QUESTIONS = 3
    settings.FORESEER_BOOTSTRAP_RESAMPLES = 50
    questions = QuestionFactory.create_batch(3)
    table = {
        "ann": [(-0.2, 0.3), (0.0, 0.5), (-0.1, 0.4)],
        "bob": [(-0.5, 0.1)],
        "alice": [(0.2, 0.9), (0.2, 0.7)],
    }
    for name, rows in table.items():
        person = UserFactory(username=name)
        for question, (accuracy, brier) in zip(questions, rows, strict=False):
            _score(question, person, accuracy, brier)
    for question in questions:
        _score(question, community_user(), 0.05, 0.45)
    leaderboard_build(scope=Scope(ALL))


def _score(question: Question, person: User, accuracy: float, brier: float) -> None:
    Score.objects.create(
        question=question,
        user=person,
        forecasts=1,
        daily_brier=brier,
        active_days=7,
        participation=1.0,
        accuracy=accuracy,
        baseline=-100 * accuracy,
        peer=-10 * accuracy,
        log=-brier,
        coverage=1.0,
    )


def ranked_names(response) -> list[str]:
    return [row.username for row in response.context["ranked_rows"]]


def test_empty_board(client, db):
    page = client.get(BOARD).content.decode()
    assert "<h1>Leaderboard</h1>" in page
    assert "No scores yet" in page


def test_default_minimum_from_settings(client, scores):
    response = client.get(BOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Accuracy score (negative beats the crowd)" in page
    ranked, below = page.split("Below the minimum of 3 questions")
    assert "ann" in ranked and "-0.100" in ranked
    below, community = below.split('<tbody class="community">')
    assert "bob" in below and "alice" in below
    assert below.index("bob") < below.index("alice")
    # The community forecast is shown apart, never ranked.
    assert "community" not in ranked and "Community forecast" in community
    assert ranked_names(response) == ["ann"]
    assert response.context["board"].community.value == pytest.approx(0.05)
    assert 'value="3"' in page


def test_min_questions_parameter(user_client, scores):
    response = user_client.get(BOARD, {"min_questions": "1"})
    assert response.status_code == 200
    assert ranked_names(response) == ["bob", "ann", "alice"]
    page = response.content.decode()
    assert "Below the minimum" not in page
    # alice is the logged-in user: her row is marked.
    assert '<tr class="is-me">' in page and 'alice</a> <span class="you">(you)</span>' in page
    rows = page[page.index("<tbody>") :]
    assert rows.index("bob") < rows.index("ann") < rows.index("alice")
    assert ">+0.200<" in rows and ">2<" in rows


def test_the_rule_select_picks_the_board(client, scores):
    response = client.get(BOARD, {"min_questions": "1", "rule": "daily_brier"})
    assert response.status_code == 200
    assert ranked_names(response) == ["bob", "ann", "alice"]
    page = response.content.decode()
    assert "Mean Daily Brier (0 best, 2 worst)" in page
    assert "0.800<" in page[page.index("<tbody>") :]
    # Peer: higher is better; the sum is divided by max(30, total coverage).
    response = client.get(BOARD, {"min_questions": "1", "rule": "peer"})
    assert ranked_names(response) == ["bob", "ann", "alice"]
    values = [row.value for row in response.context["ranked_rows"]]
    assert values == pytest.approx([5 / 30, 3 / 30, -4 / 30])


def test_min_questions_zero_ranks_everyone(client, scores):
    response = client.get(BOARD, {"min_questions": "0"})
    assert response.context["board"].ranked == 3
    assert len(response.context["ranked_rows"]) == 3


@pytest.mark.parametrize("value", ["-1", "abc", "1.5", "", "99999999999999999999999"])
def test_invalid_min_questions_is_a_400_with_the_default_board(client, scores, value):
    response = client.get(BOARD, {"min_questions": value})
    if value == "":
        # An empty box means "the default".
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        page = response.content.decode()
        assert 'class="errorlist"' in page
    assert response.context["board"].min_questions == 3
    assert ranked_names(response) == ["ann"]


# --- Order, the line under any order, interval bars, CSV, paging, windows, queries -------


def row_names(response) -> list[str]:
    return [row.username for row in response.context["board"].rows]


@pytest.mark.parametrize(
    ("query", "names", "ranks"),
    [
        # The materialized line (3 questions): ann ranked, bob and alice below it.
        ({"sort": "name"}, ["ann", "alice", "bob"], [1, None, None]),
        ({"sort": "-name"}, ["ann", "bob", "alice"], [1, None, None]),
        ({"sort": "-rank"}, ["ann", "alice", "bob"], [1, None, None]),
        ({"sort": "questions"}, ["ann", "bob", "alice"], [1, None, None]),
        # A line of 1 question: everyone ranked (ranks by value: bob, ann, alice).
        ({"min_questions": "1", "sort": "name"}, ["alice", "ann", "bob"], [3, 2, 1]),
        ({"min_questions": "1", "sort": "-rank"}, ["alice", "ann", "bob"], [3, 2, 1]),
        ({"min_questions": "1", "sort": "-questions"}, ["ann", "alice", "bob"], [2, 3, 1]),
        ({"min_questions": "1", "sort": "questions"}, ["bob", "alice", "ann"], [1, 3, 2]),
        ({"min_questions": "1"}, ["bob", "ann", "alice"], [1, 2, 3]),
    ],
)
def test_orders_keep_the_line_and_the_ranks(client, scores, query, names, ranks):
    response = client.get(BOARD, query)
    assert response.status_code == 200
    assert row_names(response) == names
    assert [row.rank for row in response.context["board"].rows] == ranks


def test_column_headings_sort_and_say_so(client, scores):
    page = client.get(BOARD, {"min_questions": "1", "sort": "name"}).content.decode()
    # The sorted column carries aria-sort; its link reverses the order.
    assert (
        '<th scope="col" aria-sort="ascending"><a class="sort-link" '
        'href="?min_questions=1&amp;sort=-name">Forecaster' in page
    )
    assert 'href="?min_questions=1&amp;sort=rank">Rank' in page
    assert 'href="?min_questions=1&amp;sort=-questions">Questions' in page


def test_a_bad_order_is_a_400_with_the_default_board(client, scores):
    response = client.get(BOARD, {"sort": "value"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert ranked_names(response) == ["ann"]


def test_interval_bars_on_one_axis_with_the_numbers_beside(client, scores):
    response = client.get(BOARD, {"min_questions": "1"})
    page = response.content.decode()
    body = page[page.index("<tbody>") :]
    # One bar per forecaster and one for the community forecast, and a scale in the head.
    assert body.count('<svg class="interval-bar"') == 4
    head = page[page.index("<thead>") : page.index("</thead>")]
    assert '<svg class="interval-scale"' in head and "(lower is better)" in head
    for row in response.context["board"].rows:
        assert f"{row.ci_low:+.3f} to {row.ci_high:+.3f}</span>" in body
    # Every bar is on the same axis: bob's interval ends left of alice's.
    bars = re.findall(r'<svg class="interval-bar".*?</svg>', body)
    points = [float(re.search(r'class="bar-point" d="M([\d.]+)', bar).group(1)) for bar in bars]
    assert points[0] < points[1] < points[2]  # bob -0.5 < ann -0.1 < alice 0.2
    zero = {re.search(r'class="bar-zero" x1="([\d.]+)"', bar).group(1) for bar in bars}
    assert len(zero) == 1  # the same 0 for every row


def test_rank_intervals_at_the_materialized_line_only(client, scores):
    page = client.get(BOARD).content.decode()
    assert "Rank interval</th>" in page
    ann = client.get(BOARD).context["board"].rows[0]
    assert f"{ann.rank_low}–{ann.rank_high}</td>" in page
    assert "Rank interval</th>" not in client.get(BOARD, {"min_questions": "1"}).content.decode()


def test_csv_download_with_the_same_filters(client, scores):
    page = client.get(BOARD, {"rule": "peer", "min_questions": "1"}).content.decode()
    href = re.search(r'<a href="([^"]+)" download>Download this table as CSV', page).group(1)
    href = href.replace("&amp;", "&")
    assert href == "/api/leaderboards/?format=csv&scope=all&rule=peer&min_questions=1"
    response = client.get(href)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["user"], row["rank"]) for row in rows] == [
        ("bob", "1"),
        ("ann", "2"),
        ("alice", "3"),
        ("community", ""),
    ]


def test_pages(client, scores, monkeypatch):
    monkeypatch.setattr(views, "ROWS_PER_PAGE", 2)
    first = client.get(BOARD, {"min_questions": "1", "sort": "name"})
    assert row_names(first) == ["alice", "ann"]
    page = first.content.decode()
    assert "Page 1 of 2" in page
    assert 'href="?min_questions=1&amp;sort=name&amp;page=2" rel="next"' in page
    second = client.get(BOARD, {"min_questions": "1", "sort": "name", "page": "2"})
    assert row_names(second) == ["bob"]
    assert "Page 2 of 2" in second.content.decode()
    # Across the line: the ranked part first, then the rest, page by page.
    assert row_names(client.get(BOARD, {"sort": "-name"})) == ["ann", "bob"]
    assert row_names(client.get(BOARD, {"sort": "-name", "page": "2"})) == ["alice"]


def test_a_window_of_resolution_dates_is_computed_on_request(client, scores):
    questions = list(Question.objects.order_by("pk"))
    for question, day in zip(questions, (1, 10, 20), strict=True):
        question.known_at = datetime(2025, 1, day, tzinfo=UTC)
        question.save(update_fields=["known_at"])
    response = client.get(
        BOARD,
        {"resolved_after": "2025-01-05", "resolved_before": "2025-01-31", "min_questions": "1",
         "sort": "name"},
    )  # fmt: skip
    assert response.status_code == 200
    board = response.context["board"]
    assert board.live is True
    # Only the second and third questions: ann has 2, alice 1, bob none.
    assert [(row.username, row.questions) for row in board.rows] == [("alice", 1), ("ann", 2)]
    page = response.content.decode()
    assert "computed on request" in page
    assert "resolved_after=2025-01-05T00%3A00%3A00%2B00%3A00" in page  # in the CSV link


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"resolved_after": "2025-02-01", "resolved_before": "2025-01-01"}, "resolved_before"),
        ({"resolved_after": "last week"}, "resolved_after"),
    ],
)
def test_bad_dates_are_a_400_next_to_the_field(client, scores, query, field):
    response = client.get(BOARD, query)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert 'class="errorlist"' in response.content.decode()
    assert response.context["board"].live is False


def test_analysts_get_links_to_calibration_and_question_scores(client, scores):
    analyst = logged_in(analyst_user())
    page = analyst.get(BOARD).content.decode()
    assert 'href="/calibration/?user=ann"' in page
    assert 'href="/analysis/questions/"' in page
    for visitor in (client, logged_in(UserFactory(username="someone"))):
        page = visitor.get(BOARD).content.decode()
        # The site-wide calibration is public (the menu links it); a forecaster's is not.
        assert "/calibration/?user=" not in page and "/analysis/questions/" not in page


def _grow(count: int) -> None:
    """More forecasters on more questions, and the board rebuilt."""
    questions = QuestionFactory.create_batch(count)
    for index in range(count * 3):
        person = UserFactory()
        for question in questions[: 1 + index % count]:
            _score(question, person, 0.01 * index, 0.3)
    leaderboard_build(scope=Scope(ALL))


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"sort": "name"},
        {"sort": "-questions", "min_questions": "1"},
        {"sort": "-rank", "rule": "peer", "min_questions": "2"},
    ],
)
@pytest.mark.parametrize("role", ["anonymous", "analyst"])
def test_the_number_of_queries_does_not_grow(client, scores, query, role):
    visitor = client if role == "anonymous" else logged_in(analyst_user())
    visitor.get(BOARD, query)  # warm up
    small, response = queries_for(visitor, BOARD, query)
    before = response.context["board"].total
    _grow(4)
    large, response = queries_for(visitor, BOARD, query)
    assert response.context["board"].total == before + 12
    assert small == large


def test_coverage_rules_show_the_per_question_mean_and_explain_the_divisor(client, scores):
    """ann's peer scores 2.0, 0.0 and 1.0 over coverage 3 total 3.0: +0.100 on the board
    (3.0 / max(30, 3)) and +1.000 per question; the page says why they differ."""
    response = client.get(BOARD, {"rule": "peer"})
    ann = next(row for row in response.context["ranked_rows"] if row.username == "ann")
    assert ann.value == pytest.approx(0.1)
    assert ann.per_question_mean == pytest.approx(1.0)
    page = response.content.decode()
    assert "Per question" in page
    row = page[page.index(">ann<") :]
    row = row[: row.index("</tr>")]
    assert ">+0.100<" in row and ">+1.000<" in row
    assert "pulled toward 0" in page and "before the outcome was known" in page


def test_mean_rules_need_no_per_question_column(client, scores):
    page = client.get(BOARD, {"rule": "accuracy"}).content.decode()
    assert "Per question" not in page
