"""The sentence the leaderboard and My record open with: where the reader ranks under the
board's rule, or who leads it; a forecaster's Accuracy score and Daily Brier beside the
crowd's on the same questions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scoring import registry, views
from scoring.headlines import leaderboard_headline, record_headline
from scoring.selectors import LeaderboardPage, LeaderboardRow, RuleStanding
from tests.clients import logged_in
from tests.factories import ForecastFactory, UserFactory
from tests.web.test_leaderboard import BOARD, scores  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

RECORD = "/me/record/"


def row(name: str, rank: int | None, value: float, **extra) -> LeaderboardRow:
    fields = {
        "total": None,
        "questions": 4,
        "coverage": 4.0,
        "ci_low": None,
        "ci_high": None,
        "rank_low": None,
        "rank_high": None,
        "per_question_mean": value,
    }
    fields.update(extra)
    return LeaderboardRow(rank=rank, username=name, is_community=False, value=value, **fields)


def board(rows: list[LeaderboardRow], *, rule=registry.ACCURACY, ranked: int = 14, community=None):
    return LeaderboardPage(
        scope="all",
        rule=rule,
        min_questions=3,
        rows=rows,
        ranked=ranked,
        total=ranked + 2,
        community=community,
        built_at=None,
        live=False,
        rank_intervals=True,
    )


ROWS = [row("cho", 1, -0.3), row("ana", 2, -0.12), row("ben", 3, 0.05)]


def headline(page: LeaderboardPage, me: str | None) -> str:
    """The headline for `me`, their row read from the page as the view does."""
    mine = next((row for row in page.rows if row.username == me), None)
    return leaderboard_headline(board=page, mine=mine)


def test_a_ranked_reader_reads_their_rank_and_the_crowd():
    text = headline(board(ROWS), "ana")
    assert text == "You rank 2nd of 14 by Accuracy score with −0.120: better than the crowd."
    text = headline(board(ROWS), "ben")
    assert text == "You rank 3rd of 14 by Accuracy score with +0.050: worse than the crowd."


def test_a_rule_totalled_over_coverage_adds_the_mean_per_question():
    rows = [row("ana", 1, 0.117, total=3.5, per_question_mean=0.875)]
    community = row("", None, 0.0, per_question_mean=0.0)
    text = headline(board(rows, rule=registry.PEER, ranked=4, community=community), "ana")
    assert text == (
        "You rank 1st of 4 by Peer score with +0.117 (+0.875 per question on average): "
        "better than the community forecast's +0.000."
    )


def test_figures_that_read_the_same_are_the_same():
    rows = [row("ana", 1, 0.04, total=1.2, per_question_mean=0.3)]
    community = row("", None, 0.0004, per_question_mean=0.0)
    text = headline(board(rows, rule=registry.PEER, community=community), "ana")
    assert text.endswith(": better than the community forecast's +0.000.")
    text = headline(board([row("ana", 1, -0.0002)]), "ana")
    assert text.endswith("with −0.000: the same as the crowd.")


def test_a_reader_below_the_line_reads_how_far_they_are():
    rows = [*ROWS, row("newcomer", None, -0.4, questions=1)]
    text = headline(board(rows), "newcomer")
    assert text == (
        "You have 1 scored question, 2 short of the 3 needed for a rank by Accuracy score; "
        "your figure: −0.400."
    )


@pytest.mark.parametrize("me", [None, "somebody-not-on-the-board"])
def test_anyone_else_reads_who_leads(me):
    text = headline(board(ROWS), me)
    assert (
        text
        == "cho leads 14 ranked forecasters by Accuracy score with −0.300: better than the crowd."
    )
    tied = [row("cho", 1, -0.3), row("dee", 1, -0.3), row("ana", 3, -0.12)]
    text = headline(board(tied), me)
    assert text.startswith("cho and dee share the lead of 14 ranked forecasters by Accuracy")


def test_an_empty_board_has_no_headline_and_a_page_without_the_leader_counts():
    assert headline(board([], ranked=0), None) == ""
    assert headline(board([ROWS[2]], ranked=3), None) == ("3 forecasters ranked by Accuracy score.")


def standing(value: float | None, questions: int = 2) -> RuleStanding:
    return RuleStanding(registry.ACCURACY, value, None, questions, 1.0, None, None)


def test_the_record_headline():
    assert record_headline(
        standing=standing(-0.088, 4), brier=0.277, crowd_brier=0.36, questions=4
    ) == (
        "Your Accuracy score −0.088 over 4 questions: better than the crowd. "
        "Your Daily Brier 0.277: better than the crowd's 0.360 on the same 4 questions."
    )
    # Without the crowd's figures, the Accuracy score alone; with no score, nothing.
    assert record_headline(
        standing=standing(0.1, 1), brier=None, crowd_brier=None, questions=0
    ) == ("Your Accuracy score +0.100 over 1 question: worse than the crowd.")
    assert (
        record_headline(standing=standing(None, 0), brier=None, crowd_brier=None, questions=0) == ""
    )


# --- On the pages -------------------------------------------------------------------------


def test_the_leaderboard_page_opens_with_the_headline(client, user_client, scores):  # noqa: F811
    page = client.get(BOARD).content.decode()
    assert 'data-testid="board-headline">ann leads 1 ranked forecaster by Accuracy score' in page
    # alice (signed in) is below the line of 3 questions with 2.
    page = user_client.get(BOARD).content.decode()
    assert "You have 2 scored questions, 1 short of the 3 needed for a rank" in page
    page = user_client.get(BOARD, {"min_questions": "1"}).content.decode()
    assert "You rank 3rd of 3 by Accuracy score with +0.200: worse than the crowd." in page


def test_a_reader_on_another_page_still_reads_their_rank(user_client, scores, monkeypatch):  # noqa: F811
    monkeypatch.setattr(views, "ROWS_PER_PAGE", 1)
    # Only ann's row is on the first page; alice's is read apart, at the stored line...
    response = user_client.get(BOARD)
    assert [row.username for row in response.context["board"].rows] == ["ann"]
    assert "You have 2 scored questions, 1 short of the 3 needed" in response.content.decode()
    # ... and ranked at another line, as the board ranks her.
    response = user_client.get(BOARD, {"min_questions": "1"})
    assert [row.username for row in response.context["board"].rows] == ["bob"]
    page = response.content.decode()
    assert "You rank 3rd of 3 by Accuracy score with +0.200: worse than the crowd." in page
    response = user_client.get(BOARD, {"min_questions": "1", "rule": "peer", "page": "3"})
    assert "You rank 3rd of 3 by Peer score with −0.133" in response.content.decode()
    # Someone not on the board reads who leads it.
    visitor = logged_in(UserFactory(username="zed"))
    page = visitor.get(BOARD, {"min_questions": "1"}).content.decode()
    assert "bob leads 3 ranked forecasters by Accuracy score with −0.500" in page


def test_the_leaderboard_explains_itself_behind_a_disclosure(client, scores):  # noqa: F811
    page = client.get(BOARD).content.decode()
    method = page[page.index('data-testid="board-method"') :]
    method = method[: method.index("</details>")]
    assert "<summary>How this board is computed</summary>" in method
    assert "95% bootstrap interval" in method


def test_my_record_opens_with_my_score_beside_the_crowds(user_client, user, past_question, resolve):
    # Daily Brier 2(1-p)^2: 0.9 -> 0.02, rival 0.5 -> 0.5: the crowd's median 0.26.
    # 0.4 -> 0.72, rival 0.8 -> 0.08: median 0.4. Accuracy (-0.24 + 0.32) / 2 = +0.04.
    for mine, theirs in ((0.9, 0.5), (0.4, 0.8)):
        question = past_question()
        start = question.open_time + timedelta(minutes=5)
        ForecastFactory(question=question, user=user, probability=mine, created_at=start)
        ForecastFactory(question=question, probability=theirs, created_at=start)
        resolve(question, "yes", known_at=question.open_time + timedelta(days=4))
    page = user_client.get(RECORD).content.decode()
    assert (
        'data-testid="record-headline">Your Accuracy score +0.040 over 2 questions: worse than '
        "the crowd. Your Daily Brier 0.370: worse than the crowd&#x27;s 0.330 on the same 2 "
        "questions.</p>"
    ) in page


def test_an_empty_record_has_no_headline(user_client):
    assert 'data-testid="record-headline"' not in user_client.get(RECORD).content.decode()
