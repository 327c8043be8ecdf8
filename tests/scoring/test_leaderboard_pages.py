"""Ranks when the line is moved for one request: computed from the page's positions, they
must be the competition ranks (1, 2, 2, 2, 5) of the whole board, ties across page
boundaries included."""

from __future__ import annotations

import pytest

from scoring import registry
from scoring.models import LeaderboardEntry
from scoring.scopes import Scope
from scoring.selectors import leaderboard_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# (username, value, questions): lower is better for the accuracy rule.
BOARD = [
    ("ann", 0.1, 5),
    ("bob", 0.2, 5),
    ("cid", 0.2, 5),
    ("dee", 0.2, 5),
    ("eve", 0.3, 5),
    ("fay", -0.9, 1),  # best value, but below a line of 2 questions
]


@pytest.fixture
def board() -> None:
    for username, value, questions in BOARD:
        LeaderboardEntry.objects.create(
            scope="all",
            rule=registry.ACCURACY.key,
            user=UserFactory(username=username),
            rank=None,
            value=value,
            questions=questions,
            coverage=1.0,
        )


@pytest.mark.parametrize("limit", [1, 2, 3, 10])
def test_pages_of_any_size_give_the_competition_ranks(board, limit):
    seen = []
    for offset in range(0, len(BOARD), limit):
        page = leaderboard_for(
            scope=Scope.parse("all"),
            rule=registry.ACCURACY,
            min_questions=2,
            offset=offset,
            limit=limit,
        )
        seen += [(row.username, row.rank) for row in page.rows]
    assert seen == [
        ("ann", 1),
        ("bob", 2),
        ("cid", 2),
        ("dee", 2),
        ("eve", 5),
        ("fay", None),  # below the line, listed after the ranked users
    ]


def test_higher_is_better_rules_rank_the_other_way(board):
    LeaderboardEntry.objects.filter(rule=registry.ACCURACY.key).update(rule=registry.PEER.key)
    page = leaderboard_for(scope=Scope.parse("all"), rule=registry.PEER, min_questions=2, limit=10)
    assert [(row.username, row.rank) for row in page.rows] == [
        ("eve", 1),
        ("bob", 2),
        ("cid", 2),
        ("dee", 2),
        ("ann", 5),
        ("fay", None),
    ]
