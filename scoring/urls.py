from django.urls import path

from scoring import views

app_name = "scoring"
urlpatterns = [
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("scoring/", views.how_scoring_works, name="how_scoring_works"),
    path("calibration/", views.calibration, name="calibration"),
    path("analysis/questions/", views.analysis_questions, name="analysis_questions"),
    path("analysis/questions/<slug:slug>/", views.analysis_question, name="analysis_question"),
]
