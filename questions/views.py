"""Web pages for questions and articles. Views validate and shape; the reads
are the selectors', and every page costs a fixed number of queries however
many questions, forecasts or forecasters it shows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from forecasts.forms import ForecastForm
from forecasts.selectors import (
    community_forecast,
    community_forecasts_for_viewer,
    community_visible,
    forecasts_of_user,
)
from questions.models import Article, Question, Tag
from questions.templatetags.foreseer import PassageMark, highlight_passages
from scoring.selectors import scores_for_question

QUESTIONS_PER_PAGE = 25
ALL = "all"
STATUS_FILTER_CHOICES = [
    (ALL, "All (open first)"),
    (Question.Status.OPEN, "Open"),
    (Question.Status.UPCOMING, "Upcoming"),
    (Question.Status.CLOSED, "Closed, awaiting resolution"),
    (Question.Status.RESOLVED, "Resolved"),
]


class QuestionFilterForm(forms.Form):
    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False, label="Status")
    tag = forms.ChoiceField(required=False, label="Tag")

    def __init__(self, *args: Any, tags: list[str], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["tag"].choices = [("", "All tags"), *((slug, slug) for slug in tags)]


def _status_rank(now: Any) -> Case:
    """The SQL form of `Question.status_at`, as a sort key: open, upcoming,
    closed, resolved."""
    return Case(
        When(~Q(resolution=""), then=Value(3)),
        When(open_time__gt=now, then=Value(1)),
        When(scheduled_close_time__gt=now, then=Value(0)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _questions_filtered(*, status: str, tag: str, now: Any) -> QuerySet[Question]:
    questions = Question.objects.published().select_related("article").prefetch_related("tags")
    if status != ALL:
        questions = questions.with_status(status, now)
    if tag:
        questions = questions.filter(tags__slug=tag)
    return questions.annotate(status_rank=_status_rank(now)).order_by(
        "status_rank", "scheduled_close_time", "id"
    )


def question_list(request: HttpRequest) -> HttpResponse:
    tags = list(Tag.objects.order_by("slug").values_list("slug", flat=True))
    filters = QuestionFilterForm(request.GET, tags=tags)
    status, tag, http_status = ALL, "", 200
    if filters.is_valid():
        status = filters.cleaned_data["status"] or ALL
        tag = filters.cleaned_data["tag"]
    else:
        # An unknown status or tag: say so next to the filter and list everything.
        http_status = 400
    now = timezone.now()
    page = Paginator(_questions_filtered(status=status, tag=tag, now=now), QUESTIONS_PER_PAGE)
    page_obj = page.get_page(request.GET.get("page"))
    questions = list(page_obj.object_list)
    # One query for the whole page, not one per question.
    community = community_forecasts_for_viewer(questions=questions, user=request.user, now=now)
    rows = [
        {
            "question": question,
            "status": question.status_at(now),
            "community": community[question.pk],
        }
        for question in questions
    ]
    context = {
        "filters": filters,
        "rows": rows,
        "page_obj": page_obj,
        "status": status,
        "tag": tag,
    }
    return render(request, "questions/question_list.html", context, status=http_status)


def question_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return question_detail_page(request, question_for_page(slug, request.user))


def question_for_page(slug: str, user: Any) -> Question:
    """The question, or a 404; a draft only for staff, who see it as a preview."""
    return get_object_or_404(
        Question.objects.visible_to(user)
        .select_related("article", "successor_of")
        .prefetch_related("tags"),
        slug=slug,
    )


def question_detail_page(
    request: HttpRequest,
    question: Question,
    *,
    form: ForecastForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The detail page; the forecast view re-renders it with a bound form and
    a 400 when the forecast is refused."""
    now = timezone.now()
    question_status = question.status_at(now)
    community = community_forecast(question=question, before=question.actual_close_time)
    accepts_forecasts = (
        question_status == Question.Status.OPEN and question.type == Question.Type.BINARY
    )
    my_forecasts = []
    if request.user.is_authenticated:
        my_forecasts = list(forecasts_of_user(user=request.user, question=question))
        if form is None and accepts_forecasts:
            form = ForecastForm()
    if not community_visible(
        question=question, user=request.user, has_forecast=bool(my_forecasts), now=now
    ):
        community = community.hidden_from_viewer()

    events: list[Any] = []
    scores: list[dict[str, object]] = []
    if question.resolution:
        events = list(
            question.resolution_events.select_related("created_by").order_by("created_at", "id")
        )
        if question.is_scorable:
            me = request.user.username if request.user.is_authenticated else None
            scores = [
                {**entry, "is_me": entry["user"] == me}
                for entry in scores_for_question(question=question)
            ]

    context = {
        "question": question,
        "status": question_status,
        "is_open": question_status == Question.Status.OPEN,
        "accepts_forecasts": accepts_forecasts,
        "community": community,
        "my_forecasts": my_forecasts,
        "form": form,
        "events": events,
        "latest_event": events[-1] if events else None,
        "scores": scores,
        "login_url": login_url_for(question),
    }
    return render(request, "questions/question_detail.html", context, status=status)


def login_url_for(question: Question) -> str:
    next_url = reverse("questions:detail", args=[question.slug])
    return f"{reverse('login')}?{urlencode({'next': next_url})}"


def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(Article, slug=slug)
    questions = list(
        article.questions.published()
        .prefetch_related("tags")
        .order_by("scheduled_close_time", "id")
    )
    numbered = list(enumerate(questions, start=1))
    highlighted = highlight_passages(
        article.text,
        [
            PassageMark(
                slug=question.slug,
                passage=question.source_passage,
                url=reverse("questions:detail", args=[question.slug]),
                label=str(number),
            )
            for number, question in numbered
        ],
    )
    now = timezone.now()
    community = community_forecasts_for_viewer(questions=questions, user=request.user, now=now)
    rows = [
        {
            "number": number,
            "question": question,
            "status": question.status_at(now),
            "community": community[question.pk],
            "located": question.slug in highlighted.located,
        }
        for number, question in numbered
    ]
    context = {"article": article, "text": highlighted.html, "rows": rows}
    return render(request, "questions/article_detail.html", context)
