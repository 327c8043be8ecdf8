from django.urls import path

from scoring.api.views import (
    CalibrationView,
    CommunityHistoryView,
    LeaderboardView,
    QuestionScoresView,
    ScoreExportView,
)

urlpatterns = [
    path(
        "questions/<slug:slug>/scores/",
        QuestionScoresView.as_view(),
        name="question-scores",
    ),
    path(
        "questions/<slug:slug>/community/",
        CommunityHistoryView.as_view(),
        name="question-community",
    ),
    path("leaderboards/", LeaderboardView.as_view(), name="leaderboard"),
    path("calibration/", CalibrationView.as_view(), name="calibration"),
    path("staff/export/scores/", ScoreExportView.as_view(), name="staff-export-scores"),
]
