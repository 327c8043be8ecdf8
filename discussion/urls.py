from django.urls import path

from discussion import views

app_name = "discussion"
urlpatterns = [
    path("discussion/", views.rationale_feed_view, name="feed"),
    path("questions/<slug:slug>/comments/", views.comment_post_view, name="post"),
    path("discussion/comments/<int:pk>/edit/", views.comment_edit_view, name="edit"),
    path("discussion/comments/<int:pk>/vote/", views.comment_vote_view, name="vote"),
    path(
        "discussion/comments/<int:pk>/hide/",
        views.comment_moderate_view,
        {"hide": True},
        name="hide",
    ),
    path(
        "discussion/comments/<int:pk>/unhide/",
        views.comment_moderate_view,
        {"hide": False},
        name="unhide",
    ),
    path("discussion/forecasts/<int:pk>/share/", views.rationale_share_view, name="share"),
]
