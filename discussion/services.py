"""Writes to a question's discussion. Every write is atomic; bad input is a
ValidationError naming the field, and acting on another's comment a
CommentPermissionDenied naming what is not allowed. Nothing is deleted: edits keep the
earlier body, moderation keeps an audit row, an upvote taken back removes only the vote."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from common import after_commit
from common.text import CONTROL_MESSAGE, control_character
from discussion.models import (
    MAX_BODY_CHARS,
    MAX_REASON_CHARS,
    Comment,
    CommentModeration,
    CommentRevision,
    CommentVote,
)
from discussion.rules import HIDDEN_UNTIL_FORECAST, comment_editable, discussion_visible
from forecasts.models import Forecast
from forecasts.selectors import standing_forecast_of
from questions.models import Question


class CommentPermissionDenied(PermissionDenied):
    """The user may not do this to this comment (403); `field` names what stands in the
    way, as a 400 would."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    @property
    def message_dict(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


def comment_body_clean(body: object, *, field: str = "body") -> str:
    if not isinstance(body, str):
        raise ValidationError({field: ["Write the comment as text."]})
    text = body.strip()
    if not text:
        raise ValidationError({field: ["Write something: the comment is empty."]})
    if len(text) > MAX_BODY_CHARS:
        raise ValidationError(
            {
                field: [
                    f"A comment is at most {MAX_BODY_CHARS:,} characters; this one has "
                    f"{len(text):,}."
                ]
            }
        )
    # The same rule as the API's parsers, so the web form refuses what the API does.
    if found := control_character(text):
        raise ValidationError({field: [CONTROL_MESSAGE.format(found)]})
    return text


def _writer_check(user: User) -> None:
    if not user.is_active or user.origin == User.Origin.SYSTEM:
        raise ValidationError({"author": ["This account cannot write comments."]})


def _question_check(question: Question, user: User, now: datetime) -> None:
    if question.is_draft:
        raise ValidationError({"question": ["A draft question takes no comments."]})
    if not discussion_visible(question=question, user=user, now=now):
        raise ValidationError({"question": [HIDDEN_UNTIL_FORECAST]})


def comment_post(
    *,
    author: User,
    question: Question,
    body: object,
    parent: Comment | None = None,
    now: datetime | None = None,
) -> Comment:
    """A new comment on `question`, or a reply to `parent`. Threads are one level deep: a
    reply to a reply joins the thread of the comment that reply answered. The forecast the
    author holds now is kept beside it for good."""
    now = now or timezone.now()
    text = comment_body_clean(body)
    _writer_check(author)
    _question_check(question, author, now)
    if parent is not None:
        if parent.question_id != question.pk:
            raise ValidationError({"parent": ["That comment is on another question."]})
        if parent.parent_id is not None:
            parent = Comment.objects.get(pk=parent.parent_id)
        if parent.hidden:
            raise ValidationError(
                {"parent": ["That comment was hidden by a moderator: it takes no replies."]}
            )
    with transaction.atomic():
        comment = Comment.objects.create(
            question=question,
            author=author,
            parent=parent,
            body=text,
            created_at=now,
            forecast=standing_forecast_of(user=author, question=question, at=now),
        )
        after_commit.comment_posted(comment_id=comment.pk)
    return comment


def _window_minutes() -> str:
    minutes = settings.FORESEER_COMMENT_EDIT_WINDOW.total_seconds() / 60
    return f"{minutes:g} minute{'' if minutes == 1 else 's'}"


def comment_edit(
    *, comment: Comment, by: User, body: object, now: datetime | None = None
) -> Comment:
    """Replace the body of `by`'s own comment within the edit window; the earlier body is
    kept (CommentRevision) and the comment is marked edited."""
    now = now or timezone.now()
    if comment.author_id != by.pk:
        raise CommentPermissionDenied("author", "Only its author may edit a comment.")
    text = comment_body_clean(body)
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if locked.hidden:
            raise ValidationError({"body": ["A comment hidden by a moderator cannot be edited."]})
        if not comment_editable(locked, now=now):
            raise ValidationError(
                {
                    "body": [
                        f"A comment can be edited for {_window_minutes()} after it is "
                        "written; this one's time has passed."
                    ]
                }
            )
        if text == locked.body:
            return locked
        CommentRevision.objects.create(comment=locked, body=locked.body, replaced_at=now)
        locked.body = text
        locked.edited_at = now
        locked.save(update_fields=["body", "edited_at"])
    comment.body, comment.edited_at = locked.body, locked.edited_at
    return locked


def comment_vote(*, comment: Comment, user: User, now: datetime | None = None) -> bool:
    """`user` upvotes `comment`; True if the vote is new (a second upvote adds nothing)."""
    now = now or timezone.now()
    if comment.author_id == user.pk:
        raise ValidationError({"comment": ["You cannot upvote your own comment."]})
    if comment.hidden:
        raise ValidationError({"comment": ["A hidden comment takes no upvotes."]})
    _question_check(comment.question, user, now)
    try:
        with transaction.atomic():
            _vote, created = CommentVote.objects.get_or_create(
                comment=comment, user=user, defaults={"created_at": now}
            )
            if created:
                Comment.objects.filter(pk=comment.pk).update(upvotes=F("upvotes") + 1)
    except IntegrityError:
        # Another request of the same user's stored it first.
        return False
    return created


def comment_unvote(*, comment: Comment, user: User) -> bool:
    """`user` takes back their upvote; True if there was one."""
    with transaction.atomic():
        deleted, _ = CommentVote.objects.filter(comment=comment, user=user).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk, upvotes__gt=0).update(upvotes=F("upvotes") - 1)
    return bool(deleted)


def _moderator_check(by: User) -> None:
    if not by.is_staff:
        raise CommentPermissionDenied("moderator", "Only staff moderate comments.")


def _reason_clean(reason: object, *, required: bool) -> str:
    text = reason.strip() if isinstance(reason, str) else ""
    if required and not text:
        raise ValidationError({"reason": ["Say why the comment is hidden."]})
    if len(text) > MAX_REASON_CHARS:
        raise ValidationError({"reason": [f"A reason is at most {MAX_REASON_CHARS} characters."]})
    return text


def comment_hide(
    *, comment: Comment, by: User, reason: object, now: datetime | None = None
) -> Comment:
    """Staff hide a comment, saying why; the row of who, when and why is kept. A hidden
    comment keeps its place: readers see that it was hidden and the reason."""
    _moderator_check(by)
    text = _reason_clean(reason, required=True)
    return _moderate(comment, by, CommentModeration.Action.HIDE, text, now)


def comment_unhide(
    *, comment: Comment, by: User, reason: object = "", now: datetime | None = None
) -> Comment:
    """Staff show a hidden comment again; the audit trail keeps the hiding and this."""
    _moderator_check(by)
    text = _reason_clean(reason, required=False)
    return _moderate(comment, by, CommentModeration.Action.UNHIDE, text, now)


def _moderate(
    comment: Comment, by: User, action: str, reason: str, now: datetime | None
) -> Comment:
    """Record the moderation in the audit trail and set the comment's state to match, under
    the comment's row lock. Showing a comment that is not hidden is refused."""
    now = now or timezone.now()
    hide = action == CommentModeration.Action.HIDE
    with transaction.atomic():
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        if not hide and not locked.hidden:
            raise ValidationError({"comment": ["This comment is not hidden."]})
        CommentModeration.objects.create(
            comment=locked, action=action, reason=reason, moderator=by, created_at=now
        )
        locked.hidden = hide
        locked.hidden_reason = reason if hide else ""
        locked.save(update_fields=["hidden", "hidden_reason"])
    return locked


def rationale_share(*, forecast: Forecast, by: User, now: datetime | None = None) -> Comment:
    """Share the rationale of `by`'s own forecast to its question's discussion, once: the
    comment's body is the rationale, and the forecast beside it is that forecast."""
    now = now or timezone.now()
    if forecast.user_id != by.pk:
        raise CommentPermissionDenied("forecast", "Only its forecaster may share a rationale.")
    _writer_check(by)
    if not forecast.rationale.strip():
        raise ValidationError({"forecast": ["This forecast has no rationale to share."]})
    text = comment_body_clean(forecast.rationale, field="forecast")
    question = forecast.question
    _question_check(question, by, now)
    if Comment.objects.filter(rationale_of=forecast).exists():
        raise ValidationError({"forecast": ["This rationale is already in the discussion."]})
    try:
        with transaction.atomic():
            comment = Comment.objects.create(
                question=question,
                author=by,
                body=text,
                created_at=now,
                forecast=forecast,
                rationale_of=forecast,
            )
            after_commit.comment_posted(comment_id=comment.pk)
    except IntegrityError:
        raise ValidationError(
            {"forecast": ["This rationale is already in the discussion."]}
        ) from None
    return comment
