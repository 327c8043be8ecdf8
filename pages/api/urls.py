from django.urls import path
from rest_framework.routers import SimpleRouter

from pages.api.profiles import ForecasterProfileView
from pages.api.views import QuestionViewSet

router = SimpleRouter()
router.register("questions", QuestionViewSet, basename="question")

urlpatterns = [
    *router.urls,
    path("forecasters/<str:username>/", ForecasterProfileView.as_view(), name="forecaster-profile"),
]
