"""A question's discussion: comments threaded one level deep, their upvotes, their edits
and their moderation. Nothing here is ever deleted: an edit keeps the earlier body
(CommentRevision), a moderator hides a comment with a reason (CommentModeration), and a
hidden comment keeps its place in its thread."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from forecasts.models import Forecast
from questions.models import Question

# The longest comment body, in characters, however it comes in.
MAX_BODY_CHARS = 10_000
# The longest moderation reason.
MAX_REASON_CHARS = 500


class Comment(models.Model):
    """One comment on a question, or a reply to one (`parent`, always a top-level comment:
    threads are one level deep).

    `forecast` is the forecast the author held on the question when writing: captured once,
    at write time, and never recomputed, so a comment keeps the probability it was written
    beside. `rationale_of` is set when the comment shares a forecast's rationale (its body
    is that rationale): the rationale feed lists those."""

    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="comments")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    forecast = models.ForeignKey(
        Forecast, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rationale_of = models.OneToOneField(
        Forecast,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shared_rationale",
    )
    upvotes = models.PositiveIntegerField(default=0)
    # The moderation in force, copied from the latest CommentModeration (the audit rows
    # are the record).
    hidden = models.BooleanField(default=False)
    hidden_reason = models.CharField(max_length=MAX_REASON_CHARS, blank=True)
    # Set once the reply and mention alerts are recorded; the pipeline's sweep records
    # those of comments left without (a lost message).
    alerts_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["question", "parent", "created_at", "id"]),
            models.Index(
                fields=["created_at", "id"],
                name="comment_rationale_recent",
                condition=Q(rationale_of__isnull=False),
            ),
            models.Index(
                fields=["created_at"],
                name="comment_alerts_pending",
                condition=Q(alerts_recorded_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden=False) | ~Q(hidden_reason=""),
                name="comment_hidden_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} by {self.author_id} on {self.question_id}"

    @property
    def is_rationale(self) -> bool:
        return self.rationale_of_id is not None


class CommentRevision(models.Model):
    """A body a comment had before an edit, kept so that every edit is on the record."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    # When this body was replaced.
    replaced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["comment", "replaced_at", "id"]

    def __str__(self) -> str:
        return f"revision of comment {self.comment_id} replaced at {self.replaced_at}"


class CommentVote(models.Model):
    """One upvote by one user on one comment."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="comment_votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="comment_vote_once")
        ]

    def __str__(self) -> str:
        return f"upvote of {self.user_id} on comment {self.comment_id}"


class CommentModeration(models.Model):
    """The moderation audit trail: who hid or unhid a comment, when and why."""

    class Action(models.TextChoices):
        HIDE = "hide", "Hidden"
        UNHIDE = "unhide", "Shown again"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="moderations")
    action = models.CharField(max_length=8, choices=Action.choices)
    reason = models.CharField(max_length=MAX_REASON_CHARS, blank=True)
    moderator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["comment", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action="hide") | ~Q(reason=""),
                name="comment_moderation_hide_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} of comment {self.comment_id} by {self.moderator_id}"
