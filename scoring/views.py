"""Pages for scores: the leaderboard and the calibration explorer (public; a forecaster's
or a group's calibration for analysts), and for analysts every forecaster's scores on one
question. Views parse the query (`scoring.forms`), read
through the selectors and render; the calibration report is shaped for reading by
`scoring.calibration_page`. Each page costs a fixed number of queries however many
forecasters, questions or forecasts it covers."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from accounts.roles import is_analyst
from accounts.signed_in import signed_in_user
from common.csv import csv_export_request
from questions.models import Question
from scoring import registry
from scoring.calibration_page import CSV_TABLES, calibration_page
from scoring.forms import (
    CLOSED,
    PERSONAL_CALIBRATION,
    CalibrationForm,
    LeaderboardForm,
    LeaderboardQuery,
    QuestionSearchForm,
)
from scoring.headlines import leaderboard_headline
from scoring.models import QuestionScoring
from scoring.scopes import ALL
from scoring.score_columns import TEXT, ScoreColumn, score_columns
from scoring.selectors import (
    LeaderboardPage,
    LeaderboardRow,
    calibration_for,
    leaderboard_row_of,
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


# --- Leaderboard ------------------------------------------------------------------------


def leaderboard(request: HttpRequest) -> HttpResponse:
    form = LeaderboardForm(
        request.GET or None,
        initial={
            "scope": ALL,
            "rule": registry.DEFAULT.key,
            "min_questions": settings.FORESEER_LEADERBOARD_MIN_QUESTIONS,
            "sort": "rank",
        },
    )
    # An invalid query shows the default board with the error next to the field.
    status = 400 if form.is_bound and not form.is_valid() else 200
    query = form.query()
    board = leaderboard_sorted_for(
        scope=query.scope,
        rule=query.rule,
        sort=query.sort_key,
        descending=query.descending,
        min_questions=query.min_questions,
        offset=(query.page - 1) * ROWS_PER_PAGE,
        limit=ROWS_PER_PAGE,
        resolved_after=query.resolved_after,
        resolved_before=query.resolved_before,
    )
    page = query.page
    me = request.user.username if request.user.is_authenticated else None
    context = {
        "board": board,
        "headline": leaderboard_headline(board=board, mine=_my_row(request, board, query)),
        "form": form,
        "me": me,
        "sort": query.sort,
        "ranked_rows": [row for row in board.rows if row.rank is not None],
        "unranked_rows": [row for row in board.rows if row.rank is None],
        "page": page,
        "pages": max(1, math.ceil(board.total / ROWS_PER_PAGE)),
        "has_next": page * ROWS_PER_PAGE < board.total,
        "rule": query.rule,
        # A phone shows each row as a card, each figure after its column's name.
        "score_label": "Score"
        if query.rule.divides_by_coverage
        else f"Mean {query.rule.short_label}",
        "coverage_floor": settings.FORESEER_COVERAGE_FLOOR,
        "csv_url": _leaderboard_csv_url(board, query),
        "analyst": is_analyst(request.user),
    }
    return render(request, "scoring/leaderboard.html", context, status=status)


def _my_row(
    request: HttpRequest, board: LeaderboardPage, query: LeaderboardQuery
) -> LeaderboardRow | None:
    """The signed-in reader's row: on this page, or read apart (one more query) from a
    materialized board; a board computed for a date window has only its page's rows."""
    if not request.user.is_authenticated:
        return None
    user = signed_in_user(request.user)
    mine = next((row for row in board.rows if row.username == user.username), None)
    if mine is not None or board.live:
        return mine
    return leaderboard_row_of(
        scope=query.scope, rule=query.rule, user=user, min_questions=query.min_questions
    )


def _leaderboard_csv_url(board: LeaderboardPage, query: LeaderboardQuery) -> str:
    """The API's CSV of the board shown: its scope, rule, line and window."""
    csv_query: dict[str, str | int] = {
        "format": "csv",
        "scope": board.scope,
        "rule": query.rule.key,
    }
    csv_query["min_questions"] = board.min_questions
    if query.resolved_after:
        csv_query["resolved_after"] = query.resolved_after.isoformat()
    if query.resolved_before:
        csv_query["resolved_before"] = query.resolved_before.isoformat()
    return f"{reverse('api:leaderboard')}?{urlencode(csv_query)}"


# --- How scoring works ------------------------------------------------------------------


def how_scoring_works(request: HttpRequest) -> HttpResponse:
    """Every rule in plain words, from the registry, for newcomers (the welcome after
    sign-up links here)."""
    context = {
        "rules": registry.rules(),
        "default_rule": registry.DEFAULT,
        "coverage_floor": settings.FORESEER_COVERAGE_FLOOR,
        "min_questions": settings.FORESEER_LEADERBOARD_MIN_QUESTIONS,
    }
    return render(request, "scoring/how_scoring_works.html", context)


# --- Calibration explorer ---------------------------------------------------------------


def calibration(request: HttpRequest) -> HttpResponse:
    # Site-wide, a tag's, an article's or a project's calibration pools everyone's
    # forecasts and is public, as in the API; one forecaster's or a group's is for
    # analysts (forecasters see their own on their record).
    analyst = is_analyst(request.user)
    if not analyst and any(request.GET.get(name) for name in PERSONAL_CALIBRATION):
        return render(request, "scoring/analysts_only.html", status=403)
    form = CalibrationForm(
        request.GET or None,
        initial={"weighting": "time", "questions": CLOSED},
        personal=analyst,
    )
    # An invalid query shows the site-wide report, with the errors next to the fields.
    invalid = form.is_bound and not form.is_valid()
    export, table, export_error = csv_export_request(request, tables=CSV_TABLES)
    query = form.query()
    page = calibration_page(
        calibration_for(
            forecaster=query.forecaster,
            narrowed_to=query.narrowed_to,
            weighting=query.weighting,
            closed_only=query.closed_only,
        ),
        titles=form.titles(),
    )
    if export and not export_error and not invalid:
        return page.csv(table)
    context = {
        "form": form,
        "export_error": export_error,
        "analyst": analyst,
        **page.context(query=request.GET),
    }
    status = 400 if invalid or export_error else 200
    return render(request, "scoring/calibration.html", context, status=status)


# --- Questions, one forecaster per row --------------------------------------------------


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
    people = _sorted_scores(
        [row for row in scores if not row["is_community"] and not row.get("is_claim")], sort
    )
    community = next((row for row in scores if row["is_community"]), None)
    context = {
        "question": question,
        "scoring": scoring,
        "rows": people,
        "community": community,
        "claims": [row for row in scores if row.get("is_claim")],
        "columns": columns,
        "value_columns": columns[1:],
        "sort": sort,
        "sort_error": sort_error,
        "csv_url": f"{reverse('api:question-scores', args=[question.slug])}?format=csv",
    }
    return render(request, "scoring/analysis_question.html", context, status=status)
