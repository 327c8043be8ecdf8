"""The discussion's web pages and forms: the rationale feed, and the forms of the question
page's discussion section (comment, reply, edit, upvote, share a rationale, and staff's
hide and show). Every form posts and comes back to the comment on the question page; a
refused comment or edit is shown again with its error (400)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.signed_in import signed_in_user
from common.forms import add_service_errors
from common.throttling import throttle_posts
from discussion.forms import CommentEditForm, CommentForm
from discussion.models import Comment
from discussion.rules import comment_editable
from discussion.selectors import (
    SORT_NEWEST,
    SORT_UPVOTED,
    SORTS,
    rationale_feed,
    readable_comment,
    voted_by,
)
from discussion.services import (
    comment_edit,
    comment_hide,
    comment_post,
    comment_unhide,
    comment_unvote,
    comment_vote,
    rationale_share,
)
from discussion.text import comment_path
from forecasts.models import Forecast
from questions.models import Question

FEED_PER_PAGE = 25


def _question_url(question: Question) -> str:
    return reverse("questions:detail", args=[question.slug]) + "#discussion"


def _comment_for(request: HttpRequest, pk: int) -> Comment:
    found = readable_comment(user=request.user, comment_id=pk)
    if found is None or not found.readable:
        raise Http404("No such comment.")
    return found.comment


def _service_refusal(request: HttpRequest, error: ValidationError) -> None:
    for text in error.messages:
        messages.error(request, text)


@require_POST
@throttle_posts("comments")
def comment_post_view(request: HttpRequest, slug: str) -> HttpResponse:
    question = get_object_or_404(Question.objects.visible_to(request.user), slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(_question_url(question))
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        parent_id = form.cleaned_data.get("parent")
        if parent_id:
            parent = Comment.objects.filter(pk=parent_id).first()
        try:
            if parent_id and parent is None:
                raise ValidationError({"parent": ["There is no such comment."]})
            comment = comment_post(
                author=signed_in_user(request.user),
                question=question,
                body=form.cleaned_data["body"],
                parent=parent,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Comment posted.")
            return redirect(comment_path(comment))
    context = {"question": question, "form": form}
    return render(request, "discussion/comment_form.html", context, status=400)


@login_required
@throttle_posts("comments")
def comment_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    user = signed_in_user(request.user)
    if comment.author_id != user.pk:
        raise Http404("No such comment of yours.")
    status = 200
    if request.method == "POST":
        form = CommentEditForm(request.POST)
        if form.is_valid():
            try:
                comment_edit(comment=comment, by=user, body=form.cleaned_data["body"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Comment edited.")
                return redirect(comment_path(comment))
        status = 400
    else:
        form = CommentEditForm(initial={"body": comment.body})
    context = {
        "comment": comment,
        "question": comment.question,
        "form": form,
        "editable": comment_editable(comment, now=timezone.now()),
    }
    return render(request, "discussion/comment_edit.html", context, status=status)


@require_POST
@login_required
@throttle_posts("comments")
def comment_vote_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_for(request, pk)
    user = signed_in_user(request.user)
    try:
        if request.POST.get("vote") == "remove":
            comment_unvote(comment=comment, user=user)
        else:
            comment_vote(comment=comment, user=user)
    except ValidationError as error:
        _service_refusal(request, error)
    return redirect(_back(request) or comment_path(comment))


def _back(request: HttpRequest) -> str | None:
    """Where a form asked to return (the rationale feed's upvotes), if it is on this site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_POST
@login_required
def comment_moderate_view(request: HttpRequest, pk: int, *, hide: bool) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404("No such page.")
    comment = _comment_for(request, pk)
    reason = request.POST.get("reason", "")
    action = comment_hide if hide else comment_unhide
    try:
        action(comment=comment, by=signed_in_user(request.user), reason=reason)
    except ValidationError as error:
        _service_refusal(request, error)
    else:
        messages.success(request, "Comment hidden." if hide else "Comment shown again.")
    return redirect(comment_path(comment))


@require_POST
@login_required
@throttle_posts("comments")
def rationale_share_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request.user)
    forecast = get_object_or_404(Forecast.objects.select_related("question"), pk=pk, user=user)
    try:
        comment = rationale_share(forecast=forecast, by=user)
    except ValidationError as error:
        _service_refusal(request, error)
        return redirect(_question_url(forecast.question))
    messages.success(request, "Your rationale is in the discussion.")
    return redirect(comment_path(comment))


def rationale_feed_view(request: HttpRequest) -> HttpResponse:
    sort = request.GET.get("sort") or SORT_NEWEST
    status = 200
    note = ""
    if sort not in SORTS:
        note = f"There is no sort {sort!r}; showing the newest first."
        sort, status = SORT_NEWEST, 400
    now = timezone.now()
    paginator = Paginator(rationale_feed(user=request.user, sort=sort, now=now), FEED_PER_PAGE)
    page_obj = paginator.get_page(request.GET.get("page"))
    comments = list(page_obj.object_list)
    context: dict[str, Any] = {
        "comments": comments,
        "page_obj": page_obj,
        "sort": sort,
        "sorts": [(SORT_NEWEST, "Newest"), (SORT_UPVOTED, "Most upvoted")],
        "discussion": {"voted": voted_by(user=request.user, comments=comments)},
        "note": note,
    }
    return render(request, "discussion/feed.html", context, status=status)
