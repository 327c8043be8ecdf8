from django.urls import path

from scoring.api.views import QuestionScoresView, ScoreExportView

urlpatterns = [
    path(
        "questions/<slug:slug>/scores/",
        QuestionScoresView.as_view(),
        name="question-scores",
    ),
    path("staff/export/scores/", ScoreExportView.as_view(), name="staff-export-scores"),
]
