"""Staff pages on the site itself: the resolution queue, resolving and
correcting with a confirmation step, clarifications, and authoring questions
as drafts that staff preview on the normal question page and then publish.

Views validate and shape; the rules are the services' (questions.services),
whose errors land on the field they name with a 400, and the reads are
questions.selectors'. Every page costs a fixed number of queries."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.signed_in import signed_in_user
from common import likelihood
from common.forms import add_service_errors
from forecasts.selectors import (
    forecast_counts_before_close,
    resolution_preview,
    resolution_queue,
)
from questions.forms import (
    ANCHOR_CHOICES,
    ANCHOR_PUBLICATION,
    DEFAULT_HORIZON,
    HORIZON_CHOICES,
    ArticlePassageForm,
    ClarificationForm,
    ManageResolveForm,
    QuestionDraftForm,
    article_draft_initial,
    article_draft_window,
    icd203_reading,
)
from questions.models import Question
from questions.selectors import (
    clarifications_for,
    drafts_for_authoring,
    latest_resolution_event_id,
    recently_published,
    recently_resolved,
    resolution_events_for,
)
from questions.services import (
    ResolutionChanged,
    clarification_add,
    question_draft_create,
    question_draft_update,
    question_publish,
    question_publish_check,
    question_resolve,
    question_resolve_check,
)

QUEUE_PER_PAGE = 50
DRAFTS_PER_PAGE = 50
RECENT_LIMIT = 20

View = Callable[..., HttpResponse]


def staff_required(view: View) -> View:
    """Anonymous visitors are sent to log in; signed-in forecasters get a 403
    (logging in again would not help them)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            # Answered here rather than raised: Django logs a raised PermissionDenied
            # with its traceback, and a forecaster opening a staff page is no error.
            return render(request, "403.html", {"exception": "This page is for staff."}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _detail_url(question: Question) -> str:
    return reverse("questions:detail", args=[question.slug])


# --- The resolution queue --------------------------------------------------------


@staff_required
def resolution_queue_view(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    page_obj = Paginator(resolution_queue(now=now), QUEUE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "question": question,
            "closed_for": timesince(question.scheduled_close_time, now, depth=1),
            "resolve_due_passed": question.scheduled_resolve_time <= now,
            "resolve_due": timesince(
                min(question.scheduled_resolve_time, now),
                max(question.scheduled_resolve_time, now),
                depth=1,
            ),
        }
        for question in page_obj.object_list
    ]
    context = {
        "rows": rows,
        "page_obj": page_obj,
        "recent": recently_resolved(limit=RECENT_LIMIT),
        "now": now,
    }
    return render(request, "pages/manage/resolution_queue.html", context)


# --- Resolving and correcting ---------------------------------------------------


@staff_required
def question_resolve_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Two steps: the form, then a confirmation that says what will happen and
    carries the data in hidden fields; every rule is checked again on confirm."""
    question = get_object_or_404(Question.objects.select_related("article__outlet"), slug=slug)
    events = resolution_events_for(question=question)
    latest_event = events[0].pk if events else 0
    context: dict[str, Any] = {"question": question, "events": events}

    if request.method != "POST":
        initial = ManageResolveForm.initial_for(question=question, latest_event=latest_event)
        return _resolve_form_page(request, ManageResolveForm(initial=initial), context)

    form = ManageResolveForm(request.POST)
    if "edit" in request.POST:
        # Back from the confirmation: the same values, editable again.
        return _resolve_form_page(request, form, context)
    if not form.is_valid():
        return _resolve_form_page(request, form, context, status=400)
    data = form.cleaned_data
    try:
        question_resolve_check(
            question=question,
            outcome=data["outcome"],
            known_at=data["known_at"],
            resolved_by=signed_in_user(request.user),
            evidence_links=data["evidence_links"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _resolve_form_page(request, form, context, status=400)

    stale = form.expected_latest_event() != latest_event
    if "confirm" in request.POST and not stale:
        previous = question.resolution
        try:
            event = question_resolve(
                question=question,
                outcome=data["outcome"],
                known_at=data["known_at"],
                resolved_by=signed_in_user(request.user),
                note=data["note"],
                evidence_links=data["evidence_links"],
                expected_latest_event=form.expected_latest_event(),
            )
        except ResolutionChanged:
            # Another resolver got there between this page's check and the lock. The
            # event is read before the question, so a third that lands in between is
            # caught on the next confirm rather than described against an older state.
            stale = True
            latest_event = latest_resolution_event_id(question=question)
            question.refresh_from_db()
        except ValidationError as error:
            add_service_errors(form, error)
            return _resolve_form_page(request, form, context, status=400)
        else:
            summary = (
                f"Corrected (was {Question.Resolution(previous).label}): "
                f"now {event.get_outcome_display()}"
                if previous
                else f"Resolved as {event.get_outcome_display()}"
            )
            scoring = "scoring has been queued" if question.is_scorable else "nothing is scored"
            messages.success(request, f"{summary}; {scoring}.")
            return redirect(_detail_url(question))

    if stale:
        # Someone resolved or corrected it since this was reviewed: describe the
        # change against the resolution now in force, and ask again.
        form = form.asked_again(latest_event=latest_event)
    preview = resolution_preview(
        question=question, outcome=data["outcome"], known_at=data["known_at"]
    )
    context.update(form=form, preview=preview, data=data, stale=stale)
    return render(
        request,
        "pages/manage/resolve_confirm.html",
        context,
        status=409 if stale and "confirm" in request.POST else 200,
    )


def _resolve_form_page(
    request: HttpRequest, form: ManageResolveForm, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    question: Question = context["question"]
    context = {**context, "form": form, "counts": forecast_counts_before_close(question=question)}
    return render(request, "pages/manage/resolve.html", context, status=status)


# --- Clarifications ----------------------------------------------------------------


@staff_required
def clarification_add_view(request: HttpRequest, slug: str) -> HttpResponse:
    question = get_object_or_404(Question, slug=slug)
    form = ClarificationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                clarification_add(
                    question=question,
                    text=form.cleaned_data["text"],
                    created_by=signed_in_user(request.user),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Clarification added.")
                return redirect(f"{_detail_url(question)}#clarifications")
    context = {
        "question": question,
        "form": form,
        "clarifications": clarifications_for(question=question),
    }
    return render(request, "pages/manage/clarifications.html", context, status=status)


# --- Authoring -------------------------------------------------------------------


@staff_required
def question_manage_list(request: HttpRequest) -> HttpResponse:
    page_obj = Paginator(drafts_for_authoring(), DRAFTS_PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    drafts = [
        {"question": question, "close_passed": question.scheduled_close_time <= now}
        for question in page_obj.object_list
    ]
    context = {
        "drafts": drafts,
        "page_obj": page_obj,
        "published": recently_published(limit=RECENT_LIMIT),
    }
    return render(request, "pages/manage/question_list.html", context)


@staff_required
def question_new(request: HttpRequest) -> HttpResponse:
    # A passage arrives by POST with `prefill` (the article page's staff tools):
    # a long passage would not fit in a URL (servers refuse request lines over ~4 KB).
    # That POST only fills the form in; nothing is saved.
    prefill = request.method == "POST" and "prefill" in request.POST
    if request.method == "POST" and SET_WINDOW in request.POST:
        return _question_window_set(request)
    if request.method == "POST" and not prefill:
        return _question_create(request)

    # Prefilled from a passage of an article (the article page's staff tools);
    # an unknown article or horizon is said next to the window picker, with a 400.
    source = ArticlePassageForm(request.POST if prefill else request.GET)
    valid = source.is_valid()
    article = source.cleaned_data.get("article") if valid else None
    passage = (source.cleaned_data.get("passage") or "") if valid else ""
    horizon = (source.cleaned_data.get("horizon") if valid else "") or DEFAULT_HORIZON
    anchor = (source.cleaned_data.get("anchor") if valid else "") or ANCHOR_PUBLICATION
    initial: dict[str, Any] = {}
    window_closed = False
    if article is not None:
        initial = article_draft_initial(
            article=article, passage=passage, horizon=horizon, anchor=anchor
        )
        window_closed = initial["scheduled_close_time"] <= timezone.now()
    elif passage:
        initial = {"source_passage": " ".join(passage.split())}
    return _question_form_page(
        request,
        QuestionDraftForm(initial=initial),
        status=200 if valid else 400,
        source=source,
        article=article,
        horizon=horizon,
        anchor=anchor,
        window_closed=window_closed,
        reading=icd203_reading(passage) if passage else None,
    )


# The window picker's button, part of the draft's own form: setting the window sends
# what was typed along, so nothing typed is lost (and nothing is saved).
SET_WINDOW = "set_window"


def _question_create(request: HttpRequest) -> HttpResponse:
    form = QuestionDraftForm(request.POST)
    if form.is_valid():
        try:
            question = question_draft_create(
                draft=form.draft(), created_by=signed_in_user(request.user)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except IntegrityError:
            # Another draft took the slug between the check and the insert.
            form.add_error("slug", "That slug was just taken by another question: save again.")
        else:
            messages.success(
                request,
                "Draft saved. This is its preview: forecasters cannot see it until you publish it.",
            )
            return redirect(_detail_url(question))
    return _question_form_page(request, form, status=400, **_picker_kept(request, form))


def _picker_kept(request: HttpRequest, form: QuestionDraftForm) -> dict[str, Any]:
    """The window picker as it was, for a draft's form shown again with its errors."""
    article = form.cleaned_data.get("article") if hasattr(form, "cleaned_data") else None
    horizon = request.POST.get("horizon", "")
    anchor = request.POST.get("anchor", "")
    return {
        "article": article,
        "horizon": horizon if horizon in dict(HORIZON_CHOICES) else DEFAULT_HORIZON,
        "anchor": anchor if anchor in dict(ANCHOR_CHOICES) else ANCHOR_PUBLICATION,
    }


def _question_window_set(request: HttpRequest, *, question: Question | None = None) -> HttpResponse:
    source = ArticlePassageForm(
        {
            "article": request.POST.get("article", ""),
            "passage": request.POST.get("source_passage", ""),
            "horizon": request.POST.get("horizon", ""),
            "anchor": request.POST.get("anchor", ""),
        }
    )
    valid = source.is_valid()
    article = source.cleaned_data.get("article") if valid else None
    horizon = (source.cleaned_data.get("horizon") if valid else "") or DEFAULT_HORIZON
    anchor = (source.cleaned_data.get("anchor") if valid else "") or ANCHOR_PUBLICATION
    data: QueryDict = request.POST
    window_closed = False
    if article is not None:
        data, window_closed = article_draft_window(
            data=request.POST, article=article, horizon=horizon, anchor=anchor
        )
    if valid and article is None:
        messages.info(request, "Choose the article the question is drawn from to set its window.")
    passage = data.get("source_passage", "")
    return _question_form_page(
        request,
        QuestionDraftForm(initial=QuestionDraftForm.initial_from(data)),
        question=question,
        status=200 if valid else 400,
        source=source,
        article=article,
        horizon=horizon,
        anchor=anchor,
        window_closed=window_closed,
        window_set=article is not None,
        reading=icd203_reading(passage) if passage else None,
    )


@staff_required
def question_edit(request: HttpRequest, slug: str) -> HttpResponse:
    question = get_object_or_404(
        Question.objects.select_related("article__outlet").prefetch_related("tags", "projects"),
        slug=slug,
    )
    if not question.is_draft:
        messages.info(
            request,
            "This question is published: its criteria are fixed, because forecasts were "
            "made against them. Add a clarification instead.",
        )
        return redirect("manage:clarification_add", slug=question.slug)
    if request.method == "POST" and SET_WINDOW in request.POST:
        return _question_window_set(request, question=question)
    if request.method != "POST":
        form = QuestionDraftForm(initial=QuestionDraftForm.initial_for(question))
        return _question_form_page(
            request,
            form,
            question=question,
            article=question.article,
            horizon=DEFAULT_HORIZON,
            anchor=ANCHOR_PUBLICATION,
        )
    form = QuestionDraftForm(request.POST)
    if form.is_valid():
        try:
            question = question_draft_update(
                question=question, draft=form.draft(), updated_by=signed_in_user(request.user)
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Draft saved. This is its preview.")
            return redirect(_detail_url(question))
    return _question_form_page(
        request, form, question=question, status=400, **_picker_kept(request, form)
    )


def _question_form_page(
    request: HttpRequest,
    form: QuestionDraftForm,
    *,
    question: Question | None = None,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {
        "form": form,
        "question": question,
        "horizon_choices": HORIZON_CHOICES,
        "anchor_choices": ANCHOR_CHOICES,
        **extra,
    }
    return render(request, "pages/manage/question_form.html", context, status=status)


@staff_required
def question_publish_view(request: HttpRequest, slug: str) -> HttpResponse:
    question = get_object_or_404(
        Question.objects.select_related("article__outlet").prefetch_related("tags", "projects"),
        slug=slug,
    )
    if request.method != "POST":
        return redirect(_detail_url(question))
    confirmed = request.POST.get("confirm") == "yes"
    try:
        # Checked before asking, so a draft that cannot be published says why at once.
        question_publish_check(question=question, published_by=signed_in_user(request.user))
        if confirmed:
            question_publish(question=question, published_by=signed_in_user(request.user))
    except ValidationError as error:
        if not question.is_draft:
            messages.info(request, "This question is already published.")
            return redirect(_detail_url(question))
        # The refusal names a field of the draft (its close time): show it there.
        form = QuestionDraftForm(QuestionDraftForm.data_for(question))
        form.is_valid()
        add_service_errors(form, error)
        return _question_form_page(
            request, form, question=question, status=400, publish_refused=True
        )
    if not confirmed:
        # Publishing cannot be undone (forecasts start arriving against these words):
        # the page shows what forecasters will read and asks once more.
        return render(request, "pages/manage/publish_confirm.html", {"question": question})
    messages.success(request, "Published: forecasters can now see this question.")
    return redirect(_detail_url(question))


@staff_required
def likelihood_tables_view(request: HttpRequest) -> HttpResponse:
    """Every likelihood table with its source and ranges, as the data file gives them
    (common/data/likelihood_tables.yaml); no query."""
    return render(
        request,
        "pages/manage/likelihood_tables.html",
        {
            "tables": likelihood.tables(),
            "data_file": "common/data/likelihood_tables.yaml",
            "number_key": likelihood.NUMBER,
            "number_name": likelihood.NUMBER_NAME,
        },
    )
