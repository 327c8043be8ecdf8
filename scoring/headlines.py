"""The one sentence the leaderboard and My record open with: where the reader stands under
the board's rule (or who leads it), and a forecaster's score set against the crowd's on
the same questions. Pure text from what the pages already read; no queries."""

from __future__ import annotations

from common.text import in_words
from scoring import registry
from scoring.registry import ACCURACY, DAILY_BRIER
from scoring.scorecard import fmt, ordinal
from scoring.selectors import LeaderboardPage, LeaderboardRow, RuleStanding

BOARD_PLACES = 3


def _compare(rule: registry.Rule, mine: float, other: float) -> str:
    """ "better than", "worse than" or "the same as", as the figures are written here
    (`Rule.compare` reads them at the rule's own places, one for a peer score)."""
    if round(mine, BOARD_PLACES) == round(other, BOARD_PLACES):
        return "the same as"
    return "better than" if (mine < other) == rule.lower_is_better else "worse than"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _figure(rule: registry.Rule, row: LeaderboardRow) -> str:
    """The row's figure under the rule; a rule totalled over coverage adds its plain mean
    per question, which reads like one question's score."""
    # Three decimals, as the board's columns write them (a total over coverage is small).
    figure = fmt(rule, row.value, places=BOARD_PLACES)
    if rule.divides_by_coverage and row.per_question_mean is not None:
        mean = fmt(rule, row.per_question_mean, places=BOARD_PLACES)
        figure += f" ({mean} per question on average)"
    return figure


def _against_crowd(
    rule: registry.Rule, row: LeaderboardRow, community: LeaderboardRow | None
) -> str:
    """ ": better than the crowd" (a rule measured against the crowd, which scores 0 on it)
    or the community forecast's figure beside it; "" with nothing to compare."""
    if rule is ACCURACY:
        return f": {_compare(rule, row.value, 0.0)} the crowd"
    if community is None:
        return ""
    comparison = _compare(rule, row.value, community.value)
    theirs = fmt(rule, community.value, places=BOARD_PLACES)
    return f": {comparison} the community forecast's {theirs}"


def leaderboard_headline(*, board: LeaderboardPage, mine: LeaderboardRow | None) -> str:
    """Where the signed-in reader stands on the board, `mine` being their row wherever it
    falls ("You rank 2nd of 14 by Accuracy score with −0.120: better than the crowd."),
    or, for anyone not on it, who leads it; "" for an empty board. The rule is the
    board's (the registry's default unless another was asked for)."""
    rule = board.rule
    if mine is not None and mine.rank is not None:
        return (
            f"You rank {ordinal(mine.rank)} of {board.ranked} by {rule.label} with "
            f"{_figure(rule, mine)}{_against_crowd(rule, mine, board.community)}."
        )
    if mine is not None:
        short = max(board.min_questions - mine.questions, 0)
        return (
            f"You have {_plural(mine.questions, 'scored question')}, {short} short of the "
            f"{board.min_questions} needed for a rank by {rule.label}; your figure: "
            f"{_figure(rule, mine)}."
        )
    leaders = [row for row in board.rows if row.rank == 1]
    if not leaders:
        if board.ranked:
            return f"{_plural(board.ranked, 'forecaster')} ranked by {rule.label}."
        return ""
    verb = "leads" if len(leaders) == 1 else "share the lead of"
    lead = leaders[0]
    return (
        f"{in_words([row.username for row in leaders])} {verb} "
        f"{_plural(board.ranked, 'ranked forecaster')} by {rule.label} with "
        f"{_figure(rule, lead)}{_against_crowd(rule, lead, board.community)}."
    )


def record_headline(
    *, standing: RuleStanding, brier: float | None, crowd_brier: float | None, questions: int
) -> str:
    """My record's opening sentence: the forecaster's figure under the registry's default
    rule (the Accuracy score, which the crowd scores 0 on), then their mean Daily Brier
    beside the crowd's mean daily median Brier on the same `questions`; "" with no score
    yet."""
    rule = standing.rule
    if standing.value is None:
        return ""
    text = (
        f"Your {rule.label} {fmt(rule, standing.value)} over "
        f"{_plural(standing.questions, 'question')}"
    )
    if rule is ACCURACY:
        text += f": {rule.compare(standing.value, 0.0)} the crowd."
    else:
        text += f" ({rule.direction})."
    if brier is None or crowd_brier is None or not questions:
        return text
    return text + (
        f" Your {DAILY_BRIER.label} {fmt(DAILY_BRIER, brier)}: "
        f"{DAILY_BRIER.compare(brier, crowd_brier)} the crowd's "
        f"{fmt(DAILY_BRIER, crowd_brier)} on the same {_plural(questions, 'question')}."
    )
