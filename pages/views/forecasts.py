"""Web pages for forecasts: the forecast form's target and the user's record."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from common.csv import csv_download, csv_export_request
from common.forms import add_service_errors
from common.templatetags.foreseer import percent
from forecasts.forms import ForecastForm
from forecasts.models import Forecast
from forecasts.selectors import community_forecasts
from forecasts.services import forecast_submit
from pages.views.questions import question_detail_page, question_for_page
from questions.models import Question
from questions.selectors import tags_in_use
from scoring.models import CalibrationReport, Score
from scoring.scopes import Scope
from scoring.selectors import calibration_for_user, rule_standings, scores_for_user


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
            add_service_errors(form, error, fields={"probability": "percent"})
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


# The record's tables that download as CSV (`?format=csv&table=...`).
RECORD_TABLES = ("questions", "rules", "calibration")


def _record_calibration(user: Any, tag: str) -> dict[str, Any]:
    """The forecaster's own calibration, as the analysts' explorer computes it."""
    return calibration_for_user(
        user=user,
        weighting=CalibrationReport.Weighting.TIME,
        closed_only=True,
        within=Scope("tag", tag) if tag else None,
    )


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    status = 200
    tags = tags_in_use()
    tag = request.GET.get("tag", "")
    tag_error = ""
    if tag and tag not in tags:
        # Say so next to the select and show the whole record.
        tag_error, tag, status = f"There is no tag {tag!r}; showing every question.", "", 400
    export, table, export_error = csv_export_request(request, tables=RECORD_TABLES)
    if export_error:
        status = 400

    scores = scores_for_user(user=user)
    if tag:
        scores = scores.filter(question__tags__slug=tag)
    scores = list(scores)
    resolved = [
        {
            "question": row.question,
            "forecasts": row.forecasts,
            "participation": row.participation,
            "active_days": row.active_days,
            "daily_brier": row.daily_brier,
            "accuracy": row.accuracy,
            "peer": row.peer,
            "baseline": row.baseline,
            "log": row.log_score,
            "coverage": row.coverage,
        }
        for row in scores
    ]
    suffix = f"-{tag}" if tag else ""
    if export and status == 200 and table == "rules":
        return csv_download(
            (
                {
                    "rule": standing.rule.value,
                    "value": standing.value,
                    "total": standing.total,
                    "questions": standing.questions,
                    "coverage": standing.coverage,
                    "ci_low": standing.ci_low,
                    "ci_high": standing.ci_high,
                }
                for standing in rule_standings(scores=scores, key=f"record:{user.pk}:{tag}")
            ),
            header=["rule", "value", "total", "questions", "coverage", "ci_low", "ci_high"],
            filename=f"my-record-rules{suffix}.csv",
        )
    if export and status == 200 and table == "calibration":
        report = _record_calibration(user, tag)
        return csv_download(
            report["bins"],
            header=["lower", "upper", "count", "weight", "questions", "mean_forecast",
                    "observed", "hits", "ci_low", "ci_high"],
            filename=f"my-record-calibration{suffix}.csv",
        )  # fmt: skip
    if export and status == 200:
        return csv_download(
            (
                {
                    **entry,
                    "question": entry["question"].slug,
                    "title": entry["question"].title,
                    "resolution": entry["question"].resolution,
                    "known_at": entry["question"].known_at.isoformat()
                    if entry["question"].known_at
                    else None,
                }
                for entry in resolved
            ),
            header=[
                "question", "title", "resolution", "known_at", "forecasts", "accuracy",
                "daily_brier", "participation", "active_days", "peer", "baseline", "log",
                "coverage",
            ],
            filename=f"my-record{suffix}.csv",
        )  # fmt: skip
    # Each rule as the leaderboards compute it, over this record's questions.
    standings = rule_standings(scores=scores, key=f"record:{user.pk}:{tag}")
    by_rule = {standing.rule.value: standing for standing in standings}

    # Resolved questions the user forecast on without a score: annulled or
    # ambiguous, scoring not run yet, or every forecast came after the close.
    unscored = (
        Question.objects.resolved()
        .filter(Exists(Forecast.objects.filter(user=user, question=OuterRef("pk"))))
        .exclude(Exists(Score.objects.filter(user=user, question=OuterRef("pk"))))
    )
    if tag:
        unscored = unscored.filter(tags__slug=tag)
    unscored = list(unscored.order_by("-resolution_set_at", "id"))

    latest = _latest_forecasts_on_unresolved(user)
    if tag:
        tagged = set(
            Question.objects.filter(
                pk__in=[forecast.question_id for forecast in latest], tags__slug=tag
            ).values_list("pk", flat=True)
        )
        latest = [forecast for forecast in latest if forecast.question_id in tagged]
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
    calibration = _record_calibration(user, tag)
    csv_base = f"?{urlencode({'tag': tag})}&" if tag else "?"
    context = {
        "csv_urls": {name: f"{csv_base}format=csv&table={name}" for name in RECORD_TABLES},
        "tags": tags,
        "tag": tag,
        "tag_error": tag_error,
        "export_error": export_error,
        "resolved": resolved,
        "standings": standings,
        "mean_accuracy": by_rule["accuracy"].value,
        "mean_daily_brier": by_rule["daily_brier"].value,
        "peer": by_rule["peer"],
        "coverage_floor": settings.FORESEER_COVERAGE_FLOOR,
        "calibration": calibration,
        "unscored": unscored,
        "open_rows": [row for row in pending if row["status"] == Question.Status.OPEN],
        "closed_rows": [row for row in pending if row["status"] == Question.Status.CLOSED],
    }
    return render(request, "pages/record.html", context, status=status)
