"""Staff pages, mounted at /manage/ with the namespace "manage"."""

from django.urls import path
from django.views.generic import RedirectView

from pages.views import manage as views

app_name = "manage"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="manage:resolutions"), name="index"),
    path("resolutions/", views.resolution_queue_view, name="resolutions"),
    path("questions/", views.question_manage_list, name="questions"),
    path("questions/new/", views.question_new, name="question_new"),
    path("questions/<slug:slug>/edit/", views.question_edit, name="question_edit"),
    path("questions/<slug:slug>/publish/", views.question_publish_view, name="question_publish"),
    path("questions/<slug:slug>/resolve/", views.question_resolve_view, name="question_resolve"),
    path("likelihood-tables/", views.likelihood_tables_view, name="likelihood_tables"),
    path(
        "questions/<slug:slug>/clarifications/",
        views.clarification_add_view,
        name="clarification_add",
    ),
]
