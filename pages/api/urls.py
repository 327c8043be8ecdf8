from rest_framework.routers import SimpleRouter

from pages.api.views import QuestionViewSet

router = SimpleRouter()
router.register("questions", QuestionViewSet, basename="question")

urlpatterns = router.urls
