"""Web pages for forecasts: the forecast form's target and the user's record."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from accounts.signed_in import signed_in_user
from common.csv import csv_download, csv_export_request
from common.forms import add_service_errors
from common.templatetags.foreseer import percent
from common.throttling import throttle_posts
from forecasts.forms import ForecastForm, new_idempotency_key
from forecasts.models import Forecast
from forecasts.services import (
    ForecastKeyConflict,
    NoStandingForecast,
    forecast_change,
    forecast_submit,
    forecast_submit_once,
)
from pages.selectors import Record, record_calibration, record_for
from pages.views.questions import question_detail_page, question_for_page
from questions.models import Question
from questions.selectors import tags_in_use
from scoring import registry
from scoring.calibration_page import small_sample_note
from scoring.score_columns import rule_column, score_columns


@require_POST
# The API's submission rate, per user, and the same count (FORESEER_THROTTLE_FORECASTS).
@throttle_posts("forecasts")
def forecast_submit_view(request: HttpRequest, slug: str) -> HttpResponse:
    question = question_for_page(slug, request.user)
    detail_url = reverse("questions:detail", args=[question.slug])
    if not request.user.is_authenticated:
        # Back to the question after logging in, not to this POST-only URL.
        return redirect_to_login(detail_url)
    form = ForecastForm(request.POST)
    if form.is_valid():
        try:
            forecast = _submit(request, question, form)
        except ValidationError as error:
            add_service_errors(form, error, fields={"probability": "percent"})
        except ForecastKeyConflict:
            # The page was sent again with other values (back, edit, submit): a new key
            # lets the next submit store them.
            form = ForecastForm({**request.POST.dict(), "idempotency_key": new_idempotency_key()})
            form.is_valid()
            form.add_error(
                None,
                "This form was already used to save a forecast. Check your probability and "
                "submit again to save a new one.",
            )
        else:
            messages.success(
                request, f"Forecast saved: {percent(forecast.probability)} chance of yes."
            )
            return redirect(detail_url)
    return question_detail_page(request, question, form=form, status=400)


def _standing_change(request: HttpRequest, slug: str, *, withdraw: bool) -> HttpResponse:
    """Withdraw or reaffirm the user's standing forecast, then back to the question with a
    message saying what happened (or why nothing did)."""
    # Only a redirect follows: the question row alone (a 404 as the page gives).
    question = get_object_or_404(Question.objects.visible_to(request.user), slug=slug)
    detail_url = reverse("questions:detail", args=[question.slug])
    if not request.user.is_authenticated:
        return redirect_to_login(detail_url)
    user = signed_in_user(request.user)
    try:
        # The page's key (made when it was rendered): a double click records once.
        recorded = forecast_change(
            user=user,
            question=question,
            action="withdraw" if withdraw else "reaffirm",
            origin=Forecast.Origin.WEB,
            key=request.POST.get("idempotency_key") or None,
        ).recorded
    except NoStandingForecast as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except ForecastKeyConflict:
        messages.error(
            request, "This page was already used for another change: nothing more was recorded."
        )
    else:
        if withdraw:
            messages.success(
                request,
                "Forecast withdrawn: you have no forecast on this question until you make "
                "a new one.",
            )
        else:
            assert isinstance(recorded, Forecast)
            messages.success(
                request, f"Forecast reaffirmed: {percent(recorded.probability)} chance of yes."
            )
    return redirect(f"{detail_url}#forecast")


@require_POST
@throttle_posts("forecasts")
def forecast_withdraw_view(request: HttpRequest, slug: str) -> HttpResponse:
    return _standing_change(request, slug, withdraw=True)


@require_POST
@throttle_posts("forecasts")
def forecast_reaffirm_view(request: HttpRequest, slug: str) -> HttpResponse:
    return _standing_change(request, slug, withdraw=False)


def _submit(request: HttpRequest, question: Question, form: ForecastForm) -> Forecast:
    """The form's forecast; once per key when the page gave one (a double submit or a
    reload that posts again answers with the first forecast)."""
    arguments: dict[str, Any] = {
        "user": signed_in_user(request.user),
        "question": question,
        "probability": form.probability,
        "rationale": form.cleaned_data["rationale"],
        "origin": Forecast.Origin.WEB,
    }
    key = form.cleaned_data["idempotency_key"]
    if not key:
        return forecast_submit(**arguments)
    return forecast_submit_once(key=key, **arguments).forecast


# The record's tables that download as CSV (`?format=csv&table=...`).
RECORD_TABLES = ("questions", "rules", "calibration")
RULE_STANDING_COLUMNS = [
    "value", "total", "questions", "coverage", "ci_low", "ci_high", "per_question_mean",
]  # fmt: skip
CALIBRATION_BIN_COLUMNS = [
    "lower", "upper", "count", "weight", "questions", "mean_forecast", "observed", "hits",
    "ci_low", "ci_high",
]  # fmt: skip


def _record_tag(request: HttpRequest, tags: list[str]) -> tuple[str, str]:
    """The tag asked for, or none and the reason when there is no such tag."""
    tag = request.GET.get("tag", "")
    if tag and tag not in tags:
        return "", f"There is no tag {tag!r}; showing every question."
    return tag, ""


def _record_csv(record: Record, table: str, *, user: Any, tag: str) -> HttpResponse:
    suffix = f"-{tag}" if tag else ""
    if table == "rules":
        return csv_download(
            (
                {"rule": standing.rule.key}
                | {name: getattr(standing, name) for name in RULE_STANDING_COLUMNS}
                for standing in record.standings
            ),
            header=["rule", *RULE_STANDING_COLUMNS],
            filename=f"my-record-rules{suffix}.csv",
        )
    if table == "calibration":
        return csv_download(
            record_calibration(user=user, tag=tag)["bins"],
            header=CALIBRATION_BIN_COLUMNS,
            filename=f"my-record-calibration{suffix}.csv",
        )
    known = lambda question: question.known_at.isoformat() if question.known_at else None  # noqa: E731
    return csv_download(
        (
            {
                **entry,
                "question": entry["question"].slug,
                "title": entry["question"].title,
                "resolution": entry["question"].resolution,
                "known_at": known(entry["question"]),
            }
            for entry in record.resolved
        ),
        header=[
            "question", "title", "resolution", "known_at",
            *(column.key for column in score_columns()),
        ],
        filename=f"my-record{suffix}.csv",
    )  # fmt: skip


@login_required
def my_record(request: HttpRequest) -> HttpResponse:
    tags = tags_in_use()
    # A bad tag or export request is said next to what was wrong, with the whole record.
    tag, tag_error = _record_tag(request, tags)
    export, table, export_error = csv_export_request(request, tables=RECORD_TABLES)
    status = 400 if tag_error or export_error else 200
    user = signed_in_user(request.user)
    record = record_for(user=user, tag=tag, now=timezone.now())
    if export and status == 200:
        return _record_csv(record, table, user=user, tag=tag)
    calibration = record_calibration(user=user, tag=tag)
    csv_base = f"?{urlencode({'tag': tag})}&" if tag else "?"
    context = {
        "csv_urls": {name: f"{csv_base}format=csv&table={name}" for name in RECORD_TABLES},
        "tags": tags,
        "tag": tag,
        "tag_error": tag_error,
        "export_error": export_error,
        "record": record,
        "resolved": record.resolved,
        "unscored": record.unscored,
        "columns": score_columns(),
        # The questions table shows the rules the record opens with; every rule waits
        # behind a disclosure.
        "headline_columns": [rule_column(standing.rule) for standing in record.headline],
        "default_rule": registry.DEFAULT,
        "coverage_floor": settings.FORESEER_COVERAGE_FLOOR,
        "calibration": calibration,
        "calibration_note": small_sample_note(calibration),
        "open_rows": record.pending_with_status(Question.Status.OPEN),
        "closed_rows": record.pending_with_status(Question.Status.CLOSED),
    }
    return render(request, "pages/record.html", context, status=status)
