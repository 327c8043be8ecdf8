from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView

from common.api_docs import RedocView, SwaggerUIView
from common.views import favicon, healthz

api_patterns: list[URLPattern | URLResolver] = [
    path("", include("pages.api.urls")),
    path("", include("questions.api.urls")),
    path("", include("forecasts.api.urls")),
    path("", include("scoring.api.urls")),
    path("track-records/", include("scoring.api.track_record_urls")),
    path("", include("accounts.api.urls")),
    path("", include("claims.api.urls")),
    path("", include("discussion.api.urls")),
    path("", include("notifications.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SwaggerUIView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", RedocView.as_view(url_name="api:schema"), name="redoc"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include((api_patterns, "api"))),
    path("accounts/", include("notifications.urls")),
    path("accounts/", include("accounts.urls")),
    path("", include("pages.forecast_urls")),
    path("", include("scoring.urls")),
    path("manage/", include("pages.manage_urls")),
    path("", include("pages.question_urls")),
    path("", include("pages.track_record_urls")),
    path("", include("discussion.urls")),
    path("", include("pages.profile_urls")),
    path("following/", include("notifications.following_urls")),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
]

handler400 = "common.views.bad_request"
handler404 = "common.views.page_not_found"
handler403 = "common.views.permission_denied"
handler500 = "common.views.server_error"
