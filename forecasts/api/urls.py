from django.urls import path
from rest_framework.routers import SimpleRouter

from forecasts.api.views import (
    ForecastImportView,
    ForecastReaffirmView,
    ForecastViewSet,
    ForecastWithdrawView,
)

router = SimpleRouter()
router.register("forecasts", ForecastViewSet, basename="forecast")

urlpatterns = [
    *router.urls,
    path(
        "staff/import/forecasts/",
        ForecastImportView.as_view(),
        name="staff-import-forecasts",
    ),
    path(
        "questions/<slug:slug>/withdraw/",
        ForecastWithdrawView.as_view(),
        name="question-withdraw",
    ),
    path(
        "questions/<slug:slug>/reaffirm/",
        ForecastReaffirmView.as_view(),
        name="question-reaffirm",
    ),
]
