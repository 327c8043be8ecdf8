"""Staff pages, mounted at /manage/ with the namespace "manage"."""

from django.urls import path
from django.views.generic import RedirectView

from pages.views import manage as views
from pages.views import manage_articles as articles

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
    path("articles/", articles.article_list, name="articles"),
    path("articles/new/", articles.article_add, name="article_add"),
    path("articles/new/save/", articles.article_save, name="article_save"),
    path("articles/<slug:slug>/", articles.article_review, name="article_review"),
    path("articles/<slug:slug>/propose/", articles.article_propose, name="article_propose"),
    path("claims/<int:pk>/accept/", articles.claim_accept_view, name="claim_accept"),
    path("claims/<int:pk>/edit/", articles.claim_edit_view, name="claim_edit"),
    path("claims/<int:pk>/dismiss/", articles.claim_dismiss_view, name="claim_dismiss"),
    path("claims/<int:pk>/draft/", articles.claim_draft_view, name="claim_draft"),
]
