from django.urls import path
from rest_framework.routers import SimpleRouter

from questions.api.views import QuestionImportView, QuestionViewSet

router = SimpleRouter()
router.register("questions", QuestionViewSet, basename="question")

urlpatterns = [
    *router.urls,
    path("staff/import/questions/", QuestionImportView.as_view(), name="staff-import-questions"),
]
