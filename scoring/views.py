"""Pages for scores: the leaderboard (public), and for analysts the calibration explorer
and every forecaster's scores on one question. Views validate and shape; the reads are
the selectors', and each page costs a fixed number of queries however many forecasters,
questions or forecasts it covers."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from accounts.models import User
from accounts.roles import is_analyst
from common.csv import csv_download, csv_export_request
from common.forms import choice_field
from questions.models import Article, Project, Question
from questions.selectors import tags_in_use
from scoring import registry
from scoring.models import CalibrationReport, MaterializedScope, QuestionScoring
from scoring.scopes import ALL, Scope, ScopeError
from scoring.score_columns import TEXT, ScoreColumn, score_columns
from scoring.selectors import (
    calibration_for_user,
    calibration_of_scope,
    leaderboard_sorted_for,
    resolved_questions_for_analysis,
    scores_for_question,
)

ROWS_PER_PAGE = 100
QUESTIONS_PER_PAGE = 50


# --- Shared -----------------------------------------------------------------------------


def analyst_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Analysts and staff only: anonymous visitors log in first; forecasters get a 403
    that points them to their own record."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_analyst(request.user):
            return render(request, "scoring/analysts_only.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _utc_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, tzinfo=UTC)


# --- Leaderboard ------------------------------------------------------------------------

SORT_CHOICES = [
    ("rank", "Rank, best first"),
    ("-rank", "Rank, worst first"),
    ("name", "Name, A to Z"),
    ("-name", "Name, Z to A"),
    ("-questions", "Most questions first"),
    ("questions", "Fewest questions first"),
]


def _scope_choices() -> list[tuple[str, str]]:
    names = MaterializedScope.objects.order_by("scope").values_list("scope", flat=True)
    scopes = []
    for name in names:
        try:
            scope = Scope.parse(name)
        except ScopeError:
            continue
        if scope.has_leaderboard and scope.kind != ALL:
            scopes.append((name, f"{scope.kind.capitalize()}: {scope.key}"))
    return [(ALL, "All questions"), *scopes]


class DateInput(forms.DateInput):
    input_type = "date"


class LeaderboardForm(forms.Form):
    scope = forms.ChoiceField(label="Questions", required=False)
    rule = forms.ChoiceField(label="Rule", choices=registry.choices, required=False)
    min_questions = forms.IntegerField(
        label="Minimum scored questions to be ranked",
        min_value=0,
        # Far above any real count; keeps absurd input a form error, not a surprise.
        max_value=100_000,
        required=False,
        error_messages={"invalid": "Enter a whole number of questions, 0 or more."},
    )
    resolved_after = forms.DateField(
        label="Outcome known on or after (UTC)",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    resolved_before = forms.DateField(
        label="Outcome known before (UTC)",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter a date as YYYY-MM-DD."},
    )
    sort = forms.ChoiceField(label="Order", choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(
        min_value=1, max_value=1_000_000, required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choice_field(self, "scope").choices = _scope_choices()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        after, before = data.get("resolved_after"), data.get("resolved_before")
        if after and before and after >= before:
            self.add_error("resolved_before", "Must be later than the first date.")
        return data


def leaderboard(request: HttpRequest) -> HttpResponse:
    status = 200
    form = LeaderboardForm(
        request.GET or None,
        initial={
            "scope": ALL,
            "rule": registry.DEFAULT.key,
            "min_questions": settings.FORESEER_LEADERBOARD_MIN_QUESTIONS,
            "sort": "rank",
        },
    )
    scope, rule, min_questions, page, sort = Scope(ALL), registry.DEFAULT, None, 1, "rank"
    after = before = None
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            scope = Scope.parse(data["scope"] or ALL)
            rule = registry.get(data["rule"] or registry.DEFAULT.key)
            min_questions = data["min_questions"]
            page = data["page"] or 1
            sort = data["sort"] or "rank"
            after, before = _utc_start(data["resolved_after"]), _utc_start(data["resolved_before"])
        else:
            # Show the default board with the error next to the field.
            status = 400
    board = leaderboard_sorted_for(
        scope=scope,
        rule=rule,
        sort=sort.lstrip("-"),
        descending=sort.startswith("-"),
        min_questions=min_questions,
        offset=(page - 1) * ROWS_PER_PAGE,
        limit=ROWS_PER_PAGE,
        resolved_after=after,
        resolved_before=before,
    )
    csv_query: dict[str, str | int] = {"format": "csv", "scope": board.scope, "rule": rule.key}
    csv_query["min_questions"] = board.min_questions
    if after:
        csv_query["resolved_after"] = after.isoformat()
    if before:
        csv_query["resolved_before"] = before.isoformat()
    me = request.user.username if request.user.is_authenticated else None
    context = {
        "board": board,
        "form": form,
        "me": me,
        "sort": sort,
        "ranked_rows": [row for row in board.rows if row.rank is not None],
        "unranked_rows": [row for row in board.rows if row.rank is None],
        "page": page,
        "pages": max(1, math.ceil(board.total / ROWS_PER_PAGE)),
        "has_next": page * ROWS_PER_PAGE < board.total,
        "rule": rule,
        "coverage_floor": settings.FORESEER_COVERAGE_FLOOR,
        "csv_url": f"{reverse('api:leaderboard')}?{urlencode(csv_query)}",
        "analyst": is_analyst(request.user),
    }
    return render(request, "scoring/leaderboard.html", context, status=status)


# --- Calibration explorer ---------------------------------------------------------------

CLOSED, EVERY = "closed", "all"
CSV_TABLES = ("bins", "decomposition", "roc")
NARROWING = ("tag", "article", "project")

# (key, symbol, name, what it says); the Murphy decomposition in Brier units (0-2).
DECOMPOSITION = [
    ("brier", "BS", "Brier score",
     "Mean squared error of the forecasts in the two-category form: 0 best, 2 worst."),
    ("reliability", "REL", "Reliability",
     "How far each bin's observed frequency lies from its mean forecast, weighted by the "
     "bin's share of the forecasts. 0 is perfect calibration; lower is better."),
    ("resolution", "RES", "Resolution",
     "How far the bins' observed frequencies lie from the overall base rate: forecasts "
     "that sort the yes questions from the no ones earn more. Higher is better."),
    ("uncertainty", "UNC", "Uncertainty",
     "2 ō (1 − ō), the Brier score of always forecasting the base rate ō. Set by the "
     "questions, not by the forecaster."),
    ("within_bin_variance", "WBV", "Within-bin variance",
     "How much the forecasts inside each bin spread around the bin's mean forecast."),
    ("within_bin_covariance", "WBC", "Within-bin covariance",
     "How the forecasts inside a bin move with the outcomes: positive when the higher "
     "forecasts of a bin are the ones that resolved yes."),
]  # fmt: skip


def _named_choices(blank: str, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", blank), *pairs]


class CalibrationForm(forms.Form):
    user = forms.CharField(
        label="Forecaster (username)",
        required=False,
        max_length=150,
        help_text="Leave empty for every forecaster.",
    )
    group = forms.ChoiceField(label="Group of forecasters", required=False)
    tag = forms.ChoiceField(label="Tag", required=False)
    article = forms.ChoiceField(label="Article", required=False)
    project = forms.ChoiceField(label="Project", required=False)
    weighting = forms.ChoiceField(
        label="Weighting", choices=CalibrationReport.Weighting.choices, required=False
    )
    questions = forms.ChoiceField(
        label="Questions counted",
        choices=[
            (CLOSED, "Only questions past their scheduled close"),
            (EVERY, "Every resolved question"),
        ],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choice_field(self, "group").choices = _named_choices(
            "No group",
            ((n, n) for n in Group.objects.order_by("name").values_list("name", flat=True)),
        )
        choice_field(self, "tag").choices = _named_choices(
            "Any tag", ((s, s) for s in tags_in_use())
        )
        # Kept to name a chosen article or project in the report's title.
        self.article_choices = _named_choices(
            "Any article", Article.objects.order_by("title").values_list("slug", "title")
        )
        self.project_choices = _named_choices(
            "Any project", Project.objects.order_by("name").values_list("slug", "name")
        )
        choice_field(self, "article").choices = self.article_choices
        choice_field(self, "project").choices = self.project_choices

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        username = (data.get("user") or "").strip()
        narrowing = [name for name in NARROWING if data.get(name)]
        data["forecaster"] = None
        if username:
            data["forecaster"] = User.objects.filter(username=username).first()
            if data["forecaster"] is None:
                self.add_error("user", f"No forecaster is named {username!r}.")
            if data.get("group"):
                self.add_error(
                    "group",
                    "A forecaster's calibration can be narrowed to a tag, an article or a "
                    "project, not a group: clear the forecaster or the group.",
                )
            for name in narrowing[1:]:
                self.add_error(
                    name, f"Narrow by one of tag, article or project; {narrowing[0]} is chosen."
                )
        else:
            chosen = (["group"] if data.get("group") else []) + narrowing
            for name in chosen[1:]:
                self.add_error(
                    name, f"Choose one of group, tag, article or project; {chosen[0]} is chosen."
                )
        return data


def _scope_label(scope: Scope, articles: dict[str, str], projects: dict[str, str]) -> str:
    if scope.kind == ALL:
        return "every forecaster"
    if scope.kind == "article":
        return f"the article “{articles.get(scope.key, scope.key)}”"
    if scope.kind == "project":
        return f"the project “{projects.get(scope.key, scope.key)}”"
    return f"{scope.kind} {scope.key}"


def _slope_reading(slope: float | None) -> str:
    if slope is None:
        return (
            "No fit: the recalibration needs yes and no outcomes whose forecasts overlap, "
            "and no forecast of exactly 0 % or 100 %."
        )
    if abs(slope - 1.0) < 0.05:
        return "Slope close to 1: the forecasts are about as extreme as the outcomes warrant."
    if slope < 1.0:
        return (
            "Slope below 1: overconfident. The forecasts are more extreme than the outcomes "
            "warrant; moving them towards 50 % would have scored better."
        )
    return (
        "Slope above 1: underconfident. The forecasts are more timid than the outcomes "
        "warrant; moving them away from 50 % would have scored better."
    )


def _decomposition(report: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows = [
        {"term": key, "symbol": symbol, "name": name, "value": report.get(key), "meaning": meaning}
        for key, symbol, name, meaning in DECOMPOSITION
    ]
    terms = [report.get(key) for key, *_ in DECOMPOSITION]
    known = [value for value in terms if value is not None]
    identity: dict[str, Any] = {"sum": None, "difference": None}
    if len(known) == len(terms):
        brier, rel, res, unc, wbv, wbc = known
        identity["sum"] = rel - res + unc + wbv - wbc
        identity["difference"] = identity["sum"] - brier
    return rows, identity


def _statistics(report: dict[str, Any]) -> list[dict[str, Any]]:
    citl = report.get("calibration_in_the_large")
    slope = report.get("recalibration_slope")
    intercept = report.get("recalibration_intercept")
    auc = report.get("roc_auc")
    if citl is None:
        citl_reading = ""
    elif citl > 0:
        citl_reading = "Positive: on average the forecasts were higher than the rate of yes."
    elif citl < 0:
        citl_reading = "Negative: on average the forecasts were lower than the rate of yes."
    else:
        citl_reading = "The mean forecast equals the rate of yes."
    intercept_reading = ""
    if intercept is not None:
        fitted = 1.0 / (1.0 + math.exp(-intercept))
        intercept_reading = (
            f"At a forecast of 50 %, the fitted chance of yes is {fitted * 100:.1f} %."
        )
    return [
        {"key": "ece", "name": "Expected calibration error (ECE)", "value": report.get("ece"),
         "reading": "Weighted mean distance between each bin's observed frequency and its "
                    "mean forecast, on the 0–1 probability scale; 0 is perfect."},
        {"key": "calibration_in_the_large", "name": "Calibration-in-the-large",
         "value": citl, "reading": "Mean forecast minus the rate of yes. " + citl_reading},
        {"key": "recalibration_slope", "name": "Recalibration slope", "value": slope,
         "reading": _slope_reading(slope)},
        {"key": "recalibration_intercept", "name": "Recalibration intercept", "value": intercept,
         "reading": "a in logit P(yes) = a + b logit(forecast), fitted by maximum likelihood. "
                    + intercept_reading},
        {"key": "roc_auc", "name": "ROC AUC", "value": auc,
         "reading": "The chance that a random yes question got a higher forecast than a "
                    "random no question (ties count half): 0.5 is chance, 1 perfect."},
        {"key": "log_loss", "name": "Log loss", "value": report.get("log_loss"),
         "reading": "Mean of −ln(probability given to what happened), in nats; lower is "
                    "better."},
        {"key": "base_rate", "name": "Base rate", "value": report.get("base_rate"),
         "reading": "The weighted share of forecasts whose question resolved yes."},
        {"key": "mean_forecast", "name": "Mean forecast", "value": report.get("mean_forecast"),
         "reading": "The weighted mean probability of yes."},
    ]  # fmt: skip


def _calibration_report_for(
    data: dict[str, Any],
) -> tuple[dict[str, Any], Scope | None, Scope | None, User | None]:
    """The report a valid form asks for: (report, scope, within, forecaster)."""
    weighting = data.get("weighting") or CalibrationReport.Weighting.TIME
    closed_only = (data.get("questions") or CLOSED) == CLOSED
    narrowed = next(
        (Scope(name, data[name]) for name in ("group", *NARROWING) if data.get(name)), None
    )
    forecaster = data.get("forecaster")
    if forecaster is not None:
        report = calibration_for_user(
            user=forecaster, weighting=weighting, closed_only=closed_only, within=narrowed
        )
        return report, None, narrowed, forecaster
    scope = narrowed or Scope(ALL)
    return (
        calibration_of_scope(scope=scope, weighting=weighting, closed_only=closed_only),
        scope,
        None,
        None,
    )


@analyst_required
def calibration(request: HttpRequest) -> HttpResponse:
    status = 200
    form = CalibrationForm(request.GET or None, initial={"weighting": "time", "questions": CLOSED})
    data: dict[str, Any] = {}
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
        else:
            status = 400  # the site-wide report, with the errors next to the fields
    export, table, export_error = csv_export_request(request, tables=CSV_TABLES)
    if export_error:
        status = 400
    report, scope, within, forecaster = _calibration_report_for(data)
    articles = dict(form.article_choices)
    projects = dict(form.project_choices)
    if forecaster is not None:
        subject = f"forecaster {forecaster.username}"
        if within is not None:
            subject += f" on {_scope_label(within, articles, projects)}"
        name = f"user-{forecaster.username}" + (f"-{within.kind}-{within.key}" if within else "")
    else:
        assert scope is not None
        subject = _scope_label(scope, articles, projects)
        name = str(scope).replace(":", "-")
    weighting, closed_only = report["weighting"], report["closed_only"]
    decomposition, identity = _decomposition(report)
    statistics = _statistics(report)
    if export and not export_error and status == 200:
        stem = f"calibration-{name}-{weighting}{'' if closed_only else '-all'}"
        if table == "bins":
            return csv_download(
                ({"subject": subject, **row} for row in report["bins"]),
                header=["subject", "lower", "upper", "count", "weight", "questions",
                        "mean_forecast", "observed", "hits", "ci_low", "ci_high"],
                filename=f"{stem}-bins.csv",
            )  # fmt: skip
        if table == "roc":
            curve = report.get("roc_curve") or {"fpr": [], "tpr": [], "threshold": []}
            return csv_download(
                (
                    {"subject": subject, "threshold": threshold, "fpr": fpr, "tpr": tpr}
                    for threshold, fpr, tpr in zip(
                        curve["threshold"], curve["fpr"], curve["tpr"], strict=True
                    )
                ),
                header=["subject", "threshold", "fpr", "tpr"],
                filename=f"{stem}-roc.csv",
            )
        rows = [
            *decomposition,
            {"term": "identity", "symbol": "REL-RES+UNC+WBV-WBC", "value": identity["sum"],
             "meaning": "Equals the Brier score (to rounding)."},
            *({"term": s["key"], "name": s["name"], "value": s["value"],
               "meaning": s["reading"]} for s in statistics),
        ]  # fmt: skip
        return csv_download(
            ({"subject": subject, **row} for row in rows),
            header=["subject", "term", "symbol", "value", "meaning"],
            filename=f"{stem}-decomposition.csv",
        )
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("table", None)
    query_string = query.urlencode()
    narrowing_query = {}
    if scope is not None and scope.kind in ("tag", "article"):
        narrowing_query = {scope.kind: scope.key}
    elif within is not None and within.kind in ("tag", "article"):
        narrowing_query = {within.kind: within.key}
    context = {
        "form": form,
        "report": report,
        "subject": subject,
        "forecaster": forecaster,
        "decomposition": decomposition,
        "identity": identity,
        "statistics": statistics,
        "export_error": export_error,
        "bins_csv": f"?{query_string}{'&' if query_string else ''}format=csv&table=bins",
        "decomposition_csv": (
            f"?{query_string}{'&' if query_string else ''}format=csv&table=decomposition"
        ),
        "roc_csv": f"?{query_string}{'&' if query_string else ''}format=csv&table=roc",
        "questions_url": (
            f"{reverse('scoring:analysis_questions')}"
            + (f"?{urlencode(narrowing_query)}" if narrowing_query else "")
        ),
    }
    return render(request, "scoring/calibration.html", context, status=status)


# --- Questions, one forecaster per row --------------------------------------------------


class QuestionSearchForm(forms.Form):
    q = forms.CharField(label="Title or slug contains", required=False, max_length=200)
    tag = forms.ChoiceField(label="Tag", required=False)
    article = forms.ChoiceField(label="Article", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        choice_field(self, "tag").choices = _named_choices(
            "Any tag", ((s, s) for s in tags_in_use())
        )
        choice_field(self, "article").choices = _named_choices(
            "Any article", Article.objects.order_by("title").values_list("slug", "title")
        )


@analyst_required
def analysis_questions(request: HttpRequest) -> HttpResponse:
    status = 200
    form = QuestionSearchForm(request.GET or None)
    filters = {"search": "", "tag": "", "article": ""}
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            filters = {"search": data["q"].strip(), "tag": data["tag"], "article": data["article"]}
        else:
            status = 400
    pages = Paginator(resolved_questions_for_analysis(**filters), QUESTIONS_PER_PAGE)
    page_obj = pages.get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page_obj, "questions": list(page_obj.object_list)}
    return render(request, "scoring/analysis_questions.html", context, status=status)


FORECASTER = ScoreColumn("user", "Forecaster", "asc", TEXT)


def _default_score_sort() -> str:
    """Best peer score first, as the API lists them."""
    return f"-{registry.PEER.key}"


def _sorted_scores(rows: list[dict[str, Any]], sort: str) -> list[dict[str, Any]]:
    """Rows by one column; missing values (a Daily Brier without an active day) last
    whichever the direction, ties by name."""
    key, descending = sort.lstrip("-"), sort.startswith("-")
    present = [row for row in rows if row[key] is not None]
    missing = [row for row in rows if row[key] is None]
    present.sort(key=lambda row: row["user"])
    present.sort(key=lambda row: row[key], reverse=descending)
    return present + sorted(missing, key=lambda row: row["user"])


@analyst_required
def analysis_question(request: HttpRequest, slug: str) -> HttpResponse:
    question = get_object_or_404(
        Question.objects.visible_to(request.user).select_related("article"), slug=slug
    )
    columns = [FORECASTER, *score_columns()]
    status, sort_error = 200, ""
    sort = request.GET.get("sort") or _default_score_sort()
    if sort.lstrip("-") not in {column.key for column in columns}:
        sort_error = f"Cannot sort by {sort!r}: use a column heading."
        sort, status = _default_score_sort(), 400
    scores = scores_for_question(question=question)
    scoring = QuestionScoring.objects.filter(question=question).first()
    people = _sorted_scores([row for row in scores if not row["is_community"]], sort)
    community = next((row for row in scores if row["is_community"]), None)
    context = {
        "question": question,
        "scoring": scoring,
        "rows": people,
        "community": community,
        "columns": columns,
        "value_columns": columns[1:],
        "sort": sort,
        "sort_error": sort_error,
        "csv_url": f"{reverse('api:question-scores', args=[question.slug])}?format=csv",
    }
    return render(request, "scoring/analysis_question.html", context, status=status)
