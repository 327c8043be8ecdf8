"""Web pages for forecasts: the forecast form's target and the user's record."""

from __future__ import annotations

from statistics import fmean
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from forecasts.forms import ForecastForm
from forecasts.models import Forecast
from forecasts.selectors import community_forecasts
from forecasts.services import forecast_submit
from questions.models import Question
from questions.templatetags.foreseer import percent
from questions.views import question_detail_page, question_for_page
from scoring.models import Score
from scoring.selectors import scores_for_user


def _add_service_errors(form: ForecastForm, error: ValidationError) -> None:
    """The service names its fields; the form has `percent` where the service
    has `probability`, and anything else is about the question as a whole."""
    for field, messages_ in error.message_dict.items():
        form.add_error("percent" if field == "probability" else None, messages_)


@require_POST
def forecast_submit_view(request: HttpRequest, slug: str) -> HttpResponse:
    question = question_for_page(slug, request.user)
    detail_url = reverse("questions:detail", args=[question.slug])
    if not request.user.is_authenticated:
        # Back to the question after logging in, not to this POST-only URL.
        return redirect_to_login(detail_url)
    form = ForecastForm(request.POST)
    if form.is_valid():
        try:
            forecast = forecast_submit(
                user=request.user,
                question=question,
                probability=form.probability,
                rationale=form.cleaned_data["rationale"],
                origin=Forecast.Origin.WEB,
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(
                request, f"Forecast saved: {percent(forecast.probability)} chance of yes."
            )
            return redirect(detail_url)
    return question_detail_page(request, question, form=form, status=400)


def _latest_forecasts_on_unresolved(user: Any) -> list[Forecast]:
    """The user's newest forecast on each question not yet resolved, in one query."""
    newer = Forecast.objects.filter(user=user, question=OuterRef("question")).filter(
        Q(created_at__gt=OuterRef("created_at"))
        | Q(created_at=OuterRef("created_at"), id__gt=OuterRef("id"))
    )
    return list(
        Forecast.objects.filter(user=user, question__resolution="")
        .filter(~Exists(newer))
        .select_related("question")
        .order_by("question__scheduled_close_time", "question_id")
    )


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()

    resolved = [
        {
            "question": row.question,
            "participation": row.participation,
            "daily_brier": row.daily_brier,
            "accuracy": row.accuracy,
            "peer": row.peer,
        }
        for row in scores_for_user(user=user)
    ]
    accuracies = [entry["accuracy"] for entry in resolved if entry["accuracy"] is not None]
    briers = [entry["daily_brier"] for entry in resolved if entry["daily_brier"] is not None]

    # Resolved questions the user forecast on without a score: annulled or
    # ambiguous, scoring not run yet, or every forecast came after the close.
    unscored = list(
        Question.objects.resolved()
        .filter(Exists(Forecast.objects.filter(user=user, question=OuterRef("pk"))))
        .exclude(Exists(Score.objects.filter(user=user, question=OuterRef("pk"))))
        .order_by("-resolution_set_at", "id")
    )

    latest = _latest_forecasts_on_unresolved(user)
    community = community_forecasts(questions=[forecast.question for forecast in latest])
    pending = [
        {
            "forecast": forecast,
            "question": forecast.question,
            "status": forecast.question.status_at(now),
            "community": community[forecast.question_id],
        }
        for forecast in latest
    ]
    context = {
        "resolved": resolved,
        "mean_accuracy": fmean(accuracies) if accuracies else None,
        "mean_daily_brier": fmean(briers) if briers else None,
        "total_peer": sum(entry["peer"] for entry in resolved) if resolved else None,
        "unscored": unscored,
        "open_rows": [row for row in pending if row["status"] == Question.Status.OPEN],
        "closed_rows": [row for row in pending if row["status"] == Question.Status.CLOSED],
    }
    return render(request, "forecasts/record.html", context)
