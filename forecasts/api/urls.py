from django.urls import path
from rest_framework.routers import SimpleRouter

from forecasts.api.views import ForecastImportView, ForecastViewSet

router = SimpleRouter()
router.register("forecasts", ForecastViewSet, basename="forecast")

urlpatterns = [
    *router.urls,
    path(
        "staff/import/forecasts/",
        ForecastImportView.as_view(),
        name="staff-import-forecasts",
    ),
]
