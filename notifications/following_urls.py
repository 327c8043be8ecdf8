"""The following page and its forms, at /following/."""

from django.urls import path

from notifications import views

app_name = "following"
urlpatterns = [
    path("", views.following_dashboard, name="dashboard"),
    path("seen/", views.following_seen, name="seen"),
    path("preferences/", views.following_preferences, name="preferences"),
    path("questions/<slug:slug>/", views.follow_toggle, name="follow"),
]
