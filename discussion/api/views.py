"""The discussion's API. Anyone reads what the hiding rule lets them (a question that hides
its community forecast until you forecast hides its discussion too: 403 naming
`question`); signed-in forecasters write; staff moderate. Writes count against the
`comments` rate limit per user; refusals name the field."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAdminUser, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle

from accounts.signed_in import signed_in_user
from common.api import refuse_unknown_parameters, slug_parameter
from common.pagination import BoundedLimitOffsetPagination
from common.parsers import StrictFormParser, StrictJSONParser
from common.throttling import RETRY_AFTER, THROTTLED
from discussion.api.serializers import (
    CommentCreateSerializer,
    CommentEditSerializer,
    CommentSerializer,
    RationaleSerializer,
    RationaleShareSerializer,
    ReasonSerializer,
    ThreadSerializer,
)
from discussion.models import Comment
from discussion.rules import HIDDEN_UNTIL_FORECAST, discussion_visible
from discussion.selectors import (
    SORT_NEWEST,
    SORTS,
    comment_with_related,
    question_threads,
    rationale_feed,
    readable_comment,
    voted_by,
)
from discussion.services import (
    CommentPermissionDenied,
    comment_edit,
    comment_hide,
    comment_post,
    comment_unhide,
    comment_unvote,
    comment_vote,
    rationale_share,
)
from forecasts.models import Forecast
from questions.models import Question

FIELD_ERRORS = OpenApiResponse(description='Errors keyed by field: {"body": ["..."]}.')
HIDDEN = OpenApiResponse(
    description='The discussion is hidden from you until you forecast: {"detail": "...", '
    '"question": ["..."]}.'
)
PAGING = ("limit", "offset")


def _forbidden(field: str, message: str) -> exceptions.PermissionDenied:
    """A 403 that names what stands in the way, as a 400 would, beside DRF's `detail`."""
    return exceptions.PermissionDenied(detail={"detail": message, field: [message]})


def _refused(error: CommentPermissionDenied) -> exceptions.PermissionDenied:
    return _forbidden(error.field, error.message)


def _question(request: Request, slug: str) -> Question:
    return get_object_or_404(Question.objects.visible_to(request.user), slug=slug)


def _readable(request: Request, question: Question) -> None:
    if not discussion_visible(question=question, user=request.user, now=timezone.now()):
        raise _forbidden("question", HIDDEN_UNTIL_FORECAST)


def _comment(request: Request, pk: int) -> Comment:
    """The comment, if its question is visible to the user and its discussion readable."""
    found = readable_comment(user=request.user, comment_id=pk)
    if found is None:
        raise exceptions.NotFound()
    if not found.readable:
        raise _forbidden("question", HIDDEN_UNTIL_FORECAST)
    return found.comment


class ThreadPagination(BoundedLimitOffsetPagination):
    """Threads come with their replies: a smaller page than the API's other lists."""

    default_limit = 20
    max_limit = 100


class WritesThrottled(GenericAPIView):
    throttle_scope = "comments"
    parser_classes = [StrictJSONParser, StrictFormParser]

    def get_throttles(self) -> list[BaseThrottle]:
        return [] if self.request.method in ("GET", "HEAD", "OPTIONS") else super().get_throttles()


class QuestionCommentsView(WritesThrottled):
    """A question's discussion: its threads, oldest first, each with its replies."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = ThreadSerializer
    pagination_class = ThreadPagination

    def get_queryset(self) -> QuerySet[Comment]:
        return Comment.objects.none()

    @extend_schema(
        summary="A question's comments, in threads",
        parameters=[slug_parameter("question")],
        responses={200: ThreadSerializer(many=True), 403: HIDDEN},
    )
    def get(self, request: Request, slug: str) -> Response:
        refuse_unknown_parameters(request, PAGING)
        question = _question(request, slug)
        _readable(request, question)
        page = self.paginate_queryset(question_threads(question=question))
        threads = list(page or [])
        context = {"request": request, "voted": voted_by(user=request.user, comments=threads)}
        return self.get_paginated_response(
            ThreadSerializer(threads, many=True, context=context).data
        )

    @extend_schema(
        summary="Comment on a question, or reply to a comment",
        description=(
            "The body is Markdown (rendered and sanitised in `body_html`). The forecast you "
            "hold on the question now is kept beside the comment. Mention a forecaster with "
            "`@username` to alert them; a reply alerts the author of the comment it answers."
        ),
        parameters=[slug_parameter("question"), RETRY_AFTER],
        request=CommentCreateSerializer,
        responses={201: CommentSerializer, 400: FIELD_ERRORS, 403: HIDDEN, 429: THROTTLED},
    )
    def post(self, request: Request, slug: str) -> Response:
        question = _question(request, slug)
        # Writing to a discussion you cannot read is refused as reading it is (403).
        _readable(request, question)
        data = CommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        parent = None
        parent_id = data.validated_data.get("parent")
        if parent_id is not None:
            parent = Comment.objects.filter(pk=parent_id).first()
            if parent is None:
                raise exceptions.ValidationError({"parent": ["There is no such comment."]})
        comment = comment_post(
            author=signed_in_user(request.user),
            question=question,
            body=data.validated_data["body"],
            parent=parent,
        )
        comment = comment_with_related(comment_id=comment.pk) or comment
        return Response(
            CommentSerializer(comment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class CommentView(WritesThrottled):
    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = CommentSerializer

    def get_queryset(self) -> QuerySet[Comment]:
        return Comment.objects.none()

    def _answer(self, request: Request, comment: Comment, code: int = 200) -> Response:
        context = {"request": request, "voted": voted_by(user=request.user, comments=[comment])}
        return Response(CommentSerializer(comment, context=context).data, status=code)

    @extend_schema(summary="One comment", responses={200: CommentSerializer, 403: HIDDEN})
    def get(self, request: Request, pk: int) -> Response:
        refuse_unknown_parameters(request, ())
        return self._answer(request, _comment(request, pk))

    @extend_schema(
        summary="Edit your comment (within the edit window)",
        description=(
            "Only the author edits, and only for FORESEER_COMMENT_EDIT_WINDOW after "
            "writing (15 minutes unless configured); the comment is then marked edited and "
            "its earlier body kept."
        ),
        parameters=[RETRY_AFTER],
        request=CommentEditSerializer,
        responses={200: CommentSerializer, 400: FIELD_ERRORS, 403: FIELD_ERRORS, 429: THROTTLED},
    )
    def patch(self, request: Request, pk: int) -> Response:
        comment = _comment(request, pk)
        data = CommentEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            comment_edit(
                comment=comment, by=signed_in_user(request.user), body=data.validated_data["body"]
            )
        except CommentPermissionDenied as error:
            raise _refused(error) from None
        return self._answer(request, comment_with_related(comment_id=pk) or comment)


class CommentVoteView(WritesThrottled):
    permission_classes = [IsAuthenticated]
    serializer_class = CommentSerializer

    def get_queryset(self) -> QuerySet[Comment]:
        return Comment.objects.none()

    def _answer(self, request: Request, pk: int, code: int) -> Response:
        comment = comment_with_related(comment_id=pk)
        if comment is None:
            raise exceptions.NotFound()
        context = {"request": request, "voted": voted_by(user=request.user, comments=[comment])}
        return Response(CommentSerializer(comment, context=context).data, status=code)

    @extend_schema(
        summary="Upvote a comment",
        request=None,
        parameters=[RETRY_AFTER],
        responses={
            200: CommentSerializer,
            201: CommentSerializer,
            400: FIELD_ERRORS,
            429: THROTTLED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        comment = _comment(request, pk)
        created = comment_vote(comment=comment, user=signed_in_user(request.user))
        return self._answer(request, pk, status.HTTP_201_CREATED if created else 200)

    @extend_schema(
        summary="Take back your upvote",
        request=None,
        parameters=[RETRY_AFTER],
        responses={200: CommentSerializer, 429: THROTTLED},
    )
    def delete(self, request: Request, pk: int) -> Response:
        comment = _comment(request, pk)
        comment_unvote(comment=comment, user=signed_in_user(request.user))
        return self._answer(request, pk, 200)


class CommentModerateView(WritesThrottled):
    permission_classes = [IsAdminUser]
    serializer_class = CommentSerializer
    hide = True

    def get_queryset(self) -> QuerySet[Comment]:
        return Comment.objects.none()

    @extend_schema(
        summary="Hide or show again a comment (staff)",
        description="Hiding requires a `reason`, shown in the comment's place; every "
        "moderation is kept in the comment's audit trail.",
        request=ReasonSerializer,
        parameters=[RETRY_AFTER],
        responses={
            200: CommentSerializer,
            400: FIELD_ERRORS,
            403: OpenApiResponse(description="Not staff."),
            429: THROTTLED,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        comment = _comment(request, pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = comment_hide if self.hide else comment_unhide
        try:
            action(
                comment=comment,
                by=signed_in_user(request.user),
                reason=data.validated_data["reason"],
            )
        except CommentPermissionDenied as error:
            raise _refused(error) from None
        comment = comment_with_related(comment_id=pk) or comment
        return Response(CommentSerializer(comment, context={"request": request}).data)


class RationaleFeedView(WritesThrottled):
    """Forecasters' rationales shared to the discussions."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    serializer_class = RationaleSerializer

    def get_queryset(self) -> QuerySet[Comment]:
        return Comment.objects.none()

    @extend_schema(
        summary="The rationale feed",
        parameters=[
            OpenApiParameter(
                "sort",
                str,
                enum=list(SORTS),
                description="`newest` (the default) or `upvoted` (most upvoted first).",
            ),
            OpenApiParameter("question", str, description="Only this question's (its slug)."),
        ],
        responses={200: RationaleSerializer(many=True), 400: FIELD_ERRORS},
    )
    def get(self, request: Request) -> Response:
        refuse_unknown_parameters(request, ("sort", "question", *PAGING))
        sort = request.query_params.get("sort") or SORT_NEWEST
        if sort not in SORTS:
            raise exceptions.ValidationError({"sort": [f"One of {', '.join(SORTS)}."]})
        question = None
        slug = request.query_params.get("question")
        if slug:
            question = Question.objects.visible_to(request.user).filter(slug=slug).first()
            if question is None:
                raise exceptions.ValidationError({"question": ["There is no such question."]})
        feed = rationale_feed(user=request.user, sort=sort, question=question, now=timezone.now())
        page = self.paginate_queryset(feed)
        comments = list(page or [])
        context = {"request": request, "voted": voted_by(user=request.user, comments=comments)}
        return self.get_paginated_response(
            RationaleSerializer(comments, many=True, context=context).data
        )

    @extend_schema(
        summary="Share your forecast's rationale to its question's discussion",
        request=RationaleShareSerializer,
        parameters=[RETRY_AFTER],
        responses={201: RationaleSerializer, 400: FIELD_ERRORS, 429: THROTTLED},
    )
    def post(self, request: Request) -> Response:
        data = RationaleShareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = signed_in_user(request.user)
        forecast = (
            Forecast.objects.select_related("question")
            .filter(pk=data.validated_data["forecast"], user=user)
            .first()
        )
        if forecast is None:
            raise exceptions.ValidationError({"forecast": ["You have no such forecast."]})
        try:
            comment = rationale_share(forecast=forecast, by=user)
        except CommentPermissionDenied as error:
            raise _refused(error) from None
        comment = comment_with_related(comment_id=comment.pk) or comment
        return Response(
            RationaleSerializer(comment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )
