from django.urls import path

from notifications.api.views import (
    AlertListView,
    AlertPreferencesView,
    AlertsReadView,
    FollowingView,
    FollowView,
)

urlpatterns = [
    path("following/", FollowingView.as_view(), name="following"),
    path("questions/<slug:slug>/follow/", FollowView.as_view(), name="question-follow"),
    path("alerts/", AlertListView.as_view(), name="alert-list"),
    path("alerts/read/", AlertsReadView.as_view(), name="alerts-read"),
    path("alert-preferences/", AlertPreferencesView.as_view(), name="alert-preferences"),
]
