from rest_framework.routers import SimpleRouter

from claims.api.views import ArticleViewSet, ClaimViewSet, OutletViewSet, SpeakerViewSet

router = SimpleRouter()
router.register("articles", ArticleViewSet, basename="article")
router.register("claims", ClaimViewSet, basename="claim")
router.register("speakers", SpeakerViewSet, basename="speaker")
router.register("outlets", OutletViewSet, basename="outlet")

urlpatterns = router.urls
