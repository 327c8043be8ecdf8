"""Reads for scores, leaderboards and calibration, by concept. Materialized tables are
read in one query per page; what cannot be materialized (a custom date window, one
forecaster's calibration) is computed from the source rows on request. Nothing here
writes, and nothing here imports a service."""

from scoring.selectors.analysis import resolved_questions_for_analysis
from scoring.selectors.calibration import (
    Calibration,
    calibration_for,
    calibration_for_scope,
    calibration_for_user,
    calibration_of_scope,
    calibration_points,
    report_from_points,
    scope_forecasts,
)
from scoring.selectors.leaderboards import (
    LEADERBOARD_SORTS,
    BoardStanding,
    LeaderboardPage,
    LeaderboardRow,
    RuleStanding,
    ScopeScores,
    board_standings,
    leaderboard_for,
    leaderboard_row_of,
    leaderboard_sorted_for,
    rule_standings,
    rule_tables,
    scope_scores,
)
from scoring.selectors.scores import (
    COMMUNITY_USERNAME,
    ScoresPage,
    community_user_id,
    questions_forecast_unscored,
    scores_for_question,
    scores_for_user,
    scores_page_for_question,
)

__all__ = [
    "COMMUNITY_USERNAME",
    "LEADERBOARD_SORTS",
    "BoardStanding",
    "Calibration",
    "LeaderboardPage",
    "LeaderboardRow",
    "RuleStanding",
    "ScopeScores",
    "ScoresPage",
    "board_standings",
    "calibration_for",
    "calibration_for_scope",
    "calibration_for_user",
    "calibration_of_scope",
    "calibration_points",
    "community_user_id",
    "leaderboard_for",
    "leaderboard_row_of",
    "leaderboard_sorted_for",
    "questions_forecast_unscored",
    "report_from_points",
    "resolved_questions_for_analysis",
    "rule_standings",
    "rule_tables",
    "scope_forecasts",
    "scope_scores",
    "scores_for_question",
    "scores_for_user",
    "scores_page_for_question",
]
