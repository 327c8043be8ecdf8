"""What a comment hidden by a moderator refuses, each refusal naming its field, with
nothing written: a reply, an upvote, an edit by its author; and showing a comment that
is not hidden."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from discussion.models import Comment, CommentModeration, CommentRevision, CommentVote
from discussion.services import (
    comment_edit,
    comment_hide,
    comment_post,
    comment_unhide,
    comment_vote,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hidden(ana, moderator, question):
    comment = comment_post(author=ana, question=question, body="Rude words")
    return comment_hide(comment=comment, by=moderator, reason="Personal attack")


def refused(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return error.value.message_dict


def test_a_hidden_comment_takes_no_replies(hidden, bob, question):
    with pytest.raises(ValidationError) as error:
        comment_post(author=bob, question=question, body="And yet", parent=hidden)
    assert refused(error) == {
        "parent": ["That comment was hidden by a moderator: it takes no replies."]
    }
    assert Comment.objects.count() == 1


def test_a_hidden_comment_takes_no_upvotes(hidden, bob):
    with pytest.raises(ValidationError) as error:
        comment_vote(comment=hidden, user=bob)
    assert refused(error) == {"comment": ["A hidden comment takes no upvotes."]}
    assert not CommentVote.objects.exists()


def test_its_author_cannot_edit_a_hidden_comment(hidden, ana):
    with pytest.raises(ValidationError) as error:
        comment_edit(comment=hidden, by=ana, body="Kind words")
    assert refused(error) == {"body": ["A comment hidden by a moderator cannot be edited."]}
    hidden.refresh_from_db()
    assert hidden.body == "Rude words" and not CommentRevision.objects.exists()


def test_showing_a_comment_that_is_not_hidden_is_refused(hidden, moderator):
    comment_unhide(comment=hidden, by=moderator)
    with pytest.raises(ValidationError) as error:
        comment_unhide(comment=hidden, by=moderator)
    assert refused(error) == {"comment": ["This comment is not hidden."]}
    assert list(CommentModeration.objects.values_list("action", flat=True).order_by("id")) == [
        CommentModeration.Action.HIDE,
        CommentModeration.Action.UNHIDE,
    ]
