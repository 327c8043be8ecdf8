from django.urls import path

from discussion.api.views import (
    CommentModerateView,
    CommentView,
    CommentVoteView,
    QuestionCommentsView,
    RationaleFeedView,
)

urlpatterns = [
    path(
        "questions/<slug:slug>/comments/",
        QuestionCommentsView.as_view(),
        name="question-comments",
    ),
    path("comments/<int:pk>/", CommentView.as_view(), name="comment-detail"),
    path("comments/<int:pk>/vote/", CommentVoteView.as_view(), name="comment-vote"),
    path("comments/<int:pk>/hide/", CommentModerateView.as_view(hide=True), name="comment-hide"),
    path(
        "comments/<int:pk>/unhide/",
        CommentModerateView.as_view(hide=False),
        name="comment-unhide",
    ),
    path("rationales/", RationaleFeedView.as_view(), name="rationales"),
]
