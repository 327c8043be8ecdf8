"""Scores on a resolved question's page: the public table with its CSV download, and
the "Your scores" card explaining each of the viewer's scores."""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from questions.models import Question
from scoring.scorecard import score_card, window_before_outcome
from tests.factories import ForecastFactory, UserFactory, example_b_question

RULES = ["daily_brier", "accuracy", "peer", "baseline", "log", "participation", "coverage"]


def url(question: Question) -> str:
    return reverse("questions:detail", args=[question.slug])


def card_of(page: str) -> str:
    start = page.index('data-testid="your-scores"')
    return page[start : page.index("</section>", start)]


def line_of(card: str, rule: str) -> str:
    start = card.index(f'data-rule="{rule}"')
    return card[start : card.index("</div>", start)]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<.*?>", "", html)).replace("&#x27;", "'")


@pytest.fixture
def example_b(db, resolve):
    """SCORING.md worked example B, resolved yes and scored."""
    question, people = example_b_question(slug="example-b")
    resolve(question, "yes", known_at=datetime(2016, 11, 8, tzinfo=UTC))
    return question, people


# --- The card -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_kramer_sees_every_score_explained_against_the_crowd(client, example_b):
    question, people = example_b
    client.force_login(people["kramer"])
    page = client.get(url(question)).content.decode()
    card = card_of(page)
    assert '<h2 id="your-scores-heading">Your scores</h2>' in card
    assert re.findall(r'data-rule="(\w+)"', card) == RULES

    brier = text(line_of(card, "daily_brier"))
    assert "Daily Brier (0 best, 2 worst)" in brier
    assert "Your Daily Brier of 0.250 is better than the crowd's 0.574" in brier
    assert "you did better than a coin toss" in brier
    assert "The rule: Each full UTC day you had a forecast" in brier

    accuracy = text(line_of(card, "accuracy"))
    assert "−0.278" in accuracy
    assert "means you beat the crowd, counted over the 6 of 7 scored days" in accuracy

    peer = text(line_of(card, "peer"))
    assert "more probability than the other forecasters" in peer
    assert "It ranks 1st of 2 forecasters on this question." in peer
    assert "The community forecast, scored like a forecaster, got" in peer

    assert "better than a 50% guess" in text(line_of(card, "baseline"))
    assert "a 50% forecast would have scored over the same time" in text(line_of(card, "log"))
    assert "You had a forecast standing on 6 of the 7 scored days (85.7%)." in text(
        line_of(card, "participation")
    )
    assert "Your forecasts stood for" in text(line_of(card, "coverage"))
    # The card comes before the full table.
    assert page.index('data-testid="your-scores"') < page.index('data-testid="scores-table"')


@pytest.mark.django_db
def test_george_is_told_the_crowd_beat_him(client, example_b):
    question, people = example_b
    client.force_login(people["george"])
    card = card_of(client.get(url(question)).content.decode())
    assert "Your Daily Brier of 0.794 is worse than the crowd's 0.574" in text(
        line_of(card, "daily_brier")
    )
    assert "+0.220 means the crowd beat you" in text(line_of(card, "accuracy"))
    assert "It ranks 2nd of 2 forecasters" in text(line_of(card, "peer"))
    assert "worse than a 50% guess" in text(line_of(card, "baseline"))
    assert "on 7 of the 7 scored days (100%)" in text(line_of(card, "participation"))


@pytest.mark.django_db
def test_no_card_for_anonymous_visitors_or_people_who_did_not_forecast(client, example_b):
    question, _ = example_b
    page = client.get(url(question)).content.decode()
    assert 'data-testid="your-scores"' not in page
    assert 'data-testid="scores-table"' in page  # the table is public
    client.force_login(UserFactory())
    page = client.get(url(question)).content.decode()
    assert 'data-testid="your-scores"' not in page


@pytest.mark.django_db
def test_a_forecaster_with_only_late_forecasts_is_told_why_they_have_no_score(client, example_b):
    question, _ = example_b
    late = UserFactory()
    ForecastFactory(
        question=question, user=late, created_at=question.scheduled_close_time + timedelta(1)
    )
    client.force_login(late)
    card = card_of(client.get(url(question)).content.decode())
    assert "none of your forecasts was made before it closed" in card
    assert "data-rule" not in card


@pytest.mark.django_db
@pytest.mark.parametrize("outcome", ["annulled", "ambiguous"])
def test_no_card_on_questions_that_are_not_scored(client, past_question, resolve, outcome):
    question = past_question()
    me = UserFactory()
    ForecastFactory(question=question, user=me, created_at=question.open_time + timedelta(1))
    resolve(question, outcome)
    client.force_login(me)
    page = client.get(url(question)).content.decode()
    assert 'data-testid="your-scores"' not in page


# --- The table and its download ------------------------------------------------------------


@pytest.mark.django_db
def test_the_table_links_to_its_csv_which_downloads(client, example_b):
    question, _ = example_b
    page = client.get(url(question)).content.decode()
    link = '<a href="/api/questions/example-b/scores/?format=csv" download data-testid="scores-csv"'
    assert link in page
    response = client.get("/api/questions/example-b/scores/?format=csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["user"] for row in rows} == {"george", "kramer", "community"}


@pytest.mark.django_db
def test_no_csv_link_before_there_are_scores(client, question):
    assert 'data-testid="scores-csv"' not in client.get(url(question)).content.decode()


# --- The card's text, without a database ----------------------------------------------------


def row(user: str, **values: object) -> dict[str, object]:
    base = {
        "user": user,
        "is_community": user == "community",
        "daily_brier": 0.3,
        "accuracy": 0.0,
        "participation": 1.0,
        "active_days": 10,
        "peer": 0.0,
        "baseline": 0.0,
        "log": math.log(0.5),
        "coverage": 1.0,
    }
    return {**base, **values}


def lines(**mine: object) -> dict[str, str]:
    scores = [
        row("someone", peer=5.0),
        row("me", **mine),
        row("community", daily_brier=0.21, peer=1.5, baseline=12.0, log=-0.5),
    ]
    card = score_card(scores=scores, username="me", crowd_mean=0.3, scored_days=10)
    return {line.key: line.meaning for line in card}


@pytest.mark.parametrize(
    ("brier", "verdict"),
    [(0.18, "better than"), (0.42, "worse than"), (0.3002, "the same as")],
)
def test_daily_brier_is_compared_with_the_crowd(brier, verdict):
    meaning = lines(daily_brier=brier)["daily_brier"]
    assert f"Your Daily Brier of {brier:.3f} is {verdict} the crowd's 0.300" in meaning
    assert "The community forecast, scored like a forecaster, got 0.210." in meaning


@pytest.mark.parametrize(
    ("accuracy", "verdict"),
    [(-0.05, "you beat the crowd"), (0.05, "the crowd beat you"), (0.0, "you matched the crowd")],
)
def test_accuracy_says_who_beat_whom(accuracy, verdict):
    assert (
        f"means {verdict}, counted over the 10 of 10 scored days"
        in lines(accuracy=accuracy)["accuracy"]
    )


def test_peer_rank_counts_forecasters_not_the_community():
    meaning = lines(peer=2.0)["peer"]
    assert "It ranks 2nd of 2 forecasters" in meaning
    assert "got +1.5." in meaning


@pytest.mark.parametrize(
    ("baseline", "log", "baseline_verdict", "log_verdict"),
    [
        (20.0, -0.4, "better than a 50% guess", "better than"),
        (-20.0, -0.9, "worse than a 50% guess", "worse than"),
    ],
)
def test_baseline_and_log_against_a_coin_toss(baseline, log, baseline_verdict, log_verdict):
    meanings = lines(baseline=baseline, log=log)
    assert baseline_verdict in meanings["baseline"]
    assert f"is {log_verdict} the −0.693 a 50% forecast would have scored" in meanings["log"]


def test_log_is_compared_over_the_time_the_forecasts_stood():
    assert "the −0.347 a 50% forecast" in lines(coverage=0.5, log=-0.2)["log"]


def test_a_forecaster_without_a_full_day_has_no_daily_scores():
    meanings = lines(daily_brier=None, accuracy=None, participation=None, active_days=0)
    assert "no forecast standing at the end of a full scored day" in meanings["daily_brier"]
    assert meanings["accuracy"] == "Without a Daily Brier there is no Accuracy score."
    assert "no full scored day" in meanings["participation"]


def test_no_card_without_a_row_for_the_user():
    assert score_card(scores=[row("someone")], username="me", crowd_mean=0.3, scored_days=1) == []


def test_scored_days_fall_back_to_participation():
    card = score_card(
        scores=[row("me", participation=0.5, active_days=3)],
        username="me",
        crowd_mean=None,
        scored_days=None,
    )
    meanings = {line.key: line.meaning for line in card}
    assert "on 3 of the 6 scored days (50%)" in meanings["participation"]
    assert meanings["daily_brier"].startswith("Your Daily Brier is 0.300.")


# --- A question with many forecasters --------------------------------------------------------


@pytest.mark.django_db
def test_a_page_lists_the_head_of_the_board_and_the_viewer_whatever_the_count(
    client, django_assert_max_num_queries
):
    """Sixty forecasters: the page names the best fifty by peer score, the community
    forecast and the viewer (55th) with their card, and says how many more the download
    holds; the queries do not grow with the forecasters."""
    from scoring.models import Score
    from scoring.selectors import community_user_id
    from tests.factories import QuestionFactory

    question = QuestionFactory(resolution="yes", known_at=datetime(2026, 1, 1, tzinfo=UTC))
    people = [UserFactory(username=f"f{n:02d}") for n in range(60)]

    def score(user_id: int, peer: float) -> Score:
        return Score(
            question=question, user_id=user_id, forecasts=1, daily_brier=0.4, active_days=3,
            participation=0.5, accuracy=0.1, baseline=1.0, peer=peer, log=-0.5, coverage=0.5,
        )  # fmt: skip

    community = community_user_id()
    assert community is not None
    Score.objects.bulk_create(
        [score(user.pk, 60.0 - n) for n, user in enumerate(people)] + [score(community, 25.5)]
    )
    me = people[54]
    client.force_login(me)
    with django_assert_max_num_queries(20):
        page = client.get(url(question)).content.decode()
    table = page[page.index('id="scores"') :]
    named = re.findall(r"<th scope=\"row\"><a href=\"/forecasters/f\d\d/\">(f\d\d)</a>", table)
    assert named == [f"f{n:02d}" for n in range(50)] + ["f54"]
    assert "Community forecast" in table
    assert table.index("f34") < table.index("Community forecast") < table.index("f35")
    assert "9 more forecasters in the download" in text(table)
    assert "ranks 55th of 60 forecasters" in text(card_of(page))


@pytest.mark.django_db
def test_coverage_on_an_early_resolution_is_read_against_the_time_before_the_outcome(
    client, resolve
):
    """Example B resolved 5 days into its 7-day window: Kramer forecast from 2 Nov 11:37
    on, 70.3 % of the time before the outcome was known, which is 50.2 % of the window;
    the card says the first, not only the second, which reads as inactivity."""
    question, people = example_b_question(slug="early-b")
    resolve(question, "yes", known_at=datetime(2016, 11, 6, tzinfo=UTC))
    client.force_login(people["kramer"])
    coverage = text(line_of(card_of(client.get(url(question)).content.decode()), "coverage"))
    assert "You forecast for 70.3% of the time before the outcome was known" in coverage
    assert "the question resolved early, 71.4% into its window" in coverage
    assert "Coverage of the scheduled window: 50.2%." in coverage


def test_coverage_reads_against_the_share_of_the_window_before_the_outcome():
    scores = [row("me", coverage=0.147), row("community")]
    card = score_card(
        scores=scores, username="me", crowd_mean=0.3, scored_days=10, known_share=0.147
    )
    meaning = next(line.meaning for line in card if line.key == "coverage")
    assert meaning.startswith(
        "You forecast for 100% of the time before the outcome was known (the question "
        "resolved early, 14.7% into its window"
    )
    whole = score_card(scores=scores, username="me", crowd_mean=0.3, scored_days=10)
    assert next(line.meaning for line in whole if line.key == "coverage") == (
        "Your forecasts stood for 14.7% of the scheduled window."
    )


def test_the_window_before_the_outcome():
    opened, close = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 1, 11, tzinfo=UTC)
    share = lambda known: window_before_outcome(  # noqa: E731
        open_time=opened, scheduled_close=close, known_at=known
    )
    assert share(None) == 1.0
    assert share(datetime(2025, 1, 20, tzinfo=UTC)) == 1.0
    assert share(datetime(2025, 1, 3, tzinfo=UTC)) == pytest.approx(0.2)


# --- The headline ---------------------------------------------------------------------------


def headline_of(page: str) -> str:
    start = page.index('data-testid="score-headline"')
    return text(page[start : page.index("</p>", start)].split(">", 1)[1])


@pytest.mark.django_db
def test_the_headline_tells_a_forecaster_who_beat_the_crowd_so(client, example_b):
    question, people = example_b
    client.force_login(people["kramer"])
    page = client.get(url(question)).content.decode()
    headline = headline_of(page)
    assert headline.startswith(
        "Your Accuracy score −0.278: better than the crowd. "
        "Your Daily Brier 0.250: better than the crowd's 0.574."
    )
    assert 'class="score-headline is-better"' in page
    # It heads the resolved section: above the card and the table.
    assert page.index('data-testid="score-headline"') < page.index('data-testid="your-scores"')
    assert page.index('data-testid="score-headline"') < page.index('data-testid="scores-table"')


@pytest.mark.django_db
def test_the_headline_tells_a_forecaster_the_crowd_beat_them(client, example_b):
    question, people = example_b
    client.force_login(people["george"])
    page = client.get(url(question)).content.decode()
    assert headline_of(page).startswith(
        "Your Accuracy score +0.220: worse than the crowd. "
        "Your Daily Brier 0.794: worse than the crowd's 0.574."
    )
    assert 'class="score-headline is-worse"' in page


@pytest.mark.django_db
def test_the_headline_gives_a_visitor_the_outcome_and_the_crowds_score(client, example_b):
    question, _ = example_b
    expected = "It resolved Yes. The crowd's Daily Brier on this question: 0.574 (0 best, 2 worst)."
    page = client.get(url(question)).content.decode()
    assert headline_of(page) == expected + " Every forecaster's scores"
    client.force_login(UserFactory())  # signed in, never forecast
    assert headline_of(client.get(url(question)).content.decode()).startswith(expected)


@pytest.mark.django_db
def test_the_other_rules_are_behind_a_disclosure(client, example_b):
    question, people = example_b
    client.force_login(people["kramer"])
    card = card_of(client.get(url(question)).content.decode())
    start = card.index('<details class="every-rule"')
    disclosure = card[start : card.index("</details>", start)]
    assert "<summary>" in disclosure
    assert re.findall(r'data-rule="(\w+)"', disclosure) == RULES
    # Nothing of the card stands outside it but its heading.
    assert 'data-rule="' not in card[:start]


@pytest.mark.django_db
def test_no_headline_on_a_question_not_resolved(client, question):
    assert 'data-testid="score-headline"' not in client.get(url(question)).content.decode()


@pytest.mark.parametrize(
    ("rows", "crowd", "expected"),
    [
        ({}, None, "It resolved No."),
        ({}, 0.4, "It resolved No. The crowd's Daily Brier on this question: 0.400"),
        ({"accuracy": 0.0, "daily_brier": 0.4}, 0.4, "Your Accuracy score +0.000: the same as"),
        ({"accuracy": None, "daily_brier": None}, 0.4, "It resolved No. The crowd's"),
    ],
)
def test_the_headline_in_every_case(rows, crowd, expected):
    from scoring.scorecard import headline

    mine = rows or None
    result = headline(mine=mine, community=None, crowd_mean=crowd, outcome="No")
    assert result.text.startswith(expected)
