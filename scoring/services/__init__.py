"""Writes for scoring, by concept: scores, leaderboards, calibration, rebuilding dirty
scopes and fanned-out rescores. The names are re-exported here."""

from scoring.services.calibration import calibration_build
from scoring.services.leaderboards import leaderboard_build
from scoring.services.materialize import scope_rebuild, scopes_mark_closed, scopes_rebuild_dirty
from scoring.services.rescore import rescore_chunk_run, rescore_chunks_resend, rescore_run_start
from scoring.services.scores import (
    ScoringOutcome,
    community_user,
    question_score,
    questions_needing_scores,
    questions_score,
    scopes_mark_dirty,
)

__all__ = [
    "ScoringOutcome",
    "calibration_build",
    "community_user",
    "leaderboard_build",
    "question_score",
    "questions_needing_scores",
    "questions_score",
    "rescore_chunk_run",
    "rescore_chunks_resend",
    "rescore_run_start",
    "scope_rebuild",
    "scopes_mark_closed",
    "scopes_mark_dirty",
    "scopes_rebuild_dirty",
]
